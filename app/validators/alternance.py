"""Cycles de l'alternance of a session (F8), required for apprentissage (with E6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import WARNING, Problem
from .common import check_number, nested, text, to_number

DAY, WEEK, MONTH = "day", "week", "month"
RYTHME_UNITS = (DAY, WEEK, MONTH)

# LHEO dict-unite-rythme codes and French labels accepted on input (2 jour, 3 semaine, 4 mois).
_UNIT_ALIASES = {
    "2": DAY,
    "jour": DAY,
    "jours": DAY,
    "3": WEEK,
    "semaine": WEEK,
    "semaines": WEEK,
    "4": MONTH,
    "mois": MONTH,
}


@dataclass(frozen=True)
class Cycle:
    annee: int | None  # year of the cycle, 1..durée de cycle
    effectif_minimal: int | None = None
    capacite_simultanee: int | None = None
    capacite_cumulee: int | None = None
    rythme_unite: str | None = None  # DAY, WEEK or MONTH
    rythme_centre: int | None = None  # units spent in the centre
    rythme_entreprise: int | None = None  # units spent in the company
    type_cycle: str | None = None  # LHEO dict-type-cycle; not constrained here
    type_alternance: str | None = None


def normalize_rythme_unit(value: object) -> str:
    """ "week" from "week", "3", "Semaine"…; unknown values are returned lower-cased."""
    unit = text(value).lower()
    return _UNIT_ALIASES.get(unit, unit)


def _check_rythme(cycle: Cycle) -> list[Problem]:
    problems: list[Problem] = []
    given = [cycle.rythme_centre, cycle.rythme_entreprise]
    unit = normalize_rythme_unit(cycle.rythme_unite)
    if unit and unit not in RYTHME_UNITS:
        problems.append(
            Problem(
                "rythme_unite",
                "L'unité du rythme doit être le jour, la semaine ou le mois.",
                rule="F8",
            )
        )
    elif not unit and any(v is not None for v in given):
        problems.append(
            Problem("rythme_unite", "Précisez l'unité du rythme d'alternance.", rule="F8")
        )
    problems += check_number(
        cycle.rythme_centre, "rythme_centre", "Le nombre d'unités en centre", minimum=0, rule="F8"
    )
    problems += check_number(
        cycle.rythme_entreprise,
        "rythme_entreprise",
        "Le nombre d'unités en entreprise",
        minimum=0,
        rule="F8",
    )
    return problems


def check_cycle(cycle: Cycle, duree_cycle: int | None) -> list[Problem]:
    """F8 for one cycle: année in 1..durée de cycle, non-negative integer counts,
    capacité cumulée ≥ capacité simultanée, rythme unit day/week/month."""
    problems: list[Problem] = []
    if duree_cycle is None:
        problems.append(
            Problem(
                "annee",
                "Renseignez d'abord la durée de cycle dans la fiche formation "
                "pour choisir l'année.",
                rule="F8",
            )
        )
    else:
        problems += check_number(
            cycle.annee,
            "annee",
            "L'année du cycle",
            minimum=1,
            maximum=duree_cycle,
            required=True,
            feminine=True,
            rule="F8",
        )
    problems += check_number(
        cycle.effectif_minimal, "effectif_minimal", "L'effectif minimal", minimum=0, rule="F8"
    )
    for field, label in (
        ("capacite_simultanee", "La capacité simultanée"),
        ("capacite_cumulee", "La capacité cumulée"),
    ):
        problems += check_number(
            getattr(cycle, field), field, label, minimum=0, feminine=True, rule="F8"
        )
    problems += _check_capacities(cycle, problems)
    problems += _check_rythme(cycle)
    return problems


def _check_capacities(cycle: Cycle, earlier: list[Problem]) -> list[Problem]:
    fields = {"effectif_minimal", "capacite_simultanee", "capacite_cumulee"}
    if any(p.field in fields for p in earlier):
        return []  # bad numbers are already reported; comparing them would only add noise
    minimal = to_number(cycle.effectif_minimal)
    simultanee = to_number(cycle.capacite_simultanee)
    cumulee = to_number(cycle.capacite_cumulee)
    problems: list[Problem] = []
    if simultanee is not None and cumulee is not None and cumulee < simultanee:
        problems.append(
            Problem(
                "capacite_cumulee",
                "La capacité cumulée doit être supérieure ou égale à la capacité simultanée.",
                rule="F8",
            )
        )
    capacity = cumulee if cumulee is not None else simultanee
    if minimal is not None and capacity is not None and minimal > capacity:
        # Not forbidden by the guide, but a session could then never open.
        problems.append(
            Problem(
                "effectif_minimal",
                "L'effectif minimal dépasse la capacité d'accueil : "
                "la session ne pourrait pas ouvrir.",
                WARNING,
                rule="F8",
            )
        )
    return problems


def check_cycles(
    cycles: Sequence[Cycle], duree_cycle: int | None, apprentissage: bool
) -> list[Problem]:
    """F8 for the session: at least one cycle for apprentissage, each année at most once."""
    problems: list[Problem] = []
    if apprentissage and not cycles:
        problems.append(
            Problem(
                "cycles",
                "Les cycles de l'alternance sont obligatoires pour l'apprentissage.",
                rule="F8",
            )
        )
    for index, cycle in enumerate(cycles):
        problems += nested(check_cycle(cycle, duree_cycle), "cycles", index, "Cycle")
    years = [text(cycle.annee) for cycle in cycles if text(cycle.annee)]
    for year in sorted({y for y in years if years.count(y) > 1}):
        problems.append(
            Problem("cycles", f"L'année {year} du cycle est saisie plusieurs fois.", rule="F8")
        )
    return problems


def check_cycle_year_not_described(
    annee: int | None, other_years: Sequence[int | None]
) -> list[Problem]:
    """F8, when one year of the cycle is added or changed: the session describes it once."""
    if annee is None or text(annee) not in {text(other) for other in other_years}:
        return []
    return [
        Problem(
            "annee", f"L'année {annee} du cycle est déjà décrite pour cette session.", rule="F8"
        )
    ]
