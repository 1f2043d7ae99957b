"""G1 states the portal keeps true by itself: a published formation whose sessions have all ended
becomes *non diffusée* (nightly, with `archive-ended`), and is *diffusée* again when a new session
of it is validated. Each automatic change writes a history entry saying why, in French.

The nightly part is a set operation: whatever the region's size, each chunk of formations costs
one read of their ids, one UPDATE … WHERE id IN (…) and one INSERT … SELECT of the history rows —
no formation or session is loaded.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, insert, literal, not_, or_, select, update

from app.models import Formation, HistoryEntry, Session
from app.models.base import utcnow
from app.models.workflow import FormationEtat, SessionEtat

from .history import record

CHUNK = 500  # formations per statement: far below every driver's parameter limit
WITHDRAWN = "Non diffusée : sessions terminées"
WITHDRAWN_COMMENT = ("Toutes les sessions de la formation sont terminées : elle n'est plus diffusée ni envoyée aux "
                     "partenaires. Elle sera de nouveau diffusée à la validation d'une nouvelle session.")
BACK_ON_AIR = "Diffusée de nouveau : nouvelle session validée"
VALIDATED = "Validation"  # the history action of the formation workflow's *Valider* (transitions.py)


def running_clause(today: date):
    """SQL condition on Session: a session of the published formation (not a draft's copy) that is
    running or to come — not finished, not archived, its end today or later (or not given)."""
    return and_(Session.in_draft.is_(False), Session.etat.notin_((SessionEtat.TERMINEE, SessionEtat.ARCHIVEE)),
                or_(Session.fin.is_(None), Session.fin >= today))


def ended_clause(today: date):
    """SQL condition on Formation: published, with sessions, all of them ended (or archived)."""
    own = and_(Session.formation_id == Formation.id, Session.in_draft.is_(False))
    return and_(Formation.etat == FormationEtat.DIFFUSEE, Formation.draft_of_id.is_(None),
                exists().where(own), not_(exists().where(own, running_clause(today))))


def withdraw_ended(db_session, today: date | None = None, chunk_size: int = CHUNK) -> int:
    """Nightly (G1): published formations whose sessions have all ended become *non diffusée*,
    each with a history entry saying why; returns how many. Committed chunk by chunk."""
    today = today or date.today()
    withdrawn, last = 0, 0
    while True:
        ids = db_session.execute(select(Formation.id).where(ended_clause(today), Formation.id > last)
                                 .order_by(Formation.id).limit(chunk_size)).scalars().all()
        if not ids:
            return withdrawn
        last = ids[-1]
        withdrawn += db_session.execute(update(Formation).where(
            Formation.id.in_(ids), Formation.etat == FormationEtat.DIFFUSEE)
            .values(etat=FormationEtat.NON_DIFFUSEE, version=Formation.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        db_session.execute(insert(HistoryEntry).from_select(
            ["entity", "entity_id", "at", "action", "comment", "author_id"],
            select(literal("formation"), Formation.id, literal(utcnow()), literal(WITHDRAWN),
                   literal(WITHDRAWN_COMMENT), literal(None)).where(Formation.id.in_(ids))))
        db_session.commit()


def was_withdrawn(db_session, formation: Formation) -> bool:
    """True when the formation's last state change of G1 is the nightly withdrawal: no validation
    was recorded after it (the one being fired, already written, aside)."""
    actions = db_session.execute(select(HistoryEntry.action).where(
        HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation.id,
        HistoryEntry.action.in_((WITHDRAWN, VALIDATED))).order_by(HistoryEntry.id.desc()).limit(2)).scalars().all()
    return len(actions) == 2 and actions[0] == VALIDATED and actions[1] == WITHDRAWN


def back_on_air(db_session, formation: Formation, user, today: date | None = None, **_) -> None:
    """After *Valider* (G1): a formation withdrawn for its ended sessions is diffused again; its
    history says which new session brought it back."""
    today = today or date.today()
    if formation.etat != FormationEtat.DIFFUSEE or not was_withdrawn(db_session, formation):
        return
    new = [s for s in formation.sessions if s.etat == SessionEtat.DIFFUSEE and not s.in_draft
           and (s.fin is None or s.fin >= today)]
    if not new:
        return
    sessions = ", ".join(f"{s.reference}" + (f" (du {s.debut:%d/%m/%Y} au {s.fin:%d/%m/%Y})" if s.debut and s.fin else "")
                         for s in sorted(new, key=lambda s: (s.debut or date.max, s.id)))
    record(db_session, formation, BACK_ON_AIR, user,
           f"Nouvelle session validée : {sessions}. La formation, non diffusée depuis la fin de ses sessions, "
           "est de nouveau diffusée.")
