"""Sessions: dates F1/F2, OF formateurs F3, lieux F4, contact F5, lieu d'inscription F12."""

from __future__ import annotations

from datetime import date

import pytest

from app.validators import (
    check_referent,
    check_yearly_session,
    LieuFormation,
    Problem,
    WARNING,
    check_copy_checked,
    check_distance_learning,
    check_formateur_not_listed,
    check_formateurs,
    check_lieu_inscription,
    check_lieu_not_listed,
    check_lieux_formation,
    check_lieux_in_region,
    check_next_year_copy,
    check_session_contact,
    check_session_dates,
    check_start_before_certification_end,
    departement_of_postal_code,
    for_session,
    region_of_departement,
)

NORMANDIE = "28"


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


# --- F1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debut", "fin", "bad"),
    [
        (date(2026, 9, 1), date(2027, 8, 31), set()),
        (date(2026, 9, 1), date(2026, 9, 1), set()),  # start = end accepted
        (date(2026, 9, 2), date(2026, 9, 1), {"date_fin"}),  # one day before refused
        (None, date(2026, 9, 1), {"date_debut"}),
        (date(2026, 9, 1), None, {"date_fin"}),
        (None, None, {"date_debut", "date_fin"}),
    ],
)
def test_r_f1_session_dates(debut: date | None, fin: date | None, bad: set[str]) -> None:
    assert fields(check_session_dates(debut, fin)) == bad


# --- F2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debut", "fin_enregistrement", "ok"),
    [
        (date(2026, 7, 5), date(2026, 7, 6), True),  # the day before: accepted
        (date(2026, 7, 6), date(2026, 7, 6), False),  # the same day: refused ("inférieure")
        (date(2026, 7, 7), date(2026, 7, 6), False),
        (date(2026, 7, 7), None, True),  # no end date known
        (None, date(2026, 7, 6), True),  # F1 reports the missing start
    ],
)
def test_r_f2_start_strictly_before_certification_end(
    debut: date | None, fin_enregistrement: date | None, ok: bool
) -> None:
    problems = check_start_before_certification_end(debut, fin_enregistrement)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].field == "date_debut"
        assert "06/07/2026" in problems[0].message
        assert problems[0].rule == "F2"


# --- F3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([True], None),
        ([False, True, False], None),
        ([], "Indiquez au moins un organisme formateur."),
        ([False], "Désignez l'organisme formateur principal."),
        ([True, True], "Un seul organisme formateur peut être principal."),
    ],
)
def test_r_f3_formateurs_one_principal(flags: list[bool], message: str | None) -> None:
    expected = [] if message is None else [Problem("formateurs", message, rule="F3")]
    assert check_formateurs(flags) == expected


# --- F4 ------------------------------------------------------------------------------------

CAEN = LieuFormation("Bâtiment CFA Normandie - Caen", principal=True, departement="14")
EVREUX = LieuFormation("Bâtiment CFA Normandie - Evreux", departement="27")
ALENCON_SARTHE = LieuFormation("Bâtiment CFA Normandie - Alençon", code_postal="72610")


def lieux(
    items: list[LieuFormation], *, distance: bool = False, in_region: bool = True
) -> list[Problem]:
    return check_lieux_formation(
        items, entierement_a_distance=distance, structure_in_region=in_region, region_code=NORMANDIE
    )


def test_r_f4_lieux_in_region_with_one_principal() -> None:
    assert lieux([CAEN, EVREUX]) == []


def test_r_f4_at_least_one_lieu_unless_distance() -> None:
    assert lieux([]) == [Problem("lieux", "Indiquez au moins un lieu de formation.", rule="F4")]
    assert lieux([], distance=True) == []


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([EVREUX], "Désignez le lieu de formation principal."),
        ([CAEN, CAEN], "Un seul lieu de formation peut être principal."),
    ],
)
def test_r_f4_exactly_one_principal(items: list[LieuFormation], message: str) -> None:
    assert lieux(items) == [Problem("lieux", message, rule="F4")]


def test_r_f4_distance_only_for_structures_declared_in_region() -> None:
    problems = lieux([], distance=True, in_region=False)
    assert fields(problems) == {"modalite_enseignement"}
    assert lieux([], distance=True, in_region=True) == []


def test_r_f4_lieu_outside_region_refused() -> None:
    # Saint-Paterne (72) is in Pays de la Loire although the antenna is called "Alençon".
    problems = lieux([CAEN, ALENCON_SARTHE])
    assert len(problems) == 1
    assert "hors de la région Normandie" in problems[0].message
    assert "Alençon" in problems[0].message
    assert (problems[0].field, problems[0].rule) == ("lieux", "F4")


