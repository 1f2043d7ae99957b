"""Structures: identity C1, coordonnées C3, lieux C11."""

from __future__ import annotations

import pytest

from app.validators import (
    Coordonnee,
    ERROR,
    Lieu,
    Problem,
    WARNING,
    check_coordonnee_list,
    check_coordonnees,
    check_lieu,
    check_structure_identity,
    check_structure_parent,
    find_duplicate_lieux,
    has_errors,
    lieu_key,
)
from app.validators.structure import EMAIL, TELEPHONE, WEB

SIEGE = {"raison_sociale": "Bâtiment CFA Normandie", "siret": "77811608700157"}


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


# --- C1 ------------------------------------------------------------------------------------


def test_r_c1_siege_with_nda_is_valid() -> None:
    assert check_structure_identity(**SIEGE, nda="23760058376", has_parent=False) == []


def test_r_c1_siege_without_nda_is_refused() -> None:
    problems = check_structure_identity(**SIEGE, nda="", has_parent=False)
    assert fields(problems) == {"nda"}
    assert "obligatoire" in problems[0].message
    assert problems[0].rule == "C1"


@pytest.mark.parametrize("nda", ["", None, "ANTENNE-ORG", "antenne-org"])
def test_r_c1_antenna_without_nda_is_valid(nda: str | None) -> None:
    antenne = {"raison_sociale": "Bâtiment CFA Normandie - Caen", "siret": "77811608700132"}
    assert check_structure_identity(**antenne, nda=nda, has_parent=True) == []


def test_r_c1_antenna_with_nda_is_refused() -> None:
    problems = check_structure_identity(**SIEGE, nda="23760058376", has_parent=True)
    assert problems == [
        Problem(
            "nda",
            "Une antenne ne porte pas de numéro de déclaration d'activité : seul le siège en a un.",
            rule="C1",
        )
    ]


def test_r_c1_raison_sociale_required_and_limited_to_250() -> None:
    problems = check_structure_identity("  ", "77811608700157", "23760058376", has_parent=False)
    assert problems == [Problem("raison_sociale", "La raison sociale est obligatoire.", rule="C1")]
    assert (
        check_structure_identity("x" * 250, SIEGE["siret"], "23760058376", has_parent=False) == []
    )
    too_long = check_structure_identity("x" * 251, SIEGE["siret"], "23760058376", has_parent=False)
    assert fields(too_long) == {"raison_sociale"}


def test_r_c1_siret_required_and_checked() -> None:
    assert fields(check_structure_identity("CFA", "", "23760058376", has_parent=False)) == {"siret"}
    problems = check_structure_identity("CFA", "12345678912345", "23760058376", has_parent=False)
    assert fields(problems) == {"siret"}


def test_r_c1_optional_ape_and_uai_are_checked_when_given() -> None:
    ok = check_structure_identity(
        **SIEGE, nda="23760058376", has_parent=False, ape="85.59A", uai="0761234A"
    )
    assert ok == []
    bad = check_structure_identity(
        **SIEGE, nda="23760058376", has_parent=False, ape="8559", uai="761234A"
    )
    assert fields(bad) == {"ape", "uai"}


# --- C3 ------------------------------------------------------------------------------------


def test_r_c3_one_principal_per_list() -> None:
    emails = [
        Coordonnee(EMAIL, "accueil@cfa.fr", principal=True),
        Coordonnee(EMAIL, "direction@cfa.fr"),
    ]
    assert check_coordonnee_list(EMAIL, emails) == []


def test_r_c3_empty_list_is_fine() -> None:
    assert check_coordonnee_list(TELEPHONE, []) == []
    assert check_coordonnees([]) == []


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([False, False], "Désignez un téléphone principal."),
        ([True, True], "Un seul téléphone peut être principal."),
        ([False], "Désignez un téléphone principal."),
    ],
)
def test_r_c3_principal_missing_or_several_refused(flags: list[bool], message: str) -> None:
    phones = [Coordonnee(TELEPHONE, "0235123456", principal=flag) for flag in flags]
    assert check_coordonnee_list(TELEPHONE, phones) == [Problem("telephones", message, rule="C3")]


@pytest.mark.parametrize(
    ("kind", "bad_value", "list_field"),
    [
        (EMAIL, "accueil-at-cfa.fr", "emails"),
        (TELEPHONE, "02 35", "telephones"),
        (WEB, "www.cfa.fr", "sites_web"),
        (WEB, "", "sites_web"),
    ],
)
def test_r_c3_each_value_valid_for_its_kind(kind: str, bad_value: str, list_field: str) -> None:
    items = [Coordonnee(kind, bad_value, principal=True)]
    problems = check_coordonnee_list(kind, items)
    assert [p.field for p in problems] == [f"{list_field}-0-value"]
    assert problems[0].severity == ERROR


def test_r_c3_mixed_list_checked_per_kind() -> None:
    items = [
        Coordonnee(EMAIL, "accueil@cfa.fr", principal=True),
        Coordonnee(TELEPHONE, "0235123456", principal=True),
        Coordonnee(TELEPHONE, "0235123457", principal=True),
        Coordonnee(WEB, "https://www.cfa.fr", principal=True),
    ]
    assert check_coordonnees(items) == [
        Problem("telephones", "Un seul téléphone peut être principal.", rule="C3")
    ]


def test_r_c3_unknown_kind_refused() -> None:
    assert has_errors(check_coordonnees([Coordonnee("fax", "0235123456", principal=True)]))


# --- C11 -----------------------------------------------------------------------------------

