"""Helpers shared by the record checks."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.validators import Problem


def renamed(problems: Iterable[Problem], fields: Mapping[str, str]) -> list[Problem]:
    """The problems with the rule's field names replaced by the model's (`date_debut` → `debut`)."""
    return [
        Problem(fields.get(p.field, p.field), p.message, p.severity) if p.field in fields else p
        for p in problems
    ]


def siblings(collection, item) -> list:
    """`item` with the other rows of its parent's list, `item` last: a new row may already sit in
    the parent's collection (SQLAlchemy back-reference) or not; an edited one replaces its saved
    self."""
    others = [row for row in (collection or []) if row is not item and (row.id is None or row.id != item.id)]
    return [*others, item]


def code(nomenclature) -> str:
    return nomenclature.code if nomenclature is not None else ""
