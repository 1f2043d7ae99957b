"""A user's notifications (the bell, SPEC J2): marking them read, the nightly purge after
NOTIFICATION_DAYS days (with their files). Rows are their owner's alone (scope.OWNED)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, select, update

from app.exports import files
from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from app.security.permissions import ACTION_EDIT, RESOURCE_NOTIFICATION
from app.security.scope import scoped

from ._access import require_permission


def lifetime() -> timedelta:
    return timedelta(days=current_app.config["NOTIFICATION_DAYS"])


def live(now: datetime | None = None):
    """SQL condition: the notifications still kept (younger than NOTIFICATION_DAYS days)."""
    return Notification.created_at >= (now or utcnow()) - lifetime()


class MarkNotificationsRead:
    """Marks the user's unread notifications read: those of `ids`, or all of them."""

    def __init__(self, user, ids=None, *, now: datetime | None = None):
        self.user, self.ids, self.now = user, ids, now

    def validate(self) -> None:
        require_permission(self.user, ACTION_EDIT, RESOURCE_NOTIFICATION)

    def run(self) -> int:
        self.validate()
        statement = update(Notification).where(Notification.read_at.is_(None))
        if self.ids is not None:
            statement = statement.where(Notification.id.in_(list(self.ids)))
        statement = scoped(statement, Notification, write=True, user=self.user)
        changed = db.session.execute(statement.values(read_at=self.now or utcnow())
                                     .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        return changed


class PurgeNotifications:
    """Nightly: notifications older than NOTIFICATION_DAYS days go with their files, and so do
    files no notification holds any more (a job that died) once as old."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now or utcnow()

    def run(self) -> tuple[int, int]:
        expired = Notification.created_at < self.now - lifetime()
        names = db.session.execute(select(Notification.file_path).where(expired, Notification.file_path.isnot(None)))
        for name in names.scalars().all():
            files.remove(name)
        removed = db.session.execute(delete(Notification).where(expired)
                                     .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        kept = set(db.session.execute(select(Notification.file_path).where(Notification.file_path.isnot(None)))
                   .scalars())
        limit = (self.now - lifetime()).replace(tzinfo=timezone.utc).timestamp()
        orphans = files.remove_older_than(limit, keep=kept)
        return removed, orphans
