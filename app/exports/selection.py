"""Which sessions an export reads (SPEC J1): the formations search's criteria (app/search), the
rows the user checked if any, always within the user's scope — the user is explicit, so a job
applies the scope of the user who asked, not of whoever runs it.

The ids come out in the search's order, in chunks: an exporter reads each chunk's columns with
its own select (Excel here; the LHEO export of a selection can do the same). The ordered ids are
read in one statement (integers only: 60,000 sessions make about 2 MB) so that the search's sort
costs once and no cursor stays open across the caller's commits.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Formation, Session
from app.search.criteria import Criteria
from app.search.formations import base_select, sort_key
from app.search.text import ensure_sqlite_function

CHUNK = 1000  # sessions per chunk: one IN list of bound parameters per column select
MAX_SELECTED = 5000  # checked rows an export request may carry
MAX_ID = 2**31 - 1


def selected_ids(values: Iterable[str]) -> tuple[int, ...] | None:
    """The `rowid` values of a request as ids; None when none was sent (everything is exported).
    Values that are not ids are dropped: what remains is still intersected with the scope."""
    values = list(values)
    if not values:
        return None
    ids = {int(v) for v in values if str(v).isdecimal() and int(v) <= MAX_ID}
    return tuple(sorted(ids))


def scoped_sessions(statement, criteria: Criteria, user, selected: tuple[int, ...] | None = None, within=None):
    """`statement` over the search's rows (app.search.formations.base_select), narrowed to `within`
    (the espace structure) and to the selection, in `user`'s read scope."""
    narrowing = [clause for clause in (within, None if selected is None else Session.id.in_(selected))
                 if clause is not None]
    return base_select(statement, criteria, within=and_(*narrowing) if narrowing else None, user=user)


def count(criteria: Criteria, user, selected: tuple[int, ...] | None = None, within=None) -> int:
    ensure_sqlite_function(db.session)
    return db.session.execute(scoped_sessions(select(func.count(Session.id)), criteria, user, selected,
                                              within)).scalar() or 0


def session_ids(criteria: Criteria, user, selected: tuple[int, ...] | None = None, within=None,
                size: int = CHUNK, total: int | None = None) -> Iterator[list[int]]:
    """The ids of the sessions to export, in the search's order (its sort column and direction,
    then formation reference, start date, id), `size` at a time."""
    if selected is not None and not selected:
        return
    ensure_sqlite_function(db.session)
    if total is None:
        total = count(criteria, user, selected, within)
    key, join = sort_key(criteria.tri, total)
    direction = (lambda e: e.desc()) if criteria.ordre == "desc" else (lambda e: e.asc())
    statement = scoped_sessions(select(Session.id), criteria, user, selected, within)
    if join is not None:
        statement = statement.outerjoin(*join)
    statement = statement.order_by(direction(key), Formation.reference, Session.debut, Session.id)
    ids = db.session.execute(statement).scalars().all()
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
