"""Bulk actions as set operations (SPEC K2, F16, F15, F14): any number of sessions costs a few
statements per chunk of ids, the rules decide row by row, and a selection reaching outside the
user's write scope changes nothing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.commands.bulk import ArchiveSessions, CloseRecrutement
from app.commands.exceptions import NotFound
from app.extensions import db
from app.models import Financement, HistoryEntry, Session, SessionEtat
from app.workflow.bulk import CHUNK, HISTORY_ARCHIVED, HISTORY_CLOSED
from app.workflow.locks import SESSION_FINISHED
from tests.helpers import formation_like


def _user(app, name):
    return app.appbuilder.sm.find_user(username=name)


def _copies(count: int, **fields) -> list[int]:
    """`count` sessions like a demo one (with a financement each); returns their ids."""
    model = next(s for s in formation_like("Bureautique%").sessions if s.financements)
    financement = model.financements[0]
    fields = {"debut": date.today() + timedelta(days=10), "fin": date.today() + timedelta(days=100), **fields}
    sessions = [Session(formation=model.formation, etat=SessionEtat.DIFFUSEE,
                        financements=[Financement(financeur=financement.financeur, mesure=financement.mesure,
                                                  nb_places=5)], **fields) for _ in range(count)]
    db.session.add_all(sessions)
    db.session.commit()
    return [s.id for s in sessions]


def _history(ids, action) -> int:
    return db.session.execute(select(func.count()).select_from(HistoryEntry).where(
        HistoryEntry.entity == "session", HistoryEntry.entity_id.in_(ids), HistoryEntry.action == action)).scalar()


def test_r_k2_bulk_archive_costs_the_same_statements_for_5_and_400_sessions(app, count_queries, reset_demo):
    manager = _user(app, "gestionnaire")
    few, many = _copies(5), _copies(CHUNK - 100)
    counts = []
    for ids in (few, many):
        with count_queries() as executed:
            result = ArchiveSessions(ids, manager).run()
        counts.append(executed())
        assert result.changed == len(ids) and not result.refused
    assert counts[0] == counts[1] <= 8, counts
    db.session.expire_all()
    assert set(db.session.execute(select(Session.etat).where(Session.id.in_(few + many))).scalars()) == {
        SessionEtat.ARCHIVEE}
    assert _history(few + many, HISTORY_ARCHIVED) == len(few + many)
    # Archived again: nothing changes, nothing is written twice.
    again = ArchiveSessions(few, manager).run()
    assert (again.changed, again.unchanged) == (0, len(few)) and _history(few, HISTORY_ARCHIVED) == len(few)


def test_r_k2_bulk_archive_goes_chunk_by_chunk(app, count_queries, reset_demo):
    """Beyond one chunk, statements grow by chunk, not by row."""
    manager = _user(app, "gestionnaire")
    one, two = _copies(CHUNK), _copies(CHUNK + 1)
    with count_queries() as first:
        ArchiveSessions(one, manager).run()
    with count_queries() as second:
        ArchiveSessions(two, manager).run()
    assert second() == first() + 3  # one more chunk: its read, its UPDATE, its history INSERT


def test_r_f14_bulk_close_recrutement_leaves_finished_sessions_and_says_why(app, reset_demo):
    manager = _user(app, "gestionnaire")
    past = date.today() - timedelta(days=3)
    running, finished = _copies(3), _copies(2, debut=past - timedelta(days=30), fin=past)
    result = CloseRecrutement(running + finished, manager).run()
    assert result.changed == 3 and len(result.refused) == 2
    assert all(reason.endswith(SESSION_FINISHED) for reason in result.refused)
    db.session.expire_all()
    states = {i: {f.etat_recrutement.code if f.etat_recrutement else None for f in db.session.get(Session, i).financements}
              for i in running + finished}
    assert {i: states[i] for i in running} == {i: {"2"} for i in running}
    assert all(states[i] != {"2"} for i in finished)
    assert _history(running, HISTORY_CLOSED) == 3 and _history(finished, HISTORY_CLOSED) == 0


def test_r_a3_an_unknown_id_in_the_selection_changes_nothing(app, reset_demo):
    """One id the user may not change (or that does not exist) and the whole action is refused:
    the chunks already written are rolled back."""
    ids = _copies(CHUNK + 5)
    unknown = db.session.execute(select(func.max(Session.id))).scalar() + 1000
    with pytest.raises(NotFound):
        ArchiveSessions(ids + [unknown], _user(app, "gestionnaire")).run()
    _assert_untouched(ids)


def test_r_a3_a_foreign_session_in_a_contacts_selection_changes_nothing(app, reset_demo):
    """The set operation reads the ids through the user's write scope (contacts hold no bulk
    action today: the workflow function is called with a contact's scope directly)."""
    from app.security.scope import scoped
    from app.workflow import bulk

    contact = _user(app, "contact")
    writable = db.session.execute(scoped(select(Session.id), Session, write=True, user=contact)).scalars().all()
    mine = db.session.execute(select(Session.id).where(Session.id.in_(writable),
                                                       Session.etat != SessionEtat.ARCHIVEE)).scalars().all()
    foreign = db.session.execute(select(Session.id).where(Session.id.not_in(writable))).scalars().first()
    with pytest.raises(bulk.OutOfScope):
        bulk.archive_sessions(db.session, mine + [foreign],
                              lambda statement: scoped(statement, Session, write=True, user=contact))
    db.session.rollback()
    _assert_untouched(mine)


def _assert_untouched(ids) -> None:
    db.session.expire_all()
    assert SessionEtat.ARCHIVEE not in set(db.session.execute(select(Session.etat).where(Session.id.in_(ids))).scalars())
    assert _history(ids, HISTORY_ARCHIVED) == 0
