"""REST resources (FAB ModelRestApi) under the same row-level scope as the views.

Relations are left out of add/edit columns on purpose: FAB 5.3 does not check the scope of a
related id on writes (FAB-NOTES G3). Writes go through SaveRecord (app/commands/save.py), the
forms' command: it checks the parent's scope (a plain id here), the lock and the rules, and this
module maps its refusals to 404 and 422 {field: [French messages]}. A contact's PUT on a validated
structure is kept by the command as a change request (C9): 202 {message, change_id}.

No lost update (issue 16): GET of a record and a successful PUT answer its version as an `ETag`;
a PUT with `If-Match` is written only if that is still the record's version, else 412 with a
French message (nothing written). Without `If-Match` a PUT is accepted (clients written before
the versions keep working); the database still refuses a write overtaken between its read and its
write (412 as well).

The OpenAPI document says exactly that (openapi.py), from schemas that say what is answered
(schemas.py); errors are French JSON (errors.py).
"""
from __future__ import annotations

import re

from flask import g, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError

from app.commands import Invalid, Locked, NotFound, Stale
from app.commands.records import record_of
from app.commands.save import SaveRecord, parent_id_field
from app.extensions import db
from app.models import Formation, Lieu, Session, Structure, StructureContact
from app.models.base import VersionMixin
from app.models.structures import QUALIOPI_FIELDS as _QUALIOPI
from app.security.permissions import MODEL_API_METHODS, RESOURCE_FORMATION, RESOURCE_SESSION, RESOURCE_STRUCTURE
from app.security.scope import HIDE_DRAFTS, SCOPE, choice_filters, scoped
from app.views.base import MAX_PK
from app.views.labels import LABELS

from .errors import FrenchResponses, InvalidArgument
from .openapi import resource_operations
from .schemas import PortalSchemaConverter

MAX_PAGE = 10**6  # as the pages' page_ arguments (factory.register_guards)


class ScopedRestApi(FrenchResponses, ModelRestApi):
    """ModelRestApi under the row-level scope, writing through SaveRecord: what a record needs
    on save (its checks, rich text, derived values, parent) is app/commands/records.py's."""

    base_filters = SCOPE
    allow_browser_login = True
    page_size = 25
    method_permission_name = MODEL_API_METHODS  # a resource and its page share one permission
    # Other ids a payload may carry, each checked against the writable scope (G3): field -> model.
    related_ids: dict = {}
    model2schemaconverter = PortalSchemaConverter

    def __init__(self, **kwargs):
        # `_info` and `related` offer only rows of the user's scope (A3); FAB would list every row.
        model = self.datamodel.obj
        self.add_query_rel_fields = choice_filters(model, self.add_query_rel_fields)
        self.edit_query_rel_fields = choice_filters(model, self.edit_query_rel_fields)
        # The pages' French labels; an id carried by the payload is labelled as its relation.
        ids = {f"{name}_id": label for name, label in LABELS.items() if f"{name}_id" not in LABELS}
        self.label_columns = {**ids, **LABELS, **(self.label_columns or {})}
        self.openapi_spec_methods = resource_operations(type(self).__name__)
        super().__init__(**kwargs)
        if issubclass(model, VersionMixin) and "version" not in self.show_select_columns:
            # read with the record for its ETag (not shown in the body)
            self.show_select_columns = [*self.show_select_columns, "version"]

    def get_headless(self, pk, **kwargs):
        """FAB's GET of one record, with its version as ETag (issue 16)."""
        response = super().get_headless(pk, **kwargs)
        if response.status_code == 200:
            item = db.session.get(self.datamodel.obj, int(pk))  # FAB's read: in the identity map
            _set_etag(response, item)
        return response

    def _sanitize_page_args(self, page, page_size):
        """FAB 5.3 passes any page number on as the query's OFFSET (page × page size): PostgreSQL
        refuses a negative one, and a huge one overflows (500). Lists and `_info` pass here."""
        if page is not None and not 0 <= page < MAX_PAGE:
            raise InvalidArgument(f"Numéro de page non valide : de 0 à {MAX_PAGE - 1}.")
        return super()._sanitize_page_args(page, page_size)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB 5.3 translates `description_columns.get(name, "")`, and gettext("") is the
        translation catalogue's header (Babel's convention): a field without a description has none."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info

    def _related_problems(self) -> dict[str, list[str]]:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return {}
        problems = _malformed_ids(self.datamodel.obj, payload)
        for name, model in self.related_ids.items():
            value = payload.get(name)
            if value is not None and not (_is_pk(value) and _writable(model, value) is not None):
                problems[name] = ["Valeur inconnue ou hors de votre périmètre."]
        return problems

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message="La requête doit être au format JSON.")
        if related := self._related_problems():
            return self.response_422(message=related)
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            return self.response_422(message=_field_messages(err.messages))
        except SQLAlchemyError:
            db.session.rollback()
            return self.response_422(message={"_schema": ["Valeurs non valides."]})
        return self._save(item, created=True)

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message="La requête doit être au format JSON.")
        if not item:
            return self.response_404()
        if related := self._related_problems():
            return self.response_422(message=related)
        seen = _if_match()
        if seen == PRECONDITION_UNREADABLE:
            return self.response(412, message=IF_MATCH_UNREADABLE)
        try:
            item = self.edit_model_schema.load(self._merge_update_item(item, request.json), instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=_field_messages(err.messages))
        except SQLAlchemyError:
            db.session.rollback()
            return self.response_422(message={"_schema": ["Valeurs non valides."]})
        return self._save(item, created=False, version=seen)

    def _save(self, item, *, created: bool, version: int | None = None):
        """SaveRecord, FAB's hooks around it as FAB calls them; refusals as 404 or 422."""
        model = self.datamodel.obj
        record = record_of(model)
        # The payload names the parent by its id (`structure_id`): its problems are reported there.
        rename = {record.parent: parent_id_field(model, record.parent)} if record.parent else {}
        command = SaveRecord(item, created=created, user=g.user, record=record,
                             prepare=self.pre_add if created else self.pre_update, version=version)
        try:
            result = command.run()
        except NotFound:
            return self.response_404()
        except Stale as stale:  # changed since the client read it: 412, nothing written
            return self.response(412, message=f"{stale} Relisez-la (GET) pour obtenir sa version actuelle (ETag).")
        except Locked as locked:
            return self.response_422(message={"_schema": [locked.reason]})
        except Invalid as invalid:
            return self.response_422(message=_by_field(invalid.errors, rename))
        if result.diversion is not None:  # kept as a change request (C9): the record is unchanged
            return self._diverted(result, rename)
        (self.post_add if created else self.post_update)(item)
        schema = self.add_model_schema if created else self.edit_model_schema
        body = {"result": schema.dump(item, many=False), "warnings": _by_field(result.warnings, rename)}
        if created:
            body["id"] = self.datamodel.get_pk_value(item)
        return _set_etag(self.response(201 if created else 200, **body), item)

    def _diverted(self, result, rename: dict):
        """202 with the French message and the id of the change request that keeps the edit; 200
        with the unchanged record when nothing differed from it (a draft request is dropped)."""
        kept, warnings = result.diversion.kept, _by_field(result.warnings, rename)
        if kept is None:
            return self.response(200, message=result.diversion.message,
                                 result=self.edit_model_schema.dump(result.item, many=False), warnings=warnings)
        return self.response(202, message=result.diversion.message, change_id=kept.id, warnings=warnings)


