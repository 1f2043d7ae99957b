"""Helpers shared by the record checks."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from app.validators import Problem


def renamed(problems: Iterable[Problem], fields: Mapping[str, str]) -> list[Problem]:
    """The problems with the rule's field names replaced by the model's (`date_debut` → `debut`)."""
    return [replace(p, field=fields[p.field]) if p.field in fields else p for p in problems]


def on_field(problems: Iterable[Problem], field: str) -> list[Problem]:
    """The problems shown next to one field of a child record's form (message, severity and rule
    kept): e.g. E7 and F7 problems of a session put on a financement's `mesure`."""
    return [replace(p, field=field) for p in problems]


def siblings(collection, item) -> list:
    """`item` with the other rows of its parent's list, `item` last: a new row may already sit in
    the parent's collection (SQLAlchemy back-reference) or not; an edited one replaces its saved
    self."""
    others = [row for row in (collection or []) if row is not item and (row.id is None or row.id != item.id)]
    return [*others, item]


def code(nomenclature) -> str:
    return nomenclature.code if nomenclature is not None else ""
