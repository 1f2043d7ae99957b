"""Shared column helpers and the stable-reference mechanism (SPEC E9)."""
from datetime import datetime, timezone

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, event
from sqlalchemy.orm import attributes, declared_attr


def utcnow() -> datetime:
    """Now, in UTC without a time zone: how every timestamp of the portal is stored (the one
    definition; datetime.utcnow() is deprecated)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at = Column(DateTime, default=utcnow, nullable=False)
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


class VersionMixin:
    """No lost update (issue 16): every editable record carries a version, raised by each UPDATE.
    SQLAlchemy adds `AND version = <loaded>` to the record's UPDATE and DELETE and raises
    StaleDataError when another transaction changed the row first; the save command
    (app/commands/save.py) also compares the version the user loaded (a form's hidden field, the
    API's If-Match) before writing. Set operations raise it themselves (`version + 1`)."""

    version = Column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


def loaded_version(item) -> int:
    """The version `item` had when it was loaded (a change in memory aside)."""
    history = attributes.instance_state(item).attrs["version"].history
    return (history.deleted or history.unchanged or [item.version])[0]


def link_table(name: str, left: str, right: str) -> Table:
    """Association table for a many-to-many between two tables, by their `id` columns."""
    return Table(
        name,
        Model.metadata,
        Column(f"{left}_id", Integer, ForeignKey(f"{left}.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{right}_id", Integer, ForeignKey(f"{right}.id", ondelete="CASCADE"), primary_key=True),
    )


def link_nomenclature(name: str, left: str) -> Table:
    """Association table between `left` and the nomenclature (one code list per table)."""
    return link_table(name, left, "nomenclature")


def reference_for(suffix: str, pk: int) -> str:
    """Stable, readable reference: the row's id offset into a six-digit range, plus a letter."""
    return f"{100000 + pk}{suffix}"


def stable_reference(suffix: str):
    """Class decorator: every new row gets a `reference` derived from its id once inserted.

    The id is only known after the INSERT, so the reference is written by a second UPDATE in the
    same transaction; rows that arrive with a reference (imports, bulk demo data) keep it.
    """

    def decorate(cls):
        @event.listens_for(cls, "after_insert")
        def _set_reference(mapper, connection, target):
            if target.reference:
                return
            ref = reference_for(suffix, target.id)
            connection.execute(
                cls.__table__.update().where(cls.__table__.c.id == target.id).values(reference=ref)
            )
            attributes.set_committed_value(target, "reference", ref)

        return cls

    return decorate


REFERENCE = lambda: Column(String(20), unique=True, index=True)  # noqa: E731