PRECONDITION_UNREADABLE = -1
IF_MATCH_UNREADABLE = ("En-tête If-Match illisible : indiquez l'ETag reçu en lisant l'enregistrement (GET), "
                       "par exemple If-Match: \"3\".")


VERSION_TAG = re.compile(r"[0-9]{1,9}")


def _if_match() -> int | None:
    """The version a PUT's If-Match names: None without the header (or `*`: any version),
    PRECONDITION_UNREADABLE when it names no version of ours."""
    if not request.headers.get("If-Match"):
        return None
    condition = request.if_match
    if condition.star_tag:
        return None
    # ASCII digits only ("²".isdecimal() is true); werkzeug may hand back None for an empty tag
    tags = [tag for tag in condition.as_set(include_weak=True) if tag and VERSION_TAG.fullmatch(tag)]
    return int(tags[0]) if len(tags) == 1 else PRECONDITION_UNREADABLE


def _set_etag(response, item):
    """The record's version as the answer's ETag (`"3"`), when it has one."""
    if isinstance(item, VersionMixin) and item.version is not None:
        response.set_etag(str(item.version))
    return response


def _malformed_ids(model, payload: dict) -> dict[str, list[str]]:
    """Ids that are not database ids (text, floats, out of range) are refused before any query:
    the database would fail on them (PostgreSQL integers stop at 2**31 - 1)."""
    relations = {relation.key for relation in sa_inspect(model).relationships}
    problems = {}
    for name, value in payload.items():
        if name not in relations and not name.endswith("_id"):
            continue
        values = value if isinstance(value, list) else [value]
        if not all(v is None or _is_pk(v) for v in values):
            problems[name] = ["Identifiant non valide : nombre entier positif attendu."]
    return problems


def _field_messages(messages: dict) -> dict[str, list[str]]:
    """marshmallow's messages as the API documents them, {field: [messages]}: those of a list's
    items (formacodes) or of a nested record are gathered under the field."""

    def flat(value) -> list[str]:
        if isinstance(value, dict):
            return [message for item in value.values() for message in flat(item)]
        if isinstance(value, (list, tuple)):
            return [message for item in value for message in flat(item)]
        return [str(value)]

    return {str(name): flat(value) for name, value in messages.items()}


