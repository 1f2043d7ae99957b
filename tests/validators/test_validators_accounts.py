"""B1, B2: the account request and a manager's edit of a contact's account, as pure rules."""
from __future__ import annotations

import pytest

from app.validators.accounts import (
    CONSENT_MISSING,
    DUPLICATE_EMAIL,
    EMAIL_OF_ANOTHER_ACCOUNT,
    check_account_request,
    check_contact_account,
)

VALID = dict(siret="73282932000074", nda="28760456776", nom="Martin", prenom="Inès",
             telephone="02 35 11 22 33", email="ines.martin@horizon.example", consentement=True)


def test_r_b1_a_complete_request_passes() -> None:
    assert check_account_request(**VALID) == []


@pytest.mark.parametrize("changes, field", [
    ({"siret": "1234"}, "siret"),
    ({"nda": ""}, "nda"),
    ({"nom": ""}, "nom"),
    ({"prenom": "x" * 65}, "prenom"),
    ({"telephone": ""}, "telephone"),
    ({"email": "pas-une-adresse"}, "email"),
    ({"consentement": False}, "consentement"),
])
def test_r_b1_each_missing_or_wrong_field_is_named(changes, field) -> None:
    problems = check_account_request(**{**VALID, **changes})
    assert [p.field for p in problems] == [field]


def test_r_b1_consent_and_document_problems_carry_b1() -> None:
    problems = check_account_request(**{**VALID, "consentement": False},
                                     document_problems=["Le fichier dépasse la taille maximale de 5 Mo."])
    assert [(p.field, p.rule) for p in problems] == [("consentement", "B1"), ("document", "B1")]
    assert problems[0].message == CONSENT_MISSING


def test_r_b2_an_address_already_taken_is_refused_once() -> None:
    problems = check_account_request(**VALID, email_taken=True)
    assert [(p.field, p.message, p.rule) for p in problems] == [("email", DUPLICATE_EMAIL, "B2")]
    # an invalid address is said invalid, not "taken"
    problems = check_account_request(**{**VALID, "email": "x@"}, email_taken=True)
    assert [p.message for p in problems] != [DUPLICATE_EMAIL] and len(problems) == 1


def test_r_b2_a_manager_cannot_give_a_contact_another_account_address() -> None:
    assert check_contact_account(first_name="Inès", last_name="Martin", email="i@horizon.example") == []
    problems = check_contact_account(first_name="Inès", last_name="Martin", email="i@horizon.example",
                                     email_taken=True)
    assert [(p.field, p.message, p.rule) for p in problems] == [("email", EMAIL_OF_ANOTHER_ACCOUNT, "B2")]
    problems = check_contact_account(first_name="", last_name=" ", email="")
    assert {p.field for p in problems} == {"first_name", "last_name", "email"}
