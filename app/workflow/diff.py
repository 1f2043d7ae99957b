"""What a draft changes against the published formation, field by field and child by child
(SPEC G5): what the manager reads before accepting."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import inspect as sa_inspect

from app.models import Formation

from .drafts import FORMATION_M2M, SESSION_CHILDREN, SESSION_M2M

SKIPPED = {"id", "reference", "etat", "draft_of_id", "in_draft", "created_at", "updated_at", "submitted_at",
           "session_id", "formation_id", "version"}
CHILD_TITLES = {"formateurs": "OF formateur", "lieux": "Lieu de formation", "financements": "Financement",
                "recrutements": "Modalité de recrutement", "cycles": "Cycle de l'alternance",
                "certifications": "Certification"}


@dataclass(frozen=True)
class Change:
    section: str  # "Formation", "Session 100004S", "Nouvelle session"
    label: str  # French field label, or the child list's title
    before: str
    after: str


def display(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(sorted(display(v) for v in value))
    return str(value)


def _fields(model) -> list[tuple[str, str]]:
    """(attribute, kind) to compare: plain columns, then many-to-one relations instead of their ids."""
    mapper = sa_inspect(model)
    relations = {list(r.local_columns)[0].key: r.key for r in mapper.relationships
                 if r.direction.name == "MANYTOONE" and len(r.local_columns) == 1}
    fields = []
    for column in mapper.column_attrs:
        if column.key in SKIPPED:
            continue
        fields.append((relations.get(column.key, column.key), "value"))
    return fields


def summary(row) -> str:
    """One line describing a child row (its values, its related rows by name)."""
    parts = [display(getattr(row, name)) for name, _ in _fields(type(row))]
    return " · ".join(p for p in parts if p)


def _compare(section: str, before, after, labels, m2m=()) -> list[Change]:
    changes = []
    for name, _ in _fields(type(after)):
        old, new = display(getattr(before, name)), display(getattr(after, name))
        if old != new:
            changes.append(Change(section, labels(name), old, new))
    for name in m2m:
        old, new = display(list(getattr(before, name))), display(list(getattr(after, name)))
        if old != new:
            changes.append(Change(section, labels(name), old, new))
    return changes


def _compare_children(section: str, title: str, before_rows, after_rows) -> list[Change]:
    old, new = Counter(summary(r) for r in before_rows), Counter(summary(r) for r in after_rows)
    removed, added = old - new, new - old
    return ([Change(section, title, line, "") for line in sorted(removed.elements())]
            + [Change(section, title, "", line) for line in sorted(added.elements())])


def formation_diff(draft: Formation, labels=lambda name: name) -> list[Change]:
    """Changes of `draft` against its published formation; `labels(name)` gives French labels."""
    published = draft.draft_of
    if published is None:
        return []
    changes = _compare("Formation", published, draft, labels, FORMATION_M2M)
    changes += _compare_children("Formation", CHILD_TITLES["certifications"],
                                 published.certifications, draft.certifications)
    for session in draft.sessions:
        target = session.draft_of
        if target is None:
            changes.append(Change("Nouvelle session", "Session", "", summary(session)))
            for name in SESSION_CHILDREN:
                changes += _compare_children("Nouvelle session", CHILD_TITLES[name], [], getattr(session, name))
            continue
        section = f"Session {target.reference}"
        changes += _compare(section, target, session, labels, SESSION_M2M)
        for name in SESSION_CHILDREN:
            changes += _compare_children(section, CHILD_TITLES[name], getattr(target, name), getattr(session, name))
    return changes

