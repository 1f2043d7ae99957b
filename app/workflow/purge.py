"""Scheduled clean-up (SPEC G3, F15): `flask workflow purge-drafts` and
`flask workflow archive-ended`, meant to run nightly."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from app.models import Formation, Session
from app.models.workflow import FormationEtat, SessionEtat

from .history import record

DRAFT_LIFETIME_DAYS = 14  # G3: drafts not submitted within 14 days are purged
ARCHIVE_AFTER_DAYS = 30  # F15: sessions are archived 30 days after their end


def purge_drafts(db_session, now: datetime | None = None) -> int:
    """Drop the drafts (*Demande de modification*) opened more than 14 days ago and never
    submitted; the published formations are untouched. Returns how many were dropped."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    limit = now - timedelta(days=DRAFT_LIFETIME_DAYS)
    drafts = db_session.execute(select(Formation).where(
        Formation.draft_of_id.isnot(None), Formation.etat == FormationEtat.BROUILLON,
        Formation.created_at < limit)).scalars().all()
    for draft in drafts:
        record(db_session, draft.draft_of, "Suppression automatique du brouillon non soumis",
               comment=f"Brouillon ouvert le {draft.created_at:%d/%m/%Y} et non soumis en {DRAFT_LIFETIME_DAYS} jours.")
        db_session.delete(draft)
    db_session.commit()
    return len(drafts)


def archive_ended(db_session, today: date | None = None) -> tuple[int, int]:
    """Sessions ended: marked *terminée* once past their end date, *archivée* 30 days after it
    (drafts' copies aside). Returns (terminated, archived)."""
    today = today or date.today()
    sessions = db_session.execute(select(Session).where(
        Session.in_draft.is_(False), Session.fin.isnot(None), Session.fin < today,
        Session.etat.notin_((SessionEtat.ARCHIVEE,)))).scalars().all()
    terminated = archived = 0
    for session in sessions:
        if session.fin < today - timedelta(days=ARCHIVE_AFTER_DAYS):
            session.etat = SessionEtat.ARCHIVEE
            record(db_session, session, "Archivage automatique",
                   comment=f"Session terminée le {session.fin:%d/%m/%Y}, archivée après {ARCHIVE_AFTER_DAYS} jours.")
            archived += 1
        elif session.etat in (SessionEtat.DIFFUSEE, SessionEtat.EN_ATTENTE):
            session.etat = SessionEtat.TERMINEE
            record(db_session, session, "Session terminée")
            terminated += 1
    db_session.commit()
    return terminated, archived
