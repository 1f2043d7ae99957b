"""No lost update (issue 16): the version a user loaded against the stored one.

Every editable record carries a version (app/models/base.py VersionMixin). A form carries the
version it was filled from, the API its ETag; SaveRecord calls `check` before writing, and
SQLAlchemy refuses an UPDATE whose version changed between the read and the write
(StaleDataError, turned into the same refusal by `stale`). The refusal says by whom and when,
when the history knows (transitions, bulk actions and imports write it; a plain save does not).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_datetime
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import (
    Formation,
    FormationCertification,
    HistoryEntry,
    Session,
    Structure,
)
from app.models.base import VersionMixin, loaded_version

from .exceptions import Stale

# A history entry written by the same transaction as the row's last write is this close to it.
SAME_WRITE = timedelta(seconds=5)


def check(item, seen: int | None, *, since: datetime | None = None) -> None:
    """Stale unless `seen`, the version the user loaded (None: not given, nothing to compare), is
    the stored one."""
    if seen is None or not isinstance(item, VersionMixin) or item.id is None:
        return
    if seen != loaded_version(item):
        raise stale(item, since)


def parse(value) -> int | None:
    """A posted version: a positive integer, else None (not given). A tampered value compares
    unequal, which refuses the save rather than letting it through."""
    text = str(value or "").strip()
    if not text:
        return None
    return int(text) if text.isdecimal() and int(text) < 2**31 else 0


def stale(item, since: datetime | None = None) -> Stale:
    """The refusal of a save of `item` that another change overtook, in French."""
    who, when, what = last_change(item, since)
    by = f" par {who}" if who else ""
    at = " le " + format_datetime(when, "dd/MM/yyyy 'à' HH:mm") if when else ""
    about = f" ({what})" if what else ""
    return Stale(f"Cette fiche a été modifiée entre-temps{by}{at}{about} : vos modifications n'ont pas été "
                 "enregistrées.")


def last_change(item, since: datetime | None) -> tuple[str | None, datetime | None, str | None]:
    """(who, when, action) of the latest change of `item` the history knows after `since` (when
    the user loaded it; unknown: its last write, `updated_at`); (None, updated_at or None, None)
    when it knows none."""
    updated = getattr(item, "updated_at", None)
    since = since or (updated - SAME_WRITE if updated else None)
    subjects = [(entity, pk) for entity, pk in history_subjects(item) if pk is not None]
    if since is None or not subjects:
        return None, updated, None
    entry = db.session.execute(select(HistoryEntry).where(
        or_(*(and_(HistoryEntry.entity == entity, HistoryEntry.entity_id == pk) for entity, pk in subjects)),
        HistoryEntry.at >= since).order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc()).limit(1)).scalar()
    if entry is None:
        return None, updated, None
    return (str(entry.author) if entry.author is not None else None), entry.at, entry.action


def history_subjects(item) -> list[tuple[str, int | None]]:
    """The history rows that may tell about a change of `item`: its own, its owners'."""
    if isinstance(item, Structure):
        return [("structure", item.id)]
    if isinstance(item, Formation):
        return [("formation", item.id), ("formation", item.draft_of_id)]
    if isinstance(item, FormationCertification):
        return [("formation", item.formation_id)]
    if isinstance(item, Session):
        return [("session", item.id), ("formation", item.formation_id)]
    if getattr(item, "session_id", None) is not None:
        return [("session", item.session_id)]
    return [("structure", getattr(item, "structure_id", None))]
