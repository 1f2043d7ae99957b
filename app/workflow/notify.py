"""E-mails to the organisation when the Carif-Oref accepts, refuses or asks for information
(SPEC G5, G6), queued after the decision's commit and sent by the job queue through Flask-Mail. A
mail server that does not answer never delays or undoes a transition: the failure is logged and
the history keeps the decision."""
from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message
from sqlalchemy import select

from app.extensions import db, mail
from app.models import RightLevel, Structure, StructureRight
from app.security.headers import public_url

log = logging.getLogger(__name__)


def organisation_emails(structure) -> list[str]:
    """E-mails of the active users holding a modification right on the structure."""
    rights = db.session.execute(
        select(StructureRight).where(StructureRight.structure_id == structure.id,
                                     StructureRight.niveau == RightLevel.MODIFICATION)
    ).scalars()
    return sorted({r.user.email for r in rights if r.user is not None and r.user.active and r.user.email})


def message_for(item, action: str, comment: str | None) -> tuple[str, str]:
    """Subject and body about a formation or a structure record."""
    is_structure = isinstance(item, Structure)
    name = item.raison_sociale if is_structure else item.intitule
    what = "la fiche de votre structure" if is_structure else "votre formation"
    subject = f"[Offre de formation] {action} : {name} ({item.reference})"
    lines = [
        "Bonjour,",
        "",
        f"Le Carif-Oref a traité {what} « {name} » (référence {item.reference}) : {action.lower()}.",
    ]
    if comment:
        lines += ["", "Commentaire du Carif-Oref :", comment]
    endpoint = "StructureView.show" if is_structure else "FormationView.show"
    lines += ["", "Voir la fiche : " + public_url(endpoint, pk=item.id)]  # PORTAL_BASE_URL, never the Host
    lines += ["", "Cordialement,", "Le Carif-Oref"]
    return subject, "\n".join(lines)


def notify_organisation(item, action: str, comment: str | None) -> bool:
    """Queue the decision about a formation or a structure for its organisation (job queue, task
    `workflow_email`): the manager's page never waits for the mail server."""
    from .mails import DECISION, queue

    return queue(DECISION, "structure" if isinstance(item, Structure) else "formation", item.id, action, comment)


def send_decision(model: str, pk: int, action: str, comment: str | None) -> list[str]:
    """The queue's task: send the decision to the organisation; returns the recipients (empty when
    none, when the record is gone or when the mail server failed)."""
    from app.models import Formation

    item = db.session.get(Structure if model == "structure" else Formation, pk)
    if item is None:
        return []
    recipients = organisation_emails(item if isinstance(item, Structure) else item.structure)
    if not recipients:
        return []
    subject, body = message_for(item, action, comment)
    try:
        mail.send(Message(subject=subject, recipients=recipients, body=body,
                          sender=current_app.config.get("MAIL_DEFAULT_SENDER")))
    except Exception:  # noqa: BLE001 - SMTP down: the decision stands, the e-mail is logged as lost
        log.exception("E-mail « %s » not sent to %s", subject, recipients)
        return []
    return recipients
