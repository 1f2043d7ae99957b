"""E-mails to the organisation when the Carif-Oref accepts, refuses or asks for information
(SPEC G5, G6), sent through Flask-Mail. A mail server that does not answer never undoes a
transition: the failure is logged and the history keeps the decision."""
from __future__ import annotations

import logging

from flask import current_app, has_request_context, url_for
from flask_mail import Message
from sqlalchemy import select

from app.extensions import db, mail
from app.models import RightLevel, StructureRight

log = logging.getLogger(__name__)


def organisation_emails(structure) -> list[str]:
    """E-mails of the active users holding a modification right on the structure."""
    rights = db.session.execute(
        select(StructureRight).where(StructureRight.structure_id == structure.id,
                                     StructureRight.niveau == RightLevel.MODIFICATION)
    ).scalars()
    return sorted({r.user.email for r in rights if r.user is not None and r.user.active and r.user.email})


def message_for(formation, action: str, comment: str | None) -> tuple[str, str]:
    subject = f"[Offre de formation] {action} : {formation.intitule} ({formation.reference})"
    lines = [
        "Bonjour,",
        "",
        f"Le Carif-Oref a traité votre formation « {formation.intitule} » (référence {formation.reference}) : "
        f"{action.lower()}.",
    ]
    if comment:
        lines += ["", "Commentaire du Carif-Oref :", comment]
    if has_request_context():
        lines += ["", "Voir la formation : " + url_for("FormationView.show", pk=formation.id, _external=True)]
    lines += ["", "Cordialement,", "Le Carif-Oref"]
    return subject, "\n".join(lines)


def notify_organisation(formation, action: str, comment: str | None) -> list[str]:
    """Send the decision to the organisation; returns the recipients (empty when none or failed)."""
    recipients = organisation_emails(formation.structure)
    if not recipients:
        return []
    subject, body = message_for(formation, action, comment)
    try:
        mail.send(Message(subject=subject, recipients=recipients, body=body,
                          sender=current_app.config.get("MAIL_DEFAULT_SENDER")))
    except Exception:  # noqa: BLE001 - SMTP down: the decision stands, the e-mail is logged as lost
        log.exception("E-mail « %s » not sent to %s", subject, recipients)
        return []
    return recipients
