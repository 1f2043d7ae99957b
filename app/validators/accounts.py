"""Accounts (SPEC B1, B2): the public account request and a manager's edit of a contact's account.

Pure: whether the e-mail is already taken is looked up by the caller and passed in.
"""
from __future__ import annotations

from . import Problem
from .common import check_max_length, check_required
from .identifiers import check_email, check_nda, check_phone, check_siret

NAME_MAX = 64
CONSENT_MISSING = "Acceptez la politique de protection des données personnelles pour envoyer votre demande."
DUPLICATE_EMAIL = ("Une demande ou un compte existe déjà pour cette adresse e-mail. Si c'est le vôtre, utilisez "
                   "« Mot de passe oublié » ; sinon, indiquez une autre adresse.")
EMAIL_OF_ANOTHER_ACCOUNT = "Cette adresse e-mail est déjà celle d'un autre compte."


def check_account_request(*, siret, nda, nom, prenom, telephone, email, consentement: bool,
                          document_problems: list[str] = (), email_taken: bool = False) -> list[Problem]:
    """B1: identifiers, contact details, consent and the optional document; B2: one account per e-mail
    (`email_taken`: an account or a pending request already has the address)."""
    problems = check_siret(siret, "siret", required=True)
    problems += check_nda(nda, "nda", required=True)
    for field, label, value in (("nom", "Le nom", nom), ("prenom", "Le prénom", prenom)):
        problems += check_required(value, field, f"{label} est obligatoire.", rule="B1")
        problems += check_max_length(value, field, label, NAME_MAX, rule="B1")
    problems += check_phone(telephone, "telephone", required=True)
    problems += check_email(email, "email", required=True)
    if not consentement:
        problems.append(Problem("consentement", CONSENT_MISSING, rule="B1"))
    problems += [Problem("document", message, rule="B1") for message in document_problems]
    if email_taken and not any(p.field == "email" for p in problems):
        problems.append(Problem("email", DUPLICATE_EMAIL, rule="B2"))
    return problems


def check_contact_account(*, first_name, last_name, email, email_taken: bool = False) -> list[Problem]:
    """A manager's edit of a Contact OF account: names required, a valid address that no other
    account uses (B2)."""
    problems = [*check_required(first_name, "first_name", "Indiquez le prénom.", rule="B1"),
                *check_required(last_name, "last_name", "Indiquez le nom.", rule="B1"),
                *check_email(email, "email", required=True)]
    if email_taken and not any(p.field == "email" for p in problems):
        problems.append(Problem("email", EMAIL_OF_ANOTHER_ACCOUNT, rule="B2"))
    return problems
