"""Archiving one formation's sessions (SPEC E11, F15): never deletes, records each session.
Selections of many sessions are archived as set operations (app/workflow/bulk.py)."""
from __future__ import annotations

from app.models import Session, SessionEtat

from .bulk import HISTORY_ARCHIVED
from .history import record


def archive_sessions(db_session, sessions, author=None, comment: str | None = None) -> int:
    """Archive sessions without committing: the formation's *Archiver* transition (app/workflow/
    transitions.py) archives its sessions in its own transaction and records the formation itself."""
    return sum(_archive_session(db_session, session, author, comment) for session in sessions)


def _archive_session(db_session, session: Session, author, comment) -> int:
    if session.etat == SessionEtat.ARCHIVEE:
        return 0
    session.etat = SessionEtat.ARCHIVEE
    record(db_session, session, HISTORY_ARCHIVED, author, comment)
    return 1
