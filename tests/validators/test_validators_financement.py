"""Financements F6 and the contrat de professionnalisation F7."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from app.validators import (
    check_qualiopi,
    is_public_funding,
    Financement,
    Problem,
    check_contrat_pro,
    check_financement,
    check_financements,
    prix_ttc,
)

REGION = Financement(
    financeur="F.REG",
    mesure="O780",
    allowed_mesures={"O780", "O781"},
    nb_places=12,
    prix_total=Decimal("4500.00"),
)


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


def test_r_f6_valid_financement() -> None:
    assert check_financement(REGION) == []
    aif = Financement("FAUT", "O132")  # AIF quote: Autre / Autre dispositif, no places
    assert check_financement(aif) == []


def test_r_f6_at_least_one_financement() -> None:
    assert check_financements([]) == [
        Problem("financements", "Indiquez au moins un financement.", rule="F6")
    ]
    assert check_financements([REGION]) == []


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({"financeur": ""}, {"financeur"}),
        ({"mesure": None}, {"mesure"}),
        ({"mesure": "O132"}, {"mesure"}),  # not offered by F.REG
        ({"allowed_mesures": None, "mesure": "O132"}, set()),  # cascade unknown: not judged
        ({"nb_places": 1}, set()),
        ({"nb_places": 0}, {"nb_places"}),
        ({"nb_places": -3}, {"nb_places"}),
        ({"nb_places": 2.5}, {"nb_places"}),
        ({"prix_total": 0}, set()),
        ({"prix_total": Decimal("-0.01")}, {"prix_total"}),
        ({"frais_inscription": "-1"}, {"frais_inscription"}),
        ({"prix_ht": "1200,50", "tva": 20, "prix_ttc": "1440.60"}, set()),
        ({"prix_ttc": "gratuit"}, {"prix_ttc"}),
    ],
)
def test_r_f6_financement_fields(changes: dict[str, object], bad: set[str]) -> None:
    assert fields(check_financement(replace(REGION, **changes))) == bad


def test_r_f6_list_problems_are_numbered_fieldlist_entries() -> None:
    problems = check_financements([REGION, replace(REGION, nb_places=0)])
    assert problems == [
        Problem(
            "financements-1-nb_places",
            "Financement n° 2 : le nombre de places doit être supérieur ou égal à 1.",
            rule="F6",
        )
    ]


CONTRAT_PRO = {"rythme_alternance": True, "certifiante": True, "code_rncp": "RNCP35030"}


def test_r_f7_contrat_pro_session_valid() -> None:
    assert check_contrat_pro([True], **CONTRAT_PRO) == []
    assert check_contrat_pro([True, True], **CONTRAT_PRO) == []


def test_r_f7_no_rule_without_contrat_pro() -> None:
    assert (
        check_contrat_pro(
            [False, False], rythme_alternance=False, certifiante=False, code_rncp=None
        )
        == []
    )


def test_r_f7_no_other_dispositif_in_the_session() -> None:
    assert fields(check_contrat_pro([True, False], **CONTRAT_PRO)) == {"financements"}


def test_r_f7_rythme_en_alternance_required() -> None:
    assert fields(check_contrat_pro([True], **{**CONTRAT_PRO, "rythme_alternance": False})) == {
        "rythmes"
    }


@pytest.mark.parametrize(
    ("certifiante", "code"),
    [(False, "RNCP35030"), (True, None), (True, "RS5000"), (True, "RNCP")],
)
def test_r_f7_certifiante_with_valid_rncp(certifiante: bool, code: str | None) -> None:
    problems = check_contrat_pro(
        [True], rythme_alternance=True, certifiante=certifiante, code_rncp=code
    )
    assert fields(problems) == {"certifications"}


# --- C6 Qualiopi ------------------------------------------------------------------------------


@pytest.mark.parametrize("financeur, mesure, public", [
    ("2", "CR-PRF", True), ("4", "FT-AIF", True), ("16", "OPCO-PDC", True), ("7", "X", True),
    ("10", "CPF", True), ("10", "AUTOFIN", False), ("5", "ENT-PLAN", False), ("0", "AUTRE", False),
    (None, None, False),
])
def test_r_c6_public_funding_by_financeur_or_cpf(financeur, mesure, public):
    assert is_public_funding(financeur, mesure) is public


def test_r_c6_public_funding_needs_qualiopi_action_de_formation():
    problems = check_qualiopi(public_funding=True, apprentissage=False, qualiopi_action_formation=False,
                              qualiopi_apprentissage=False)
    assert [p.message for p in problems] == [
        "Un financement public demande la certification Qualiopi « actions de formation » de l'organisme "
        "responsable."]
    assert check_qualiopi(public_funding=True, apprentissage=False, qualiopi_action_formation=True,
                          qualiopi_apprentissage=False) == []


def test_r_c6_apprentissage_needs_qualiopi_apprentissage_and_private_training_needs_none():
    problems = check_qualiopi(public_funding=True, apprentissage=True, qualiopi_action_formation=True,
                              qualiopi_apprentissage=False)
    assert "par apprentissage" in problems[0].message
    assert problems[0].rule == "C6"
    assert check_qualiopi(public_funding=True, apprentissage=True, qualiopi_action_formation=False,
                          qualiopi_apprentissage=True) == []
    assert check_qualiopi(public_funding=False, apprentissage=False, qualiopi_action_formation=False,
                          qualiopi_apprentissage=False) == []


@pytest.mark.parametrize(
    ("problems", "rule"),
    [
        (check_financements([]), "F6"),
        (check_financements([replace(REGION, mesure="X", nb_places=0)]), "F6"),
        (check_contrat_pro([True, False], **CONTRAT_PRO), "F7"),
        (
            check_qualiopi(
                public_funding=True,
                apprentissage=False,
                qualiopi_action_formation=False,
                qualiopi_apprentissage=False,
            ),
            "C6",
        ),
    ],
    ids=["F6", "F6-nested", "F7", "C6"],
)
def test_r_financement_problems_name_their_rule(problems: list[Problem], rule: str) -> None:
    assert problems and {p.rule for p in problems} == {rule}


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({"prix_ht": "1000", "tva": "20", "prix_ttc": "1200"}, set()),
        ({"prix_ht": "1000", "tva": "0", "prix_ttc": "1000.00"}, set()),  # exonérée
        ({"prix_ht": "1000", "tva": "100", "prix_ttc": "2000"}, set()),
        ({"prix_ht": "1000", "tva": "100.01"}, {"tva"}),
        ({"prix_ht": "1000", "tva": "-0.01"}, {"tva"}),
        ({"prix_ht": "1000", "tva": "240.1"}, {"tva"}),  # an amount of VAT is not a rate
        ({"prix_ht": "1000", "tva": "vingt"}, {"tva"}),
        ({"prix_ht": "99.99", "tva": "5,5", "prix_ttc": "105.49"}, set()),  # 105.48945 → 105.49
        ({"prix_ht": "99.99", "tva": "5.5", "prix_ttc": "105.48"}, {"prix_ttc"}),
        ({"prix_ht": "10.10", "tva": "5", "prix_ttc": "10.61"}, set()),  # 10.605 → 10.61 (half up)
        ({"prix_ht": "10.10", "tva": "5", "prix_ttc": "10.60"}, {"prix_ttc"}),
        ({"prix_ht": "1000", "prix_ttc": "1200"}, {"tva"}),  # HT and TTC: the rate says why
        ({"tva": "20", "prix_ttc": "1200"}, {"prix_ht"}),
        ({"prix_ht": "1000", "tva": "20"}, set()),  # TTC left empty: computed on save
        ({"frais_certification": "-1", "frais_additionnels": "-0.5"}, {"frais_certification", "frais_additionnels"}),
        ({"frais_certification": "150", "frais_additionnels": "49.90"}, set()),
    ],
)
def test_r_f6_fees_ht_taux_ttc_consistent(changes: dict[str, object], bad: set[str]) -> None:
    assert fields(check_financement(replace(REGION, **changes))) == bad


def test_r_f6_ttc_message_gives_the_expected_price() -> None:
    (problem,) = check_financement(replace(REGION, prix_ht="1234.5", tva="20", prix_ttc="1400"))
    assert problem.message == "Le prix TTC doit être égal au prix HT augmenté de la TVA : 1\u202f481,40 €."


@pytest.mark.parametrize(
    ("ht", "taux", "ttc"),
    [("1000", "20", Decimal("1200.00")), ("99.99", "5.5", Decimal("105.49")), ("10.10", "5", Decimal("10.61")),
     ("0", "20", Decimal("0.00")), (None, "20", None), ("1000", None, None), ("1000", "x", None)],
)
def test_r_f6_prix_ttc_rounded_to_the_cent(ht, taux, ttc) -> None:
    assert prix_ttc(ht, taux) == ttc
