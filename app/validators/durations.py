"""Session durations in hours (F10).

Centre, entreprise and totale are whole hours (LHEO nombre-heures-* are integers); the weekly
duration may be decimal (17,5 h). The input guide insists: leave centre/entreprise empty when
there are none, never 0, and the total is required and never 0.
"""

from __future__ import annotations

from decimal import Decimal

from . import Problem
from .common import NotANumber, check_number, to_number

HOURS_PER_WEEK_MAX = 168  # hours in a week

Hours = int | float | Decimal


def compute_duree_totale(centre: Hours | None, entreprise: Hours | None) -> Hours | None:
    """Totale = centre + entreprise; None when both are empty (the total is then typed in)."""
    if centre is None and entreprise is None:
        return None
    return (centre or 0) + (entreprise or 0)


def _number_or_none(value: object) -> Decimal | None:
    try:
        return to_number(value)
    except NotANumber:
        return None


def _check_positive(
    value: object,
    field: str,
    label: str,
    *,
    zero_message: str,
    integer: bool = True,
    required: bool = False,
    maximum: int | None = None,
) -> list[Problem]:
    """A duration that is either empty or > 0 (0 gets `zero_message`, the guide's wording)."""
    problems = check_number(
        value,
        field,
        label,
        integer=integer,
        required=required,
        maximum=maximum,
        feminine=True,
        rule="F10",
    )
    if problems:
        return problems
    number = _number_or_none(value)
    if number is not None and number == 0:
        return [Problem(field, zero_message, rule="F10")]
    if number is not None and number < 0:
        return [Problem(field, f"{label} doit être supérieure à 0.", rule="F10")]
    return []


def _empty_not_zero(label: str, where: str) -> str:
    return (
        f"{label} ne peut pas être 0 : laissez le champ vide si aucune heure "
        f"n'est dispensée {where}."
    )


def check_durees(
    centre: Hours | None,
    entreprise: Hours | None,
    totale: Hours | None,
    hebdomadaire: Hours | None = None,
) -> list[Problem]:
    """F10: centre/entreprise optional, > 0 when given; totale required, > 0 and equal to
    centre + entreprise when either is given; hebdomadaire in ]0, 168] when given."""
    problems = _check_positive(
        centre,
        "duree_centre",
        "La durée en centre",
        zero_message=_empty_not_zero("La durée en centre", "en centre"),
    )
    problems += _check_positive(
        entreprise,
        "duree_entreprise",
        "La durée en entreprise",
        zero_message=_empty_not_zero("La durée en entreprise", "en entreprise"),
    )
    problems += _check_positive(
        totale,
        "duree_totale",
        "La durée totale",
        zero_message="La durée totale doit être supérieure à 0.",
        required=True,
    )
    parts = [_number_or_none(centre), _number_or_none(entreprise)]
    if not problems and any(p is not None for p in parts):
        expected = sum(p for p in parts if p is not None)
        if _number_or_none(totale) != expected:
            problems.append(
                Problem(
                    "duree_totale",
                    "La durée totale doit être égale à la durée en centre plus la durée en "
                    f"entreprise, soit {expected} heures.",
                    rule="F10",
                )
            )
    problems += _check_positive(
        hebdomadaire,
        "duree_hebdomadaire",
        "La durée hebdomadaire",
        zero_message="La durée hebdomadaire doit être supérieure à 0.",
        integer=False,
        maximum=HOURS_PER_WEEK_MAX,
    )
    return problems
