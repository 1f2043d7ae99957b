"""Archiving (SPEC E11, F15, K2): never deletes, records the transition."""
from __future__ import annotations

from app.models import Formation, FormationEtat, Session, SessionEtat

from .history import record

HISTORY_ARCHIVED = "Archivage"


def archive(db_session, items, author=None, comment: str | None = None, motif=None) -> int:
    """Archive formations and/or sessions (a formation's sessions with it). Returns the number
    of records newly archived; already archived ones are left as they are."""
    count = 0
    for item in items:
        if isinstance(item, Formation):
            count += _archive_formation(db_session, item, author, comment, motif)
        elif isinstance(item, Session):
            count += _archive_session(db_session, item, author, comment)
    db_session.commit()
    return count


def archive_sessions(db_session, sessions, author=None, comment: str | None = None) -> int:
    """Archive sessions without committing: the formation's *Archiver* transition (app/workflow/
    transitions.py) archives its sessions in its own transaction and records the formation itself."""
    return sum(_archive_session(db_session, session, author, comment) for session in sessions)


def _archive_formation(db_session, formation: Formation, author, comment, motif) -> int:
    count = 0
    for session in formation.sessions:
        count += _archive_session(db_session, session, author, comment)
    if formation.etat == FormationEtat.ARCHIVEE:
        return count
    formation.etat = FormationEtat.ARCHIVEE
    if motif is not None:
        formation.motif_archivage = motif
    if comment:
        formation.commentaire_archivage = comment
    record(db_session, formation, HISTORY_ARCHIVED, author, comment)
    return count + 1


def _archive_session(db_session, session: Session, author, comment) -> int:
    if session.etat == SessionEtat.ARCHIVEE:
        return 0
    session.etat = SessionEtat.ARCHIVEE
    record(db_session, session, HISTORY_ARCHIVED, author, comment)
    return 1
