"""The e-mails the seeds send (SPEC G6):

- each decision of the Carif-Oref (accepted, refused, information asked…) to the organisation
  (notify.py writes it);
- the organisation's submission (a formation, or its structure's change request) acknowledged (« nous avons bien reçu votre demande »), to the
  structure's contacts holding a modification right;
- each save of a published record confirmed to its author (seed 003: « à chaque enregistrement,
  vous recevez un mail de confirmation ») — a formation already diffusée (its save goes into the
  draft the Carif-Oref validates) or a validated structure (its change request);
- the Carif-Oref alerted (« nos services sont également alertés ») by one daily digest of what waits
  in the validation queue, the new items first — not one message per formation.

Every e-mail is French, its links built on PORTAL_BASE_URL, and sent by the job queue (task
`workflow_email`): the action that caused it is committed first and never waits for, or fails
with, the queue or the mail server (both failures are logged)."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_appbuilder.security.sqla.models import Role, User
from flask_mail import Message
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db, mail
from app.models import Formation, Structure, StructureChange, StructureChangeEtat
from app.models.base import utcnow
from app.models.workflow import FormationEtat
from app.security.headers import public_url
from app.security.permissions import ROLE_GESTIONNAIRE

from .direct_writes import STRUCTURE_LISTS
from .notify import organisation_emails

log = logging.getLogger(__name__)

SUBMITTED, SAVED, DECISION = "soumission", "enregistrement", "decision"
DIGEST_LISTED = 50  # items listed in the digest; the others are counted
SIGNATURE = ["", "Cordialement,", "Le Carif-Oref"]


def queue(kind: str, *args) -> bool:
    """Queue one workflow e-mail after the action's commit; the queue down is logged, never raised."""
    from app.jobs import enqueue

    try:
        enqueue("workflow_email", kind, *args)
    except Exception:  # noqa: BLE001 - the queue's storage down: the action stands
        log.exception("Workflow e-mail %s %s not queued", kind, args)
        return False
    return True


def carif_emails() -> list[str]:
    """The Carif-Oref's addresses: MESSAGERIE_EMAIL when configured, else the active Gestionnaire
    accounts."""
    configured = current_app.config.get("MESSAGERIE_EMAIL") or ""
    emails = {address.strip() for address in configured.split(",") if address.strip()}
    if not emails:
        managers = db.session.execute(select(User).where(User.roles.any(Role.name == ROLE_GESTIONNAIRE))).scalars()
        emails = {user.email for user in managers if user.active and user.email}
    return sorted(emails)


def _send(subject: str, recipients: list[str], lines: list[str]) -> list[str]:
    if not recipients:
        return []
    try:
        mail.send(Message(subject=subject, recipients=recipients, body="\n".join(lines),
                          sender=current_app.config.get("MAIL_DEFAULT_SENDER")))
    except Exception:  # noqa: BLE001 - SMTP down: logged, the action already stands
        log.exception("E-mail « %s » not sent to %s", subject, recipients)
        return []
    return recipients


def _formation_link(formation) -> str:
    return public_url("FormationView.show", pk=formation.id)  # PORTAL_BASE_URL, never the Host


def send(kind: str, *args) -> list[str]:
    """The queue's task: the e-mail `kind` about the rows `args`; returns its recipients."""
    if kind == SUBMITTED:
        return _submitted(*args)
    if kind == SAVED:
        return _saved(*args)
    if kind == DECISION:
        from .notify import send_decision

        return send_decision(*args)
    raise ValueError(f"unknown workflow e-mail {kind!r}")


def _submitted(formation_id: int, model: str = "formation") -> list[str]:
    if model == "structure":
        return _structure_submitted(formation_id)
    formation = db.session.get(Formation, formation_id)
    if formation is None or formation.structure is None:
        return []
    subject = f"[Offre de formation] Demande de validation reçue : {formation.intitule} ({formation.reference})"
    lines = ["Bonjour,", "",
             f"Le Carif-Oref a bien reçu votre demande de validation de la formation « {formation.intitule} » "
             f"(référence {formation.reference}). Il la traite dans les meilleurs délais ; vous recevrez un "
             "courriel à sa décision.", "",
             "Voir la formation : " + _formation_link(formation.draft_of or formation), *SIGNATURE]
    return _send(subject, organisation_emails(formation.structure), lines)


def _structure_submitted(structure_id: int) -> list[str]:
    structure = db.session.get(Structure, structure_id)
    if structure is None:
        return []
    subject = f"[Offre de formation] Demande de validation reçue : fiche de la structure {structure.nom}"
    lines = ["Bonjour,", "",
             f"Le Carif-Oref a bien reçu votre demande de modification de la fiche de la structure « {structure.nom} » "
             f"(référence {structure.reference}). La fiche validée reste diffusée jusqu'à sa décision, que vous "
             "recevrez par courriel.", "",
             "Voir la fiche : " + public_url("StructureView.show", pk=structure.id), *SIGNATURE]
    return _send(subject, organisation_emails(structure), lines)


