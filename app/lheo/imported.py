"""LHEO export of an imported formation (SPEC J4): its stored trees, with the portal's columns put
back at their places (app/lheo/importer.py took them out), and its sessions grouped by action —
an action with three sessions comes back as one `action` with three `session`.

Used by mapping.formation_element for every formation that carries a stored document, in the
partner flows and in `flask lheo export --source`; reads ORM objects and load.py's records alike.
"""
from __future__ import annotations

from lxml import etree

from .elements import PLACEHOLDER, flag, lheo_date
from .importer import (
    ACTION_CODES,
    ACTION_FLAGS,
    ACTION_INTEGERS,
    ACTION_TEXTS,
    FORMATION_CODES,
    FORMATION_TEXTS,
    SESSION_TEXTS,
    UNKNOWN_END,
    UNKNOWN_START,
    same_day,
)
from .tree import build, child, insert, local, put_text

_TEXTS = {**FORMATION_TEXTS, **ACTION_TEXTS, **SESSION_TEXTS}
_INTEGERS = ACTION_INTEGERS
_FLAGS = {"certifiante": "certifiante", **ACTION_FLAGS}
_CODES = {**FORMATION_CODES, **ACTION_CODES}
MANDATORY_TEXTS = frozenset({"intitule-formation", "objectif-formation", "resultats-attendus", "contenu-formation",
                             "conditions-specifiques"})


def is_imported(formation) -> bool:
    document = getattr(formation, "lheo", None)
    return bool(document) and "tree" in document


def _column_value(record, tag: str):
    """The text a column gives back to the element `tag` (None: leave it out)."""
    if tag in _TEXTS:
        value = getattr(record, _TEXTS[tag], None)
        if value is None or value == "":
            return PLACEHOLDER if tag in MANDATORY_TEXTS else None
        return value
    if tag in _INTEGERS:
        value = getattr(record, _INTEGERS[tag], None)
        return None if value is None else str(int(value))
    if tag in _FLAGS:
        return flag(getattr(record, _FLAGS[tag], None))
    if tag in _CODES:
        item = getattr(record, _CODES[tag], None)
        return getattr(item, "code", None)
    return None


def _put_columns(node, record, document) -> None:
    for tag in document.get("columns", ()):
        value = _column_value(record, tag)
        if value is not None:
            put_text(node, tag, value)


def formation_element(parent, formation, sessions):
    """The `formation` of an imported formation with the given sessions (those the perimeter
    took), grouped by their action in the source's order."""
    document = formation.lheo
    node = build(parent, document["tree"])
    _put_columns(node, formation, document)
    groups: dict = {}
    for session in sessions:
        action = getattr(session, "action", None)
        key = ("action", action.id) if action is not None and getattr(action, "lheo", None) else ("session", id(session))
        groups.setdefault(key, (action, []))[1].append(session)
    ordered = sorted(groups.values(), key=lambda group: (group[0].rang if group[0] is not None else 1 << 30))
    for action, members in ordered:
        insert(node, _action(action, members))
    return node


def _action(action, sessions):
    document = action.lheo if action is not None and action.lheo else {"tree": {"t": "action"}, "columns": []}
    holder = etree.Element("holder")
    node = build(holder, document["tree"])
    first = sessions[0]  # the action's columns are the same on each of its sessions
    _put_columns(node, first, document)
    for session in sorted(sessions, key=_session_order):
        insert(node, _session(session))
    return node


def _session_order(session):
    """The source's order (`rang` kept by the import), then sessions added in the portal."""
    rang = (getattr(session, "lheo", None) or {}).get("rang")
    return (rang is None, rang or 0, getattr(session, "id", 0) or 0)


def _session(session):
    document = session.lheo or {"tree": {"t": "session"}, "columns": []}
    holder = etree.Element("holder")
    node = build(holder, document["tree"])
    _put_columns(node, session, document)
    periode = next((c for c in node if isinstance(c.tag, str) and local(c.tag) == "periode"), None)
    if periode is not None:
        for tag, value, unknown in (("debut", session.debut, UNKNOWN_START), ("fin", session.fin, UNKNOWN_END)):
            element = next((c for c in periode if isinstance(c.tag, str) and local(c.tag) == tag), None)
            if element is not None and not same_day(element.text, value):
                element.text = lheo_date(value) or unknown  # changed in the portal since the import
    return node


__all__ = ["formation_element", "is_imported", "child"]
