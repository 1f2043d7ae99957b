"""Excel export of the formations search (SPEC J1, J2).

RequestExcelExport: up to EXCEL_DIRECT_MAX_ROWS sessions the file is written at once and answered
as a download; beyond, a notification *en cours* is written and the job queued (app/jobs/), unless
the caller asked first (`queue=False`: the page confirms before queueing).
RunExcelExport: the job — writes the file for the user who asked, with his scope, reporting
progress on the notification, which then offers the file (kept NOTIFICATION_DAYS days).
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select, update

from app.exports import files, selection
from app.exports.excel import local_now, write_sessions
from app.extensions import db
from app.models import Notification, NotificationEtat, Session, Structure
from app.models.base import utcnow
from app.search.criteria import parse
from app.security.permissions import ACTION_READ, RESOURCE_FORMATION
from app.security.scope import espace_clause

from ._access import require_permission
from .exceptions import CommandError, refused

log = logging.getLogger(__name__)

RUNNING_LIMIT = timedelta(hours=1)  # an export still *en cours* after this is taken as dead


def file_name(day: datetime, suffix: str = ".xlsx") -> str:
    return f"Export formations {day:%Y-%m-%d}{suffix}"


@dataclass(frozen=True)
class Format:
    """An export of the search: how it is written and named, and its job on the queue."""

    label: str  # French, in messages and notifications
    suffix: str
    task: str  # app/jobs/tasks.py


EXCEL = Format("Excel", ".xlsx", "export_excel")
LHEO = Format("LHEO", ".xml", "export_lheo")
NOTHING_VALIDATED = ("Aucune session validée dans cette recherche ou cette sélection : l'export LHEO ne contient que "
                     "l'offre validée et diffusée (les brouillons et les sessions en attente n'en font pas partie).")


def _write(fmt: Format, target, criteria, user, **options) -> int:
    """Write the export to `target`; the number of sessions (Excel) or formations (LHEO) written.
    An LHEO export with nothing validated is refused: the schema requires one formation."""
    if fmt is EXCEL:
        return write_sessions(target, criteria, user, **options)
    from app.exports.lheo import write_lheo

    written, _report = write_lheo(target, criteria, user, **options)
    if not written:
        raise refused(NOTHING_VALIDATED)
    return written


def _within(espace_id: int | None):
    """The espace structure narrows the export as it narrows the search (A4); the scope applies anyway."""
    espace = db.session.get(Structure, espace_id) if espace_id else None
    return (espace_clause(Session, espace), espace.enseigne or espace.raison_sociale) if espace else (None, None)


@dataclass
class ExcelExport:
    total: int  # sessions matched
    content: io.BytesIO | None = None  # written at once
    file_name: str | None = None
    notification: Notification | None = None  # queued: where the file will land


class RequestExcelExport:
    format = EXCEL

    def __init__(self, args, user, *, selected: tuple[int, ...] | None = None, espace_id: int | None = None,
                 queue: bool = True):
        self.criteria = parse(args)
        self.user, self.selected, self.espace_id, self.queue = user, selected, espace_id, queue

    def validate(self) -> None:
        require_permission(self.user, ACTION_READ, RESOURCE_FORMATION)
        if self.selected is not None and len(self.selected) > selection.MAX_SELECTED:
            raise refused(f"Sélection trop grande : {selection.MAX_SELECTED} sessions cochées au plus ; "
                          "sans sélection, toute la recherche est exportée.")

    def run(self) -> ExcelExport:
        self.validate()
        within, espace_name = _within(self.espace_id)
        total = selection.count(self.criteria, self.user, self.selected, within)
        if total <= current_app.config["EXCEL_DIRECT_MAX_ROWS"]:
            content = io.BytesIO()
            _write(self.format, content, self.criteria, self.user, selected=self.selected, within=within,
                   espace_name=espace_name, total=total)
            content.seek(0)
            return ExcelExport(total, content=content, file_name=file_name(local_now(), self.format.suffix))
        if not self.queue:
            return ExcelExport(total)
        return ExcelExport(total, notification=self._queue(total))

    def _queue(self, total: int) -> Notification:
        now = utcnow()
        running = db.session.execute(select(exists().where(
            Notification.user_id == self.user.id, Notification.etat == NotificationEtat.EN_COURS,
            Notification.created_at > now - RUNNING_LIMIT))).scalar()
        if running:
            raise refused("Un export est déjà en préparation : attendez qu'il arrive dans vos notifications.")
        notification = Notification(user_id=self.user.id, title=f"Export {self.format.label} en préparation",
                                    text=f"{total} sessions : le fichier arrivera ici dès qu'il sera prêt.",
                                    etat=NotificationEtat.EN_COURS, progress=0, created_at=now)
        db.session.add(notification)
        db.session.commit()
        from app.jobs import enqueue

        try:
            args = {name: str(value) for name, value in self.criteria.url_args().items()}  # as a request sends them
            enqueue(self.format.task, notification.id, self.user.id, args, self.selected, self.espace_id)
        except Exception:
            log.exception("export job not queued")
            db.session.delete(notification)
            db.session.commit()
            raise refused("La file des tâches ne répond pas : l'export n'a pas été lancé, réessayez plus tard.")
        return notification


class RequestLheoExport(RequestExcelExport):
    """J1: the search's validated sessions as LHEO 2.3 (the partners' exporter, app/lheo/)."""

    format = LHEO


class RunExcelExport:
    """The job: runs with the id of the user who asked, never with the worker's rights."""

    format = EXCEL

    def __init__(self, notification_id: int, user_id: int, args: dict, selected: tuple[int, ...] | None = None,
                 espace_id: int | None = None):
        self.notification_id, self.user_id, self.args = notification_id, user_id, args
        self.selected, self.espace_id = selected, espace_id

    def run(self) -> int | None:
        notification = db.session.get(Notification, self.notification_id)
        user = db.session.get(current_app.appbuilder.sm.user_model, self.user_id)
        if notification is None or user is None or notification.user_id != user.id:
            log.warning("export %s dropped: its notification or its user is gone", self.notification_id)
            return None
        if not user.active:
            return self._fail(notification, "Votre compte est désactivé : l'export n'a pas été produit.")
        name = files.new_name(self.format.suffix)
        partial = files.files_dir() / (name + files.PARTIAL)
        try:
            within, espace_name = _within(self.espace_id)
            written = _write(self.format, partial, parse(self.args), user, selected=self.selected, within=within,
                             espace_name=espace_name, progress=self._progress)
            partial.rename(files.files_dir() / name)
        except CommandError as refusal:
            partial.unlink(missing_ok=True)
            return self._fail(notification, str(refusal))
        except Exception:
            partial.unlink(missing_ok=True)
            self._fail(notification, "L'export n'a pas pu être produit ; réessayez, ou signalez-le au Carif-Oref.")
            raise
        now = utcnow()
        notification.title = file_name(local_now(), self.format.suffix)
        unit = "session" if self.format is EXCEL else "formation"
        notification.text = (f"{written} {unit}{'s' if written > 1 else ''} : fichier à télécharger pendant "
                             f"{current_app.config['NOTIFICATION_DAYS']} jours.")
        notification.file_path, notification.file_name = name, notification.title
        notification.file_size = (files.files_dir() / name).stat().st_size
        notification.etat, notification.progress = NotificationEtat.PRETE, 100
        notification.created_at, notification.read_at = now, None  # it arrives now, unread
        db.session.commit()
        return written

    def _progress(self, done: int, total: int) -> None:
        db.session.execute(update(Notification).where(Notification.id == self.notification_id)
                           .values(progress=min(99, done * 100 // max(total, 1)))
                           .execution_options(synchronize_session=False))
        db.session.commit()

    def _fail(self, notification: Notification, text: str) -> None:
        db.session.rollback()
        notification.title, notification.text = f"Échec de l'export {self.format.label}", text
        notification.etat, notification.progress, notification.read_at = NotificationEtat.ECHEC, None, None
        db.session.commit()


class RunLheoExport(RunExcelExport):
    format = LHEO
