"""LHEO 2.3 export of the formations search (SPEC J1): the sessions a user found (or checked), in
his scope, written by the partners' streaming exporter (app/lheo/) — so only validated offer goes
out, as in every flow (J3): a session still in draft or waiting for validation is left out and
counted in the gap report."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.lheo.export import write_offer
from app.lheo.load import published_formations
from app.lheo.report import GapReport
from app.models import Session
from app.search.criteria import Criteria
from app.search.text import ensure_sqlite_function

from . import selection

LHEO_MIME = "application/xml"


def write_lheo(target, criteria: Criteria, user, *, selected: tuple[int, ...] | None = None, within=None,
               **_) -> tuple[int, GapReport]:
    """Write the LHEO document of the search's validated sessions to `target` (a path or a binary
    file); returns (formations written, the gap report). Nothing is written when no formation
    qualifies: LHEO requires one at least, the caller says so."""
    ensure_sqlite_function(db.session)
    ids = selection.scoped_sessions(select(Session.id), criteria, user, selected, within)
    report = GapReport(kind="recherche")
    chunks = published_formations(db.session, session_filter=ids)
    if isinstance(target, (str, Path)):
        with open(target, "wb") as stream:
            written = write_offer(stream, chunks, report)
    else:
        written = write_offer(target, chunks, report)
    report.finish()
    return written, report
