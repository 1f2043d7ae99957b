"""Accounts (SPEC B1–B5, A2): public requests, manager decisions, activation and reset links.

Links are signed with the application's secret (itsdangerous, which Flask ships) and carry a
fingerprint of the current password hash: once the password is set, the link is dead. Activation
links expire after 7 days, reset links after 24 hours. They are built on PORTAL_BASE_URL, never on
the request's Host, and never switch a deactivated account back on.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.extensions import db, mail
from app.models.base import utcnow
from app.models import AccountRequest, AccountRequestEtat, RightLevel, Structure, StructureRight
from app.security.headers import public_url
from app.security.permissions import ROLE_CONTACT
from app.security.sessions import was_deactivated
from app.validators import Problem, normalize_email, normalize_nda, normalize_phone, normalize_siret
from app.validators.accounts import DUPLICATE_EMAIL, check_account_request, check_contact_account
from app.validators.documents import document_problems, safe_filename, sniff_mime
from app.validators.passwords import password_problems

log = logging.getLogger(__name__)

ACTIVATION, RESET = "activation", "reinitialisation"
MAX_AGE = {ACTIVATION: timedelta(days=7), RESET: timedelta(hours=24)}
REJECTION_REASONS = (
    "SIRET inconnu ou ne correspondant pas à un organisme de formation",
    "Numéro de déclaration d'activité non valide",
    "Organisme hors de la région",
    "Demande en double",
    "Autre motif (voir le commentaire)",
)


class LinkError(ValueError):
    """An activation or reset link that cannot be used; the message is French."""


# --- links ----------------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def _fingerprint(user) -> str:
    return hashlib.sha256((user.password or "").encode()).hexdigest()[:16]


def make_link_token(user, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_token(token: str, purpose: str):
    """The user a link is for; LinkError when it is expired, tampered with or already used."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(MAX_AGE[purpose].total_seconds()))
    except SignatureExpired as error:
        raise LinkError("Ce lien a expiré : demandez-en un nouveau avec « Mot de passe oublié ».") from error
    except BadSignature as error:
        raise LinkError("Ce lien n'est pas valide : vérifiez qu'il est complet.") from error
    user = db.session.get(current_app.appbuilder.sm.user_model, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("p") != _fingerprint(user):
        raise LinkError("Ce lien a déjà été utilisé : connectez-vous ou utilisez « Mot de passe oublié ».")
    if was_deactivated(user):
        raise LinkError("Ce compte a été désactivé par le Carif-Oref : ce lien ne peut plus servir. "
                        "Contactez le Carif-Oref pour le faire réactiver.")
    return user


def set_password(user, password: str) -> list[str]:
    """Set `user`'s password if the policy (B4) accepts it; the problems otherwise."""
    problems = password_problems(password)
    if not problems:
        user.password = generate_password_hash(password)
        user.active = user.active or not was_deactivated(user)  # a never-activated account, never a deactivated one
        user.fail_login_count = 0
        db.session.commit()
    return problems


# --- requests -------------------------------------------------------------------------------------


@dataclass
class RequestInput:
    siret: str = ""
    nda: str = ""
    nom: str = ""
    prenom: str = ""
    telephone: str = ""
    email: str = ""
    consentement: bool = False
    document_nom: str = ""
    document: bytes = b""


def email_taken(email: str) -> bool:
    email = normalize_email(email)
    user_model = current_app.appbuilder.sm.user_model
    if db.session.execute(select(user_model.id).where(func.lower(user_model.email) == email)).first():
        return True
    return db.session.execute(select(AccountRequest.id).where(
        func.lower(AccountRequest.email) == email,
        AccountRequest.etat == AccountRequestEtat.EN_ATTENTE)).first() is not None


def request_problems(data: RequestInput) -> list[Problem]:
    """B1, B2 (app/validators/accounts.py): the address is looked up here, the rules decide."""
    return check_account_request(
        siret=data.siret, nda=data.nda, nom=data.nom, prenom=data.prenom, telephone=data.telephone,
        email=data.email, consentement=data.consentement,
        document_problems=document_problems(data.document_nom, data.document) if data.document else [],
        email_taken=email_taken(data.email))


def create_request(data: RequestInput) -> AccountRequest:
    request = AccountRequest(
        siret=normalize_siret(data.siret), nda=normalize_nda(data.nda), nom=data.nom.strip(),
        prenom=data.prenom.strip(), telephone=normalize_phone(data.telephone), email=normalize_email(data.email),
        consentement=True,
    )
    if data.document:
        request.document_mime = sniff_mime(data.document)  # the bytes decide the type and the extension
        request.document = data.document
        request.document_nom = safe_filename(data.document_nom, request.document_mime, "declaration-activite")
    db.session.add(request)
    db.session.commit()
    return request


def structure_for(request: AccountRequest) -> Structure | None:
    return db.session.execute(select(Structure).where(Structure.siret == request.siret)
                              .order_by(Structure.parent_id.isnot(None), Structure.id)).scalars().first()


def accept(request: AccountRequest, level: str, manager) -> bool:
    """B3: create the account, link it to the structure found by SIRET, send the activation link.
    Returns whether the e-mail left (the account exists either way)."""
    if request.etat != AccountRequestEtat.EN_ATTENTE:
        raise ValueError("Cette demande a déjà été traitée.")
    if level not in (RightLevel.MODIFICATION, RightLevel.VISUALISATION):
        raise ValueError("Choisissez le niveau de droit : modification ou visualisation.")
    structure = structure_for(request)
    if structure is None:
        raise ValueError(f"Aucune structure n'a le SIRET {request.siret} : créez-la d'abord, puis acceptez la demande.")
    sm = current_app.appbuilder.sm
    if sm.find_user(email=request.email) or sm.find_user(username=request.email):
        raise ValueError(DUPLICATE_EMAIL)
    user = sm.add_user(request.email, request.prenom, request.nom, request.email, sm.find_role(ROLE_CONTACT),
                       hashed_password=generate_password_hash(secrets.token_urlsafe(32)))
    if not user:
        raise ValueError("Le compte n'a pas pu être créé.")
    db.session.add(StructureRight(user=user, structure=structure, niveau=level))
    request.etat, request.structure, request.user = AccountRequestEtat.ACCEPTEE, structure, user
    request.processed_at, request.processed_by = utcnow(), manager
    db.session.commit()
    link = public_url("AccountPublicView.activation", token=make_link_token(user, ACTIVATION))
    return _send(request.email, "[Offre de formation] Votre compte est prêt : choisissez votre mot de passe", [
        f"Bonjour {request.prenom} {request.nom},",
        "",
        f"Le Carif-Oref a accepté votre demande de compte pour « {structure.raison_sociale} ».",
        "Choisissez votre mot de passe avec ce lien personnel (clé d'activation), valable 7 jours :",
        link,
        "",
        "Votre identifiant de connexion est votre adresse e-mail.",
    ])


def reject(request: AccountRequest, reason: str, comment: str, manager) -> None:
    if request.etat != AccountRequestEtat.EN_ATTENTE:
        raise ValueError("Cette demande a déjà été traitée.")
    if reason not in REJECTION_REASONS:
        raise ValueError("Choisissez le motif du refus.")
    request.etat, request.motif_refus = AccountRequestEtat.REFUSEE, reason
    request.processed_at, request.processed_by = utcnow(), manager
    db.session.commit()
    _send(request.email, "[Offre de formation] Votre demande de compte", [
        f"Bonjour {request.prenom} {request.nom},",
        "",
        f"Le Carif-Oref n'a pas pu accepter votre demande de compte : {reason}.",
        *(["", comment.strip()] if comment and comment.strip() else []),
    ])


def send_reset_link(email: str) -> None:
    """B4: the reset link, sent only when the address is an active account's (the page says the
    same either way)."""
    user = current_app.appbuilder.sm.find_user(email=normalize_email(email))
    if user is None or not user.active:
        return
    link = public_url("AccountPublicView.reset", token=make_link_token(user, RESET))
    _send(user.email, "[Offre de formation] Réinitialisation de votre mot de passe", [
        f"Bonjour {user.first_name} {user.last_name},",
        "",
        "Pour choisir un nouveau mot de passe, ouvrez ce lien, valable 24 heures :",
        link,
        "",
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
    ])


def _send(recipient: str, subject: str, lines: list[str]) -> bool:
    body = "\n".join([*lines, "", "Cordialement,", "Le Carif-Oref"])
    try:
        mail.send(Message(subject=subject, recipients=[recipient], body=body,
                          sender=current_app.config.get("MAIL_DEFAULT_SENDER")))
    except Exception:  # noqa: BLE001 - the decision is saved; the manager can resend a reset link
        log.exception("E-mail « %s » not sent to %s", subject, recipient)
        return False
    return True


def account_problems(user) -> list[Problem]:
    """A manager's edit of a Contact OF account (app/validators/accounts.py, B2: the address of no
    other account)."""
    user.email = normalize_email(user.email)
    user_model = current_app.appbuilder.sm.user_model
    other = db.session.execute(select(user_model.id).where(
        func.lower(user_model.email) == user.email, user_model.id != user.id)).first()
    return check_contact_account(first_name=user.first_name, last_name=user.last_name, email=user.email,
                                 email_taken=other is not None)