def test_r_f4_lieu_outside_region_refused_even_for_distance() -> None:
    assert len(lieux([LieuFormation("Regroupement", True, "75")], distance=True)) == 1


def test_r_f4_unknown_departement_not_judged() -> None:
    assert lieux([LieuFormation("Sans adresse", principal=True)]) == []


@pytest.mark.parametrize(
    ("code_postal", "departement", "region"),
    [
        ("76800", "76", "28"),
        ("14610", "14", "28"),
        ("20000", "2A", "94"),
        ("20199", "2A", "94"),
        ("20200", "2B", "94"),
        ("97400", "974", "04"),
        ("01000", "01", "84"),
        ("98000", None, None),  # Monaco: not a French département
        ("0000", None, None),
    ],
)
def test_r_f4_departement_and_region_of_postal_code(
    code_postal: str, departement: str | None, region: str | None
) -> None:
    assert departement_of_postal_code(code_postal) == departement
    assert region_of_departement(departement or "") == region


def test_r_f4_region_of_single_digit_departement() -> None:
    assert region_of_departement("1") == "84"
    assert region_of_departement("2a") == "94"


# --- F5 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "ok"), [(1, True), (0, False), (2, False)])
def test_r_f5_exactly_one_contact(count: int, ok: bool) -> None:
    problems = check_session_contact(count)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"contact"}


# --- F12 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (12, True),
        ("Bâtiment CFA Normandie - Le Havre", True),
        (None, False),
        ("", False),
        ("  ", False),
    ],
)
def test_r_f12_lieu_inscription_required(value: object, ok: bool) -> None:
    assert (check_lieu_inscription(value) == []) is ok


# --- F3/F4 one row per organisme and per lieu ---------------------------------------------


def test_r_f3_an_organisme_is_formateur_of_a_session_once() -> None:
    assert check_formateur_not_listed(False) == []
    assert check_formateur_not_listed(True) == [
        Problem("structure", "Cet organisme est déjà OF formateur de la session.", rule="F3")
    ]


def test_r_f4_a_lieu_is_listed_once_and_in_the_region() -> None:
    assert check_lieu_not_listed(False) == []
    assert [(p.field, p.rule) for p in check_lieu_not_listed(True)] == [("lieu", "F4")]
    alencon = LieuFormation("Alençon", code_postal="61000")  # Orne: Normandie
    tours = LieuFormation("Tours", code_postal="37000")  # Centre-Val de Loire
    assert check_lieux_in_region([alencon], NORMANDIE, field="lieu") == []
    (problem,) = check_lieux_in_region([tours], NORMANDIE, field="lieu")
    assert (problem.field, problem.rule) == ("lieu", "F4")
    assert problem.message == (
        "Le lieu « Tours » est hors de la région Normandie : la formation doit être référencée "
        "auprès du Carif-Oref de sa région."
    )


def test_r_f4_distance_learning_only_for_structures_of_the_region() -> None:
    assert check_distance_learning(True, structure_in_region=True) == []
    assert check_distance_learning(False, structure_in_region=False) == []
    (problem,) = check_distance_learning(True, structure_in_region=False)
    assert (problem.field, problem.rule) == ("modalite_enseignement", "F4")


# --- F14 duplicated sessions ---------------------------------------------------------------


def test_r_f14_duplicated_session_warns_until_contact_and_lieux_are_checked() -> None:
    assert check_copy_checked(False, []) == []
    problems = check_copy_checked(True, ["Atelier de Caen"])
    assert [(p.field, p.severity, p.rule) for p in problems] == [
        ("contact", WARNING, "F14"),
        ("lieux", WARNING, "F14"),
    ]
    assert problems[1].message == (
        "Session dupliquée : vérifiez le lieu « Atelier de Caen » (ouvrez-le et enregistrez-le)."
    )


def test_r_f14_next_year_copy_needs_an_active_certification_and_an_open_formation() -> None:
    assert check_next_year_copy() == []
    problems = check_next_year_copy(
        certification_code="RNCP35030",
        certification_active=False,
        formation_etat_libelle="Archivée",
        formation_takes_sessions=False,
    )
    assert [p.message for p in problems] == [
        "La certification RNCP35030 n'est plus active.",
        "La formation est « Archivée » : pas de nouvelle session.",
    ]
    assert {p.rule for p in problems} == {"F14"}


