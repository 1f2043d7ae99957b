"""Cycles de l'alternance F8."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.validators import (
    WARNING,
    Cycle,
    Problem,
    check_cycle,
    check_cycle_year_not_described,
    check_cycles,
    normalize_rythme_unit,
)

# The seed's example: année 1, effectif minimal 5, capacités 12/12, 2 semaines / 2 semaines.
ANNEE_1 = Cycle(
    annee=1,
    effectif_minimal=5,
    capacite_simultanee=12,
    capacite_cumulee=12,
    rythme_unite="week",
    rythme_centre=2,
    rythme_entreprise=2,
)


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


def test_r_f8_seed_example_valid() -> None:
    assert check_cycle(ANNEE_1, duree_cycle=2) == []
    assert check_cycles([ANNEE_1, replace(ANNEE_1, annee=2)], 2, apprentissage=True) == []


def test_r_f8_cycles_required_for_apprentissage() -> None:
    assert fields(check_cycles([], 2, apprentissage=True)) == {"cycles"}
    assert check_cycles([], None, apprentissage=False) == []


@pytest.mark.parametrize(
    ("annee", "duree", "ok"),
    [
        (1, 3, True),
        (3, 3, True),
        (0, 3, False),
        (4, 3, False),
        (None, 3, False),
        (1, 1, True),
        (2, 1, False),
    ],
)
def test_r_f8_annee_between_1_and_duree_cycle(annee: int | None, duree: int, ok: bool) -> None:
    problems = check_cycle(replace(ANNEE_1, annee=annee), duree)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"annee"}


def test_r_f8_annee_needs_duree_cycle_first() -> None:
    problems = check_cycle(ANNEE_1, duree_cycle=None)
    assert fields(problems) == {"annee"}
    assert "durée de cycle" in problems[0].message
    assert problems[0].rule == "F8"


def test_r_f8_each_annee_at_most_once() -> None:
    problems = check_cycles([ANNEE_1, ANNEE_1], 2, apprentissage=True)
    assert problems == [
        Problem("cycles", "L'année 1 du cycle est saisie plusieurs fois.", rule="F8")
    ]


@pytest.mark.parametrize("field", ["effectif_minimal", "capacite_simultanee", "capacite_cumulee"])
@pytest.mark.parametrize(("value", "ok"), [(0, True), (None, True), (-1, False), (1.5, False)])
def test_r_f8_counts_are_non_negative_integers(field: str, value: object, ok: bool) -> None:
    zeros = {"effectif_minimal": 0, "capacite_simultanee": 0, "capacite_cumulee": 0}
    cycle = replace(ANNEE_1, **{**zeros, field: value})
    problems = check_cycle(cycle, 2)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {field}


@pytest.mark.parametrize(
    ("simultanee", "cumulee", "ok"),
    [(12, 24, True), (12, 12, True), (12, 11, False), (None, 5, True), (12, None, True)],
)
def test_r_f8_capacite_cumulee_at_least_simultanee(
    simultanee: int | None, cumulee: int | None, ok: bool
) -> None:
    cycle = replace(
        ANNEE_1, effectif_minimal=None, capacite_simultanee=simultanee, capacite_cumulee=cumulee
    )
    problems = check_cycle(cycle, 2)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"capacite_cumulee"}


def test_r_f8_effectif_minimal_above_capacity_is_a_warning() -> None:
    problems = check_cycle(replace(ANNEE_1, effectif_minimal=13), 2)
    assert [p.severity for p in problems] == [WARNING]
    assert check_cycle(replace(ANNEE_1, effectif_minimal=12), 2) == []


@pytest.mark.parametrize(
    ("unit", "ok"),
    [
        ("day", True),
        ("week", True),
        ("month", True),
        ("3", True),
        ("Semaine", True),
        ("mois", True),
        ("hour", False),
        ("0", False),
        ("fortnight", False),
    ],
)
def test_r_f8_rythme_unit_day_week_month(unit: str, ok: bool) -> None:
    problems = check_cycle(replace(ANNEE_1, rythme_unite=unit), 2)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"rythme_unite"}


def test_r_f8_rythme_counts_need_a_unit_and_are_non_negative() -> None:
    assert fields(check_cycle(replace(ANNEE_1, rythme_unite=None), 2)) == {"rythme_unite"}
    assert check_cycle(replace(ANNEE_1, rythme_centre=0), 2) == []
    assert fields(check_cycle(replace(ANNEE_1, rythme_entreprise=-1), 2)) == {"rythme_entreprise"}
    empty = replace(ANNEE_1, rythme_unite=None, rythme_centre=None, rythme_entreprise=None)
    assert check_cycle(empty, 2) == []


def test_r_f8_unit_normalised() -> None:
    assert normalize_rythme_unit("3") == "week"
    assert normalize_rythme_unit(" Jour ") == "day"


def test_r_f8_cycle_problems_are_numbered() -> None:
    problems = check_cycles([ANNEE_1, replace(ANNEE_1, annee=3)], 2, apprentissage=True)
    assert [p.field for p in problems] == ["cycles-1-annee"]
    assert problems[0].message.startswith("Cycle n° 2 : l'année du cycle")
    assert problems[0].rule == "F8"  # kept by nested()


def test_r_f8_a_year_of_the_cycle_is_described_once_per_session() -> None:
    assert check_cycle_year_not_described(1, [2]) == []
    assert check_cycle_year_not_described(None, [None]) == []
    assert check_cycle_year_not_described(2, [1, 2]) == [
        Problem("annee", "L'année 2 du cycle est déjà décrite pour cette session.", rule="F8")
    ]


def test_r_f8_problems_name_their_rule() -> None:
    problems = check_cycles([Cycle(annee=3, capacite_simultanee=10, capacite_cumulee=5)], 2, True)
    assert {p.field for p in problems} == {"cycles-0-annee", "cycles-0-capacite_cumulee"}
    assert {p.rule for p in problems} == {"F8"}
    assert {p.rule for p in check_cycles([], 2, apprentissage=True)} == {"F8"}
