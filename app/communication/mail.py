"""H4: each new message of the messagerie is e-mailed to the other side — a contact's message to
the Carif-Oref (MESSAGERIE_EMAIL when configured, else the Gestionnaire accounts), a manager's to
the structure's contacts holding a right on it. Sent by the job queue (task `message_email`):
the message is saved whatever happens to the queue or the mail server (both failures are logged)."""
from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message as MailMessage
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db, mail
from app.models import Message, MessageThread, StructureRight
from app.security.headers import public_url
from app.workflow.mails import carif_emails

log = logging.getLogger(__name__)


def queue_message_email(message_id: int) -> bool:
    """Queue the e-mail of message `message_id` (after its commit: the worker reads it). A queue
    that cannot be reached is logged; the message stays saved."""
    from app.jobs import enqueue

    try:
        enqueue("message_email", message_id)
    except Exception:  # noqa: BLE001 - the queue's storage down: the message stands
        log.exception("E-mail of message %s not queued", message_id)
        return False
    return True


def _active_emails(users) -> set[str]:
    return {user.email for user in users if user is not None and user.active and user.email}


def recipients(message: Message) -> list[str]:
    """The other side's addresses, the author's own never included."""
    thread = message.thread
    author_email = message.author.email if message.author is not None else None
    if message.from_carif:
        rights = db.session.execute(select(StructureRight).options(joinedload(StructureRight.user))
                                    .where(StructureRight.structure_id == thread.structure_id)).scalars()
        emails = _active_emails(right.user for right in rights)
    else:
        emails = set(carif_emails())
    return sorted(emails - {author_email})


def compose(message: Message) -> tuple[str, str]:
    """Subject and plain-text body. Managers sign as « le Carif-Oref »; contacts by their name."""
    thread = message.thread
    about = thread.structure.nom
    if thread.formation is not None:
        about += f", formation {thread.formation.reference} – {thread.formation.intitule}"
    sender = "du Carif-Oref" if message.from_carif else f"de {message.author}" if message.author else "d'un contact"
    subject = "[Messagerie] " + " ".join(thread.subject.split())  # one header line, whatever is stored
    lines = [
        "Bonjour,",
        "",
        f"Nouveau message {sender} ({about}) :",
        "",
        message.text,
        "",
        "Lire et répondre : " + public_url("MessagerieView.show", pk=thread.id),  # PORTAL_BASE_URL, never the Host
        "",
        "Ce message vous est envoyé par le portail de l'offre de formation.",
    ]
    return subject, "\n".join(lines)


def send_message_email(message_id: int) -> list[str]:
    """The job queue's task: send the message's e-mail; returns the recipients (empty when none,
    when the message is gone, or when the mail server failed)."""
    message = db.session.execute(select(Message).where(Message.id == message_id).options(
        joinedload(Message.author), joinedload(Message.thread).joinedload(MessageThread.structure),
        joinedload(Message.thread).joinedload(MessageThread.formation))).scalar()
    if message is None:
        return []
    to = recipients(message)
    if not to:
        return []
    subject, body = compose(message)
    try:
        mail.send(MailMessage(subject=subject, recipients=to, body=body,
                              sender=current_app.config.get("MAIL_DEFAULT_SENDER")))
    except Exception:  # noqa: BLE001 - SMTP down: the message is saved, the e-mail is logged as lost
        log.exception("E-mail « %s » not sent to %s", subject, to)
        return []
    return to
