"""The bell (navbar) and *Mes notifications* (SPEC J2): a user's messages and the files of his
background exports, downloadable by him alone (another user gets 404), kept 7 days."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, has_request_context, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import func, select

from app.commands.notifications import MarkNotificationsRead, live
from app.exports import files
from app.extensions import db
from app.models import Notification, NotificationEtat
from app.models.base import utcnow
from app.security.permissions import ACTION_EDIT, ACTION_READ, RESOURCE_NOTIFICATION
from app.security.scope import current_user, scoped

PAGE_LIMIT = 100  # notifications listed (7 days of them)


def when(at: datetime, now: datetime | None = None) -> str:
    """'il y a 3 minutes', or the day and time in the portal's time zone (timestamps are UTC)."""
    seconds = ((now or utcnow()) - at).total_seconds()
    if seconds < 60:
        return "à l'instant"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"il y a {minutes} minute{'s' if minutes > 1 else ''}"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"il y a {hours} heure{'s' if hours > 1 else ''}"
    local = at.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return f"le {local:%d/%m/%Y à %H:%M}"


def unread_notifications() -> int:
    """The bell's count (a Jinja global): one query per page, none for anonymous visitors."""
    user = current_user() if has_request_context() else None
    if user is None:
        return 0
    if "_unread_notifications" not in g:
        statement = select(func.count(Notification.id)).where(Notification.read_at.is_(None), live())
        g._unread_notifications = db.session.execute(scoped(statement, Notification, write=False)).scalar() or 0
    return g._unread_notifications


def _own(pk: int) -> Notification:
    """The user's live notification `pk`, else 404 (another user's included: never say which)."""
    notification = db.session.execute(scoped(select(Notification).where(Notification.id == pk, live()),
                                             Notification, write=False)).scalar()
    if notification is None:
        abort(404)
    return notification


class NotificationView(BaseView):
    route_base = "/notifications"
    default_view = "list"
    class_permission_name = RESOURCE_NOTIFICATION

    @expose("/")
    @has_access
    @permission_name(ACTION_READ)
    def list(self):
        rows = db.session.execute(scoped(select(Notification).where(live())
                                         .order_by(Notification.created_at.desc(), Notification.id.desc())
                                         .limit(PAGE_LIMIT), Notification, write=False)).scalars().all()
        return self.render_template("portal/notifications.html", rows=rows, etats=NotificationEtat, when=when,
                                    running=any(n.running for n in rows))

    @expose("/<int:pk>/fichier")
    @has_access
    @permission_name(ACTION_READ)
    def download(self, pk):
        notification = _own(pk)
        path = files.path_of(notification.file_path)
        if path is None:
            abort(404)
        # The type follows the offered name (.xlsx, .xml…).
        return send_file(path, as_attachment=True, download_name=notification.file_name, max_age=0)

    @expose("/<int:pk>/etat")
    @has_access
    @permission_name(ACTION_READ)
    def progress(self, pk):
        """A running export's progress, for the page to refresh it without reloading."""
        notification = _own(pk)
        return jsonify(etat=notification.etat, progress=notification.progress, titre=notification.title)

    @expose("/lues", methods=["POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def mark_read(self):
        ids = [int(v) for v in request.form.getlist("id") if v.isdecimal() and len(v) < 10]
        MarkNotificationsRead(current_user(), None if request.form.get("tout") else ids).run()
        flash("Notifications marquées comme lues.", "info")
        return redirect(url_for(f"{self.__class__.__name__}.list"))