EPRON = Lieu(
    nom="Mairie",
    ligne1="Place Francis Bernard",
    code_postal="14610",
    ville="Epron",
    latitude=49.222832,
    longitude=-0.370141,
)


def test_r_c11_lieu_valid() -> None:
    assert check_lieu(EPRON) == []


@pytest.mark.parametrize("missing", ["nom", "ligne1", "code_postal", "ville"])
def test_r_c11_lieu_required_fields(missing: str) -> None:
    lieu = Lieu(**{**EPRON.__dict__, missing: ""})
    assert missing in fields(check_lieu(lieu))


def test_r_c11_lieu_postal_code_00000_refused() -> None:
    assert fields(check_lieu(Lieu(**{**EPRON.__dict__, "code_postal": "00000"}))) == {"code_postal"}


@pytest.mark.parametrize(
    ("latitude", "longitude", "bad"),
    [
        (90, 180, set()),
        (-90, -180, set()),
        ("49,22", "-0,37", set()),
        (90.0001, 0, {"latitude"}),
        (-90.0001, 0, {"latitude"}),
        (0, 180.0001, {"longitude"}),
        (0, -180.0001, {"longitude"}),
        ("nord", 0, {"latitude"}),
        (float("nan"), 0, {"latitude"}),
        (None, None, {"latitude", "longitude"}),
    ],
)
def test_r_c11_lieu_coordinates_bounds(latitude: object, longitude: object, bad: set[str]) -> None:
    lieu = Lieu(**{**EPRON.__dict__, "latitude": latitude, "longitude": longitude})
    assert fields(check_lieu(lieu)) == bad


def test_r_c11_lieu_coordinates_optional_for_imports() -> None:
    lieu = Lieu(**{**EPRON.__dict__, "latitude": None, "longitude": None})
    assert check_lieu(lieu, require_coordinates=False) == []


def test_r_c11_lieu_address_line_limited_to_50() -> None:
    assert check_lieu(Lieu(**{**EPRON.__dict__, "ligne1": "x" * 50})) == []
    assert fields(check_lieu(Lieu(**{**EPRON.__dict__, "ligne1": "x" * 51}))) == {"ligne1"}


def test_r_c11_lieu_optional_phone_siret_insee_checked() -> None:
    lieu = Lieu(**{**EPRON.__dict__, "telephone": "12", "siret": "123", "code_insee": "00000"})
    assert fields(check_lieu(lieu)) == {"telephone", "siret", "code_insee"}


def test_r_c11_duplicate_lieux_warned() -> None:
    siege = Lieu(
        "Bâtiment CFA Normandie (Siège)",
        "125 avenue Edmund Halley",
        "76800",
        "Saint-Étienne-du-Rouvray",
    )
    copy = Lieu("CFA siège", "125, Avenue Edmund-Halley", "76 800", "ST ETIENNE DU ROUVRAY")
    problems = find_duplicate_lieux([siege, copy])
    assert len(problems) == 1
    assert problems[0].severity == WARNING
    assert not has_errors(problems)
    assert "CFA siège" in problems[0].message and "Bâtiment CFA Normandie" in problems[0].message
    assert (problems[0].severity, problems[0].rule) == (WARNING, "C11")
    assert lieu_key(siege) == lieu_key(copy)


def test_r_c11_duplicate_against_existing_lieux() -> None:
    new = Lieu("Mairie d'Epron", "place Francis-Bernard", "14610", "EPRON")
    assert len(find_duplicate_lieux([new], existing=[EPRON])) == 1


@pytest.mark.parametrize(
    "other",
    [
        Lieu("Autre", "Place Francis Bernard", "14000", "Epron"),  # other postal code
        Lieu("Autre", "Place Francis Bernard", "14610", "Caen"),  # other city
        Lieu("Autre", "2 Place Francis Bernard", "14610", "Epron"),  # other number
        Lieu("Autre", "", "14610", "Epron"),  # incomplete address: not compared
    ],
)
def test_r_c11_different_addresses_not_duplicates(other: Lieu) -> None:
    assert find_duplicate_lieux([EPRON, other]) == []


def test_r_c1_an_antenna_is_attached_to_a_siege() -> None:
    assert check_structure_parent(own_parent=False, parent_is_antenna=False) == []
    assert check_structure_parent(own_parent=True, parent_is_antenna=True) == [
        Problem(
            "parent",
            "Une structure ne peut pas être sa propre structure de rattachement.",
            rule="C1",
        )
    ]
    assert check_structure_parent(own_parent=False, parent_is_antenna=True) == [
        Problem(
            "parent", "La structure de rattachement doit être un siège, pas une antenne.", rule="C1"
        )
    ]


def test_r_structure_problems_name_their_rule() -> None:
    identity = check_structure_identity("", "123", "99", has_parent=False, ape="8", uai="1")
    assert {(p.field, p.rule) for p in identity} == {
        ("raison_sociale", "C1"),
        ("siret", "C1"),
        ("nda", "C1"),
        ("ape", "C1"),
        ("uai", "C1"),
    }
    phones = [Coordonnee(TELEPHONE, "12"), Coordonnee(TELEPHONE, "0235123456")]
    assert {p.rule for p in check_coordonnee_list(TELEPHONE, phones)} == {"C3"}
    lieu = Lieu(**{**EPRON.__dict__, "code_postal": "00000", "telephone": "12", "latitude": 91})
    assert {(p.field, p.rule) for p in check_lieu(lieu)} == {
        ("code_postal", "C11"),
        ("telephone", "C11"),
        ("latitude", "C11"),
    }