def test_session_problems_on_the_formation_page_say_which_session() -> None:
    (problem,) = for_session("150755S", check_session_dates(None, date(2026, 7, 6)))
    assert problem.message == "Session 150755S : La date de début est obligatoire."
    assert (problem.field, problem.rule) == ("date_debut", "F1")


@pytest.mark.parametrize(
    ("problems", "rule"),
    [
        (check_session_dates(date(2026, 9, 2), date(2026, 9, 1)), "F1"),
        (check_start_before_certification_end(date(2026, 9, 1), date(2026, 9, 1)), "F2"),
        (check_formateurs([]), "F3"),
        (
            check_lieux_formation(
                [], entierement_a_distance=False, structure_in_region=True, region_code=NORMANDIE
            ),
            "F4",
        ),
        (check_session_contact(2), "F5"),
        (check_lieu_inscription(""), "F12"),
    ],
    ids=["F1", "F2", "F3", "F4", "F5", "F12"],
)
def test_r_session_problems_name_their_rule(problems: list[Problem], rule: str) -> None:
    assert problems and {p.rule for p in problems} == {rule}


# --- F1 short and individualised sessions: one yearly session ----------------------------------


@pytest.mark.parametrize(
    ("hours", "aif", "debut", "fin", "esp", "bad"),
    [
        (35, False, date(2027, 1, 1), date(2027, 12, 31), True, set()),
        (35, False, date(2027, 1, 1), date(2028, 3, 31), True, set()),  # the last trainees, up to 31/03
        (35, False, date(2027, 1, 1), date(2028, 4, 1), True, {"date_fin"}),
        (35, False, date(2027, 1, 1), date(2027, 12, 30), True, {"date_fin"}),
        (35, False, date(2027, 1, 2), date(2027, 12, 31), True, {"date_debut"}),
        (35, False, date(2027, 1, 1), date(2027, 12, 31), False, {"entree_sortie_permanente"}),
        (35, False, date(2027, 3, 1), date(2027, 3, 5), False, {"date_debut", "date_fin", "entree_sortie_permanente"}),
        ("35,5", False, date(2027, 3, 1), date(2027, 3, 5), False, set()),  # more than 35 hours: dated
        (36, False, date(2027, 3, 1), date(2027, 3, 5), False, set()),
        (7, False, date(2027, 3, 1), date(2027, 3, 1), False, {"date_debut", "date_fin", "entree_sortie_permanente"}),
        (400, True, date(2027, 3, 1), date(2027, 9, 30), False, {"date_debut", "date_fin", "entree_sortie_permanente"}),
        (400, True, date(2027, 1, 1), date(2027, 12, 31), True, set()),
        (None, False, date(2027, 3, 1), date(2027, 3, 5), False, set()),  # no duration: not judged here
        (35, False, None, date(2027, 3, 5), False, set()),  # missing dates: F1's other check says so
    ],
)
def test_r_f1_short_or_individualised_session_is_yearly(hours, aif, debut, fin, esp, bad):
    assert {p.field for p in check_yearly_session(hours, aif, debut, fin, esp)} == bad


def test_r_f1_yearly_session_messages_say_what_to_type():
    problems = check_yearly_session(21, False, date(2027, 5, 3), date(2027, 5, 5), False)
    assert [p.message for p in problems] == [
        "Une session d'au plus 35 heures est une session annuelle : elle commence le 01/01/2027.",
        "Une session d'au plus 35 heures est une session annuelle : elle se termine le 31/12/2027 "
        "(au plus tard le 31/03/2028).",
        "Une session d'au plus 35 heures est en entrée-sortie permanente : cochez la case.",
    ]
    assert {p.rule for p in problems} == {"F1"}
    (aif,) = check_yearly_session(70, True, date(2027, 1, 1), date(2027, 12, 31), False)
    assert aif.message == "Une session individualisée (AIF) est en entrée-sortie permanente : cochez la case."


# --- F5 référents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("of_the_session", "typed", "bad"),
    [
        (None, None, set()),  # optional
        (None, "Mme Martin, 02 31 00 00 00", set()),  # external, typed
        (True, None, set()),
        (True, "  ", set()),
        (True, "M. Petit", {"referent_handicap"}),  # one or the other
        (False, None, {"referent_handicap_contact"}),  # another organisation's contact
    ],
)
def test_r_f5_referent_is_a_contact_of_the_session_or_typed(of_the_session, typed, bad):
    assert {p.field for p in check_referent("referent_handicap", of_the_session, typed)} == bad
    assert all(p.rule == "F5" for p in check_referent("referent_mobilite", of_the_session, typed))
