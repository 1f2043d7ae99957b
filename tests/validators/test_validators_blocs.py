"""Blocs de compétences F9."""

from __future__ import annotations

import pytest

from app.validators import (
    WARNING,
    check_blocs,
    check_blocs_of_formation,
    has_errors,
    normalize_validation_type,
)

BLOCS = ["RNCP509BC01", "RNCP509BC02", "RNCP509BC03"]


@pytest.mark.parametrize("kind", ["totale", "mixte", "1", "2", "Totale"])
def test_r_f9_totale_or_mixte_with_all_blocs(kind: str) -> None:
    assert check_blocs(kind, BLOCS, BLOCS, apprentissage=False) == []


@pytest.mark.parametrize("kind", ["totale", "mixte"])
def test_r_f9_totale_or_mixte_missing_a_bloc_refused(kind: str) -> None:
    problems = check_blocs(kind, BLOCS[:2], BLOCS, apprentissage=False)
    assert has_errors(problems)
    assert "tous les blocs" in problems[0].message
    assert problems[0].rule == "F9"


def test_r_f9_partielle_needs_at_least_one_bloc() -> None:
    assert check_blocs("partielle", BLOCS[:1], BLOCS, apprentissage=False) == []
    assert has_errors(check_blocs("partielle", [], BLOCS, apprentissage=False))


def test_r_f9_partielle_with_every_bloc_is_a_warning() -> None:
    problems = check_blocs("partielle", BLOCS, BLOCS, apprentissage=False)
    assert [p.severity for p in problems] == [WARNING]


@pytest.mark.parametrize(
    ("kind", "ok"), [("totale", True), ("mixte", False), ("partielle", False), (None, False)]
)
def test_r_f9_apprentissage_requires_totale(kind: str | None, ok: bool) -> None:
    selected = BLOCS if kind != "partielle" else BLOCS[:1]
    assert (check_blocs(kind, selected, BLOCS, apprentissage=True) == []) is ok


def test_r_f9_optional_outside_apprentissage() -> None:
    assert check_blocs(None, [], BLOCS, apprentissage=False) == []
    assert has_errors(check_blocs(None, BLOCS[:1], BLOCS, apprentissage=False))


def test_r_f9_certification_without_blocs_needs_nothing() -> None:
    assert check_blocs(None, [], [], apprentissage=True) == []


def test_r_f9_unknown_type_and_foreign_bloc_refused() -> None:
    assert has_errors(check_blocs("complete", BLOCS, BLOCS, apprentissage=False))
    problems = check_blocs("partielle", ["RNCP999BC01"], BLOCS, apprentissage=False)
    assert "RNCP999BC01" in problems[0].message
    assert problems[0].rule == "F9"


def test_r_f9_messages_name_the_certification() -> None:
    problems = check_blocs(
        "partielle", [], BLOCS, apprentissage=False, certification_code="RNCP509"
    )
    assert problems[0].message.startswith("RNCP509 : ")
    assert problems[0].field == "blocs"


def test_r_f9_validation_type_normalised() -> None:
    assert [normalize_validation_type(v) for v in ("0", "1", "2", " Mixte ")] == [
        "partielle",
        "totale",
        "mixte",
        "mixte",
    ]


def test_r_f9_blocs_belong_to_a_certification_of_the_formation() -> None:
    other = ["RNCP35030BC01"]
    assert check_blocs_of_formation(BLOCS[:1] + other, BLOCS + other) == []
    (problem,) = check_blocs_of_formation(["rncp999bc01", *BLOCS], BLOCS)
    assert problem.message == (
        "Bloc(s) n'appartenant à aucune certification de la formation : RNCP999BC01."
    )
    assert (problem.field, problem.rule) == ("blocs", "F9")
