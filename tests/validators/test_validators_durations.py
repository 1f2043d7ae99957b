"""Session durations F10."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.validators import Problem, check_durees, compute_duree_totale


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


@pytest.mark.parametrize(
    ("centre", "entreprise", "totale"),
    [(400, 1200, 1600), (400, None, 400), (None, 1200, 1200), (None, None, None), (7.5, 7, 14.5)],
)
def test_r_f10_compute_duree_totale(
    centre: float | None, entreprise: float | None, totale: float | None
) -> None:
    assert compute_duree_totale(centre, entreprise) == totale


@pytest.mark.parametrize(
    ("centre", "entreprise", "totale", "bad"),
    [
        (400, 1200, 1600, set()),
        (400, None, 400, set()),
        (None, None, 35, set()),  # total typed in directly
        (1, None, 1, set()),  # smallest accepted durations
        (None, 1, 1, set()),
        (0, None, 35, {"duree_centre"}),  # 0 refused: leave the field empty
        (400, 0, 400, {"duree_entreprise"}),
        (-1, None, 35, {"duree_centre"}),
        (None, -1, 35, {"duree_entreprise"}),
        (None, None, None, {"duree_totale"}),  # required
        (None, None, 0, {"duree_totale"}),  # never 0
        (None, None, -5, {"duree_totale"}),
        (400, 1200, 1500, {"duree_totale"}),  # not the sum
        (400, None, 401, {"duree_totale"}),
        (Decimal("10.5"), None, 10, {"duree_centre"}),  # whole hours (LHEO long)
    ],
)
def test_r_f10_durations(centre: object, entreprise: object, totale: object, bad: set[str]) -> None:
    assert fields(check_durees(centre, entreprise, totale)) == bad  # type: ignore[arg-type]


def test_r_f10_zero_messages_follow_the_guide() -> None:
    (problem,) = check_durees(None, 0, 35)
    assert problem.message == (
        "La durée en entreprise ne peut pas être 0 : laissez le champ vide si aucune heure "
        "n'est dispensée en entreprise."
    )
    (problem,) = check_durees(None, None, 0)
    assert problem.message == "La durée totale doit être supérieure à 0."
    assert problem.rule == "F10"


def test_r_f10_total_mismatch_message_gives_the_sum() -> None:
    (problem,) = check_durees(400, 1200, 1500)
    assert "soit 1600 heures" in problem.message
    assert (problem.field, problem.rule) == ("duree_totale", "F10")


@pytest.mark.parametrize(
    ("hebdo", "ok"),
    [
        (None, True),
        (35, True),
        (17.5, True),
        ("17,5", True),
        (168, True),
        (0.5, True),
        (168.5, False),
        (169, False),
        (0, False),
        (-1, False),
        ("beaucoup", False),
    ],
)
def test_r_f10_hebdomadaire_bounds(hebdo: object, ok: bool) -> None:
    problems = check_durees(None, None, 35, hebdo)  # type: ignore[arg-type]
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"duree_hebdomadaire"}


def test_r_f10_problems_name_their_rule() -> None:
    problems = check_durees("x", 0, None, 200)
    assert {p.field for p in problems} == {
        "duree_centre",
        "duree_entreprise",
        "duree_totale",
        "duree_hebdomadaire",
    }
    assert {p.rule for p in problems} == {"F10"}
