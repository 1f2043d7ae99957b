"""The REST resources' marshmallow schemas, as FAB 5.3 builds them from the models, corrected
where they would not say what the API answers: the OpenAPI document is generated from them
(apispec), so a field's type here is its type there.
"""
from __future__ import annotations

from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import Schema, fields


class DecimalNumber(fields.Decimal):
    """A NUMERIC column (duree_hebdomadaire) read exactly, answered as a JSON number: Flask's
    JSON writes a Decimal as a string ("35.00"), which the document calls a number."""

    def _serialize(self, value, attr, obj, **kwargs):
        number = super()._serialize(value, attr, obj, **kwargs)
        return None if number is None else float(number)


class PortalSchemaConverter(Model2SchemaConverter):
    """FAB 5.3's Model2SchemaConverter with three corrections, each at the field it concerns."""

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        # FAB declares the fields on a plain class; marshmallow-sqlalchemy (>= 1.2, we run 1.5)
        # keeps a foreign key (structure_id, formation_id…) only when a Schema base declares it,
        # so FAB's Integer became an untyped Inferred field (documented `{}`, any value loaded).
        declared = {name: value for name, value in vars(class_mixin).items() if isinstance(value, fields.Field)}
        schema_mixin = type(class_mixin.__name__, (Schema,), declared)
        return super()._meta_schema_factory(columns, model, schema_mixin, parent_schema_name=parent_schema_name)

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        field = super()._column2field(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)
        if isinstance(field, fields.Integer) and not field.strict:
            field.strict = True  # marshmallow would read 35.5 as 35: hours and places are whole numbers
        if isinstance(field, fields.Decimal) and not isinstance(field, DecimalNumber):
            number = DecimalNumber(allow_none=field.allow_none, required=field.required, validate=field.validate)
            number.places, number.unique = field.places, getattr(field, "unique", False)
            return number
        if isinstance(field, fields.Nested) and field.many and isinstance(field.nested, Schema):
            # FAB nests a schema *instance*, whose `many` apispec reads: formacodes (a list) was
            # documented as one object. The schema's class says "a list of" as it should.
            listed = fields.Nested(type(field.nested), many=True, required=field.required)
            listed.unique = getattr(field, "unique", False)
            return listed
        return field
