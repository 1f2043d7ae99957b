"""What runs on the job queue: the tasks the portal queues (TASKS) and the periodic ones (PERIODIC),
declared once here and registered on the queue by `register`. Each calls a command or a
workflow function; none holds business logic. Schedules are UTC (the queue's clock)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from huey import Huey, crontab

from app.extensions import db

from .queue import in_app_context

log = logging.getLogger(__name__)

PARTNERS = ("kairos", "parcoursup", "national")  # SPEC J3: France Travail, Parcoursup/Affelnet, national base


def export_excel(notification_id: int, user_id: int, args: dict, selected=None, espace_id=None):
    """J2: an Excel export too large for the page; the file lands in the user's notifications."""
    from app.commands.exports import RunExcelExport

    return RunExcelExport(notification_id, user_id, args, selected, espace_id).run()


def export_lheo(notification_id: int, user_id: int, args: dict, selected=None, espace_id=None):
    """J1, J2: the LHEO export of a large search, into the user's notifications."""
    from app.commands.exports import RunLheoExport

    return RunLheoExport(notification_id, user_id, args, selected, espace_id).run()


def message_email(message_id: int) -> list[str]:
    """H4: the e-mail of a new message of the messagerie to the other side."""
    from app.communication.mail import send_message_email

    return send_message_email(message_id)


def purge_drafts() -> int:
    """G3: drafts and formations in creation never submitted within 14 days."""
    from app.workflow.purge import purge_drafts as purge

    dropped = purge(db.session)
    log.info("purge_drafts: %s formation(s) dropped", dropped)
    return dropped


def archive_ended() -> tuple[int, int, int]:
    """F15: sessions past their end become terminée, archivée 30 days later; then G1: published
    formations whose sessions have all ended become non diffusées."""
    from app.workflow.diffusion import withdraw_ended
    from app.workflow.purge import archive_ended as archive

    terminated, archived = archive(db.session)
    withdrawn = withdraw_ended(db.session)
    log.info("archive_ended: %s terminated, %s archived, %s formation(s) non diffusée(s)", terminated, archived,
             withdrawn)
    return terminated, archived, withdrawn


def partner_flows() -> list[str]:
    """J3: the nightly LHEO flow of each partner into LHEO_FLOW_DIR (app/lheo/flows.py); one
    partner's failure does not deprive the others of their flow."""
    from app.lheo.flows import write_flow
    from app.region import RegionNotConfigured, require_for_flows

    try:
        require_for_flows()
    except RegionNotConfigured as error:
        log.error("partner_flows: %s", error)
        return []
    written = []
    for partner in PARTNERS:
        try:
            write_flow(partner)
            written.append(partner)
        except Exception:
            log.exception("partner_flows: the %s flow failed", partner)
            db.session.rollback()
    log.info("partner_flows: written for %s", ", ".join(written) or "no partner")
    return written


def import_lheo_inbox() -> int:
    """J4: the LHEO flows dropped into LHEO_IMPORT_INBOX (one folder per source), imported."""
    from flask import current_app

    from app.lheo.inbox import import_inbox

    runs = import_inbox(current_app.config["LHEO_IMPORT_INBOX"])
    log.info("import_lheo_inbox: %s import(s): %s", len(runs), ", ".join(f"{r.source} {r.etat}" for r in runs))
    return len(runs)


def purge_notifications() -> tuple[int, int]:
    """J2: notifications and their files are kept 7 days."""
    from app.commands.notifications import PurgeNotifications

    removed, orphans = PurgeNotifications().run()
    log.info("purge_notifications: %s notification(s), %s orphan file(s) removed", removed, orphans)
    return removed, orphans


def workflow_email(kind: str, *args) -> list[str]:
    """G6: a submission acknowledged, a published record's save confirmed (app/workflow/mails.py)."""
    from app.workflow.mails import send

    return send(kind, *args)


def validation_digest() -> list[str]:
    """G6: the Carif-Oref's daily digest of what waits in the validation queue."""
    from app.workflow.mails import digest

    return digest()


def check_links() -> tuple[int, int]:
    """H5: every website link of the structures and formations, checked (app/links/)."""
    from flask import current_app

    from app.links.run import check_links as run

    summary = run(db.session, current_app.config)
    return summary.checked, summary.broken


def load_qualiopi():
    """C6: the Qualiopi flags of every structure from the public list of training organisations
    the operator drops at QUALIOPI_LIST_PATH (skipped when unset or missing)."""
    from flask import current_app

    from app.refdata.qualiopi import QualiopiListRefused, load_qualiopi as load

    path = current_app.config.get("QUALIOPI_LIST_PATH")
    if not path:
        log.info("load_qualiopi: QUALIOPI_LIST_PATH is not set, skipped")
        return None
    try:
        report = load(db.session, path)
    except FileNotFoundError:
        log.error("load_qualiopi: no file at QUALIOPI_LIST_PATH (%s), skipped", path)
        return None
    except QualiopiListRefused as refused:
        db.session.rollback()
        log.error("load_qualiopi: %s refused: %s", path, refused)
        return None
    db.session.commit()
    log.info("load_qualiopi: %s\n%s", path, report.french())
    return report.matched, report.gained, report.lost


@dataclass(frozen=True)
class Periodic:
    name: str
    schedule: dict  # huey.crontab arguments, UTC
    func: Callable
    label: str  # French, for `flask jobs list`


# The nightly work, once: nothing else schedules it (no cron file).
PERIODIC = (
    Periodic("purge_drafts", dict(hour="1", minute="0"), purge_drafts,
             "Suppression des brouillons et formations en cours de création non soumis depuis 14 jours (G3)"),
    Periodic("archive_ended", dict(hour="1", minute="30"), archive_ended,
             "Sessions finies : terminées, puis archivées 30 jours après leur fin (F15) ; formations dont "
             "toutes les sessions sont finies : non diffusées (G1)"),
    Periodic("partner_flows", dict(hour="2", minute="0"), partner_flows,
             "Flux LHEO des partenaires : Kairos, Parcoursup, base nationale (J3)"),
    Periodic("purge_notifications", dict(hour="3", minute="0"), purge_notifications,
             "Suppression des notifications et de leurs fichiers après 7 jours (J2)"),
    Periodic("validation_digest", dict(hour="6", minute="0"), validation_digest,
             "Récapitulatif quotidien au Carif-Oref de la file de validation (G6)"),
    Periodic("check_links", dict(hour="4", minute="0"), check_links,
             "Vérification des liens site internet des structures et des formations (H5)"),
    Periodic("load_qualiopi", dict(hour="5", minute="0"), load_qualiopi,
             "Certifications Qualiopi depuis la liste publique des organismes de formation (C6)"),
    Periodic("import_lheo_inbox", dict(minute="15"), import_lheo_inbox,
             "Import des flux LHEO déposés dans le répertoire d'arrivée, chaque heure à 15 (J4)"),
)
TASKS: dict[str, Callable] = {"export_excel": export_excel, "export_lheo": export_lheo, "message_email": message_email,
                              "workflow_email": workflow_email}


def register(huey: Huey, app) -> dict:
    """Every task on `huey`, run in an application context of `app`; returns them by name."""
    registered = {name: huey.task(name=name)(in_app_context(app, func)) for name, func in TASKS.items()}
    for periodic in PERIODIC:
        registered[periodic.name] = huey.periodic_task(crontab(**periodic.schedule), name=periodic.name)(
            in_app_context(app, periodic.func))
    return registered