def _by_field(problems, rename: dict | None = None) -> dict[str, list[str]]:
    messages: dict[str, list[str]] = {}
    for problem in problems:
        name = (rename or {}).get(problem.field, problem.field)
        messages.setdefault(name or "_schema", []).append(problem.message)
    return messages


def _is_pk(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PK


def _writable(model, pk):
    """The row of `model` with id `pk` if the current user may change it, else None."""
    query = scoped(db.session.query(model).filter(model.id == pk), model, write=True)
    return query.one_or_none()


QUALIOPI_FIELDS = frozenset(_QUALIOPI)
QUALIOPI_READ_ONLY = ("Lecture seule : les certifications Qualiopi viennent de la liste publique des organismes "
                      "de formation.")


class StructureApi(ScopedRestApi):
    resource_name = "structure"
    class_permission_name = RESOURCE_STRUCTURE
    datamodel = SQLAInterface(Structure)
    list_columns = ["id", "reference", "raison_sociale", "siret", "nda", "code_postal", "ville", "etat"]
    show_columns = list_columns + [
        "enseigne", "ape", "uai", "ligne", "complement", "code_insee", "potentiel", "parent_id",
        "qualiopi_action_formation", "qualiopi_bilan", "qualiopi_vae", "qualiopi_apprentissage",
        "qualiopi_source_le",
    ]
    # Identity fields (SIRET, NDA, APE, raison sociale) are not editable here (SPEC C2).
    edit_columns = ["enseigne", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee",
                    "potentiel", "demande_particuliere", "demande_contacts"]
    add_columns = edit_columns  # no POST here; FAB's `_info` would describe every column and relation
    search_columns = ["raison_sociale", "siret", "reference", "ville"]
    include_route_methods = {"get", "get_list", "put", "info"}

    def put_headless(self, pk):
        """C6: the Qualiopi flags come from the public list of training organisations; a payload
        that sets them is refused (422, nothing written) — managers correct them on the form."""
        payload = request.get_json(silent=True)
        posted = sorted(QUALIOPI_FIELDS & payload.keys()) if isinstance(payload, dict) else []
        if posted and self.datamodel.get(pk, self._base_filters) is not None:
            return self.response_422(message={name: [QUALIOPI_READ_ONLY] for name in posted})
        return super().put_headless(pk)


FORMATION_FIELDS = [
    "intitule", "certifiante", "apprentissage", "objectifs", "contenu", "resultats", "duree_cycle",
    "plus_formation", "url_video", "url_brochure", "url_page", "mots_cles", "metiers_vises", "formacodes",
    "complement_intitule",
]


class FormationApi(ScopedRestApi):
    resource_name = "formation"
    class_permission_name = RESOURCE_FORMATION
    base_filters = SCOPE + HIDE_DRAFTS
    datamodel = SQLAInterface(Formation)
    list_columns = ["id", "reference", "intitule", "structure_id", "certifiante", "apprentissage", "etat"]
    show_columns = list_columns + FORMATION_FIELDS[3:]
    edit_columns = FORMATION_FIELDS
    add_columns = ["structure_id"] + FORMATION_FIELDS
    search_columns = ["intitule", "reference", "etat"]
    include_route_methods = {"get", "get_list", "put", "post", "info"}


SESSION_FIELDS = [
    "debut", "fin", "a_la_demande", "entree_sortie_permanente", "duree_centre", "duree_entreprise",
    "duree_hebdomadaire", "prerequis", "contact_autre", "referent_handicap", "referent_mobilite",
    "contact_id", "lieu_inscription_id",
    # F5: a référent is one of the contacts of the session's structures (an id), or typed when external
    "referent_handicap_contact_id", "referent_mobilite_contact_id",
]


class SessionApi(ScopedRestApi):
    resource_name = "session"
    class_permission_name = RESOURCE_SESSION
    base_filters = SCOPE + HIDE_DRAFTS
    datamodel = SQLAInterface(Session)
    list_columns = ["id", "reference", "formation_id", "debut", "fin", "etat"]
    show_columns = list_columns + SESSION_FIELDS[2:] + ["duree_totale"]
    related_ids = {"contact_id": StructureContact, "lieu_inscription_id": Lieu,
                   "referent_handicap_contact_id": StructureContact, "referent_mobilite_contact_id": StructureContact}
    edit_columns = SESSION_FIELDS
    add_columns = ["formation_id"] + SESSION_FIELDS
    search_columns = ["reference", "debut", "fin", "etat"]
    include_route_methods = {"get", "get_list", "put", "post", "info"}
