"""Scheduled clean-up (SPEC G3, F15): `flask workflow purge-drafts` and
`flask workflow archive-ended`, meant to run nightly."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, delete, exists, func, insert, literal, or_, select, update

from app.models import Formation, FormToken, HistoryEntry, Session
from app.models.base import utcnow
from app.models.workflow import FormationEtat, SessionEtat

from .history import record
from .transitions import TRANSITIONS

DRAFT_LIFETIME_DAYS = 14  # G3: drafts and formations in creation not submitted within 14 days are purged
ARCHIVE_AFTER_DAYS = 30  # F15: sessions are archived 30 days after their end


def _purgeable():
    """SQL condition of G3: a draft (*Demande de modification*) still in *brouillon*, or a formation
    *en cours de création*, never submitted. Submitted once then taken back (*Annuler ma demande
    de vérification*) is kept: the date or the history says so. Imported formations are kept: their
    organisation cannot submit them (G7)."""
    submitted_in_history = exists().where(
        HistoryEntry.entity == "formation", HistoryEntry.entity_id == Formation.id,
        HistoryEntry.action == TRANSITIONS["submit"].action)
    return and_(
        Formation.submitted_at.is_(None),
        or_(and_(Formation.draft_of_id.isnot(None), Formation.etat == FormationEtat.BROUILLON),
            and_(Formation.draft_of_id.is_(None), Formation.etat == FormationEtat.EN_CREATION,
                 Formation.importee.is_(False), ~submitted_in_history)))


def purge_date(db_session, formation: Formation) -> datetime | None:
    """When the nightly purge drops `formation` if it is still not submitted; None if it never will."""
    if formation.id is None or formation.created_at is None:
        return None
    purgeable = db_session.execute(select(exists().where(Formation.id == formation.id, _purgeable()))).scalar()
    return formation.created_at + timedelta(days=DRAFT_LIFETIME_DAYS) if purgeable else None


def purge_notice(db_session, formation: Formation) -> str:
    """The warning shown on the page of a formation the purge will drop (G3: the contact is told)."""
    purge_on = purge_date(db_session, formation)
    if purge_on is None:
        return ""
    if formation.draft_of_id is not None:
        return (f"Ce brouillon sera supprimé automatiquement le {purge_on:%d/%m/%Y} s'il n'est pas soumis "
                "pour validation (la version diffusée n'est pas touchée).")
    return (f"Cette formation en cours de création sera supprimée automatiquement, avec ses sessions, le "
            f"{purge_on:%d/%m/%Y} si elle n'est pas soumise pour validation.")


def purge_drafts(db_session, now: datetime | None = None) -> int:
    """Drop what was saved more than 14 days ago and never submitted (G3): drafts of published
    formations (the published formations are untouched) and formations in creation, with their
    sessions and every child row; and the form tokens of yesterday. Returns how many formations
    were dropped."""
    now = now or utcnow()
    limit = now - timedelta(days=DRAFT_LIFETIME_DAYS)
    formations = db_session.execute(select(Formation).where(Formation.created_at < limit, _purgeable())
                                    .order_by(Formation.id)).scalars().all()
    for formation in formations:
        if formation.draft_of_id is not None:
            record(db_session, formation.draft_of, "Suppression automatique du brouillon non soumis",
                   comment=f"Brouillon ouvert le {formation.created_at:%d/%m/%Y} et non soumis en "
                           f"{DRAFT_LIFETIME_DAYS} jours.")
        elif formation.structure is not None:  # the formation goes: its trace stays on its structure
            record(db_session, formation.structure, "Suppression automatique d'une formation non soumise",
                   comment=f"Formation {formation.reference} « {formation.intitule} », en cours de création depuis "
                           f"le {formation.created_at:%d/%m/%Y} et non soumise en {DRAFT_LIFETIME_DAYS} jours.")
        _forget_history(db_session, formation)
        db_session.delete(formation)  # sessions and child rows go with it (ORM cascades)
    # The one-time tokens of the creating forms (app/commands/once.py) serve a few seconds.
    db_session.execute(delete(FormToken).where(FormToken.used_at < now - timedelta(days=1)))
    db_session.commit()
    return len(formations)


def _forget_history(db_session, formation: Formation) -> None:
    """History rows of a deleted formation and its sessions would point at ids a new row may reuse."""
    rows = [and_(HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation.id)]
    session_ids = [session.id for session in formation.sessions]
    if session_ids:
        rows.append(and_(HistoryEntry.entity == "session", HistoryEntry.entity_id.in_(session_ids)))
    db_session.execute(delete(HistoryEntry).where(or_(*rows)).execution_options(synchronize_session=False))


def _french_day(db_session, column):
    """dd/mm/yyyy of a date column, computed by the database (history written by INSERT … SELECT)."""
    if db_session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "DD/MM/YYYY")
    return func.strftime("%d/%m/%Y", column)


def _set_sessions_state(db_session, condition, etat: str, action: str, comment, chunk_size: int) -> int:
    """Sessions matching `condition` take `etat`, each with a history row, chunk by chunk: one read
    of ids, one INSERT … SELECT of the history and one UPDATE per chunk, whatever the rows."""
    changed, last = 0, 0
    while True:
        ids = db_session.execute(select(Session.id).where(condition, Session.id > last)
                                 .order_by(Session.id).limit(chunk_size)).scalars().all()
        if not ids:
            return changed
        last = ids[-1]
        db_session.execute(insert(HistoryEntry).from_select(
            ["entity", "entity_id", "at", "action", "comment", "author_id"],
            select(literal("session"), Session.id, literal(utcnow()), literal(action), comment, literal(None))
            .where(Session.id.in_(ids))))
        # The version rises (issue 16): a form loaded before cannot put the old state's values back.
        changed += db_session.execute(update(Session).where(Session.id.in_(ids))
                                      .values(etat=etat, version=Session.version + 1, updated_at=utcnow())
                                      .execution_options(synchronize_session=False)).rowcount
        db_session.commit()


def archive_ended(db_session, today: date | None = None, chunk_size: int = 500) -> tuple[int, int]:
    """Sessions ended: marked *terminée* once past their end date, *archivée* 30 days after it
    (drafts' copies aside). Set operations by chunks (bounded memory at regional scale): no
    session is loaded. Returns (terminated, archived)."""
    today = today or date.today()
    limit = today - timedelta(days=ARCHIVE_AFTER_DAYS)
    ended = and_(Session.in_draft.is_(False), Session.fin.isnot(None), Session.fin < today,
                 Session.etat != SessionEtat.ARCHIVEE)
    comment = (literal("Session terminée le ", String).concat(_french_day(db_session, Session.fin))
               .concat(literal(f", archivée après {ARCHIVE_AFTER_DAYS} jours.", String)))
    archived = _set_sessions_state(db_session, and_(ended, Session.fin < limit), SessionEtat.ARCHIVEE,
                                   "Archivage automatique", comment, chunk_size)
    terminated = _set_sessions_state(
        db_session, and_(ended, Session.fin >= limit, Session.etat.in_((SessionEtat.DIFFUSEE, SessionEtat.EN_ATTENTE))),
        SessionEtat.TERMINEE, "Session terminée", literal(None, String), chunk_size)
    db_session.expire_all()  # the rows changed behind the ORM's back
    return terminated, archived