def _saved(model: str, pk: int, user_id: int) -> list[str]:
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.email:
        return []
    if model == "structure":
        structure = db.session.get(Structure, pk)
        if structure is None:
            return []
        name, link = f"la fiche de votre structure « {structure.nom} »", public_url("StructureView.show", pk=pk)
        after = "Elle sera visible de nos partenaires après validation du Carif-Oref."
    else:
        formation = db.session.get(Formation, pk)
        if formation is None:
            return []
        published = formation.draft_of or formation
        name, link = f"la formation « {formation.intitule} » (référence {published.reference})", \
            _formation_link(published)
        after = ("Soumettez-la pour validation quand elle est prête : la version diffusée reste en ligne "
                 "jusqu'à la validation du Carif-Oref.")
    subject = "[Offre de formation] Modification enregistrée"
    lines = ["Bonjour,", "", f"Votre modification de {name} est enregistrée.", after, "", "Voir : " + link,
             *SIGNATURE]
    return _send(subject, [user.email], lines)


def published_record(item) -> tuple[str, int] | None:
    """("formation" | "structure", id) when `item` belongs to a published record whose save the
    seeds confirm by e-mail (a structure's list belongs to the structure); None otherwise."""
    if isinstance(item, Structure):
        return ("structure", item.id) if item.id is not None else None
    if isinstance(item, STRUCTURE_LISTS):
        structure = item.structure
        return ("structure", structure.id) if structure is not None and structure.id is not None else None
    formation = item if isinstance(item, Formation) else None
    if formation is None:
        parent = getattr(item, "session", None) or item
        formation = getattr(parent, "formation", None)
    if formation is None or formation.id is None:
        return None
    if formation.draft_of_id is not None or formation.etat == FormationEtat.DIFFUSEE:
        return "formation", formation.id
    return None


# --- the Carif-Oref's daily digest ---------------------------------------------------------------


def digest(now=None) -> list[str]:
    """One e-mail listing what waits in the validation queue, the items received in the last 24
    hours first; nothing is sent when the queue is empty."""
    now = now or utcnow()
    since = now - timedelta(hours=24)
    waiting = or_(Formation.etat == FormationEtat.EN_ATTENTE, Formation.archive_requested_at.isnot(None))
    total = db.session.execute(select(func.count()).select_from(Formation).where(waiting)).scalar() or 0
    changes = db.session.execute(select(func.count()).select_from(StructureChange).where(
        StructureChange.etat == StructureChangeEtat.EN_ATTENTE)).scalar() or 0
    if not total and not changes:
        return []
    received = func.coalesce(Formation.submitted_at, Formation.archive_requested_at)
    rows = db.session.execute(select(Formation).where(waiting).options(joinedload(Formation.structure))
                              .order_by((received >= since).desc(), received, Formation.id)
                              .limit(DIGEST_LISTED)).scalars().all()
    new = db.session.execute(select(func.count()).select_from(Formation).where(waiting, received >= since)).scalar()
    lines = ["Bonjour,", "",
             f"{total} formation(s) et {changes} fiche(s) de structure attendent votre validation, dont "
             f"{new} formation(s) reçue(s) depuis 24 heures.", ""]
    for formation in rows:
        received_at = formation.submitted_at or formation.archive_requested_at
        marker = "[nouveau] " if received_at is not None and received_at >= since else ""
        what = "archivage demandé" if formation.archive_requested_at else (
            "modification" if formation.draft_of_id else "création")
        stamp = f" le {received_at:%d/%m/%Y à %H:%M} (UTC)" if received_at else ""
        lines.append(f"- {marker}{formation.reference} – {formation.intitule} ({formation.structure}) : "
                     f"{what}{stamp}")
    if total > len(rows):
        lines.append(f"… et {total - len(rows)} autre(s).")
    if changes:
        requests = db.session.execute(select(StructureChange).where(StructureChange.etat == StructureChangeEtat.EN_ATTENTE)
                                      .options(joinedload(StructureChange.structure))
                                      .order_by((StructureChange.submitted_at >= since).desc(), StructureChange.submitted_at,
                                                StructureChange.id).limit(DIGEST_LISTED)).scalars().all()
        lines += ["", "Fiches de structure :"]
        for change in requests:
            marker = "[nouveau] " if change.submitted_at is not None and change.submitted_at >= since else ""
            stamp = f" le {change.submitted_at:%d/%m/%Y à %H:%M} (UTC)" if change.submitted_at else ""
            lines.append(f"- {marker}{change.structure.reference} – {change.structure.nom} : modification{stamp}")
        if changes > len(requests):
            lines.append(f"… et {changes - len(requests)} autre(s).")
    lines += ["", "File de validation : " + public_url("ValidationQueueView.queue"), "",
              "Ce récapitulatif quotidien vous est envoyé par le portail de l'offre de formation."]
    return _send(f"[Offre de formation] {total + changes} élément(s) à valider", carif_emails(), lines)
