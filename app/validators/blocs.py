"""Blocs de compétences of a session, per certification (F9)."""

from __future__ import annotations

from collections.abc import Collection

from . import WARNING, Problem
from .common import text
from .identifiers import normalize_bloc_code

PARTIELLE, TOTALE, MIXTE = "partielle", "totale", "mixte"
VALIDATION_TYPES = (PARTIELLE, TOTALE, MIXTE)

# LHEO dict-type-validation-blocs codes (0 partielle, 1 totale, 2 mixte) are accepted too.
_ALIASES = {"0": PARTIELLE, "1": TOTALE, "2": MIXTE}


def normalize_validation_type(value: object) -> str:
    raw = text(value).lower()
    return _ALIASES.get(raw, raw)


def check_blocs(
    validation_type: str | None,
    selected: Collection[str],
    certification_blocs: Collection[str],
    *,
    apprentissage: bool,
    certification_code: str = "",
) -> list[Problem]:
    """F9: type partielle/totale/mixte; totale or mixte ⇒ every bloc of the certification;
    partielle ⇒ at least one; apprentissage ⇒ totale.

    A certification without blocs (not yet described by France compétences) needs nothing.
    Outside apprentissage the section is optional: no type and no bloc is fine.
    """
    field = "blocs"
    prefix = f"{text(certification_code)} : " if text(certification_code) else ""
    all_blocs = {normalize_bloc_code(code) for code in certification_blocs}
    chosen = {normalize_bloc_code(code) for code in selected}
    kind = normalize_validation_type(validation_type)
    if not all_blocs:
        return []
    if not kind:
        if apprentissage:
            return [
                Problem(
                    field,
                    prefix + "Choisissez la validation totale des blocs (apprentissage).",
                    rule="F9",
                )
            ]
        if chosen:
            return [Problem(field, prefix + "Précisez le type de validation des blocs.", rule="F9")]
        return []
    if kind not in VALIDATION_TYPES:
        return [
            Problem(
                field,
                prefix + "Le type de validation doit être partielle, totale ou mixte.",
                rule="F9",
            )
        ]
    problems: list[Problem] = []
    unknown = sorted(chosen - all_blocs)
    if unknown:
        problems.append(
            Problem(
                field,
                prefix + f"Bloc(s) n'appartenant pas à la certification : {', '.join(unknown)}.",
                rule="F9",
            )
        )
    if apprentissage and kind != TOTALE:
        problems.append(
            Problem(
                field, prefix + "Pour l'apprentissage, la validation doit être totale.", rule="F9"
            )
        )
    if kind in (TOTALE, MIXTE) and not all_blocs <= chosen:
        problems.append(
            Problem(
                field,
                prefix + f"Une validation {kind} comprend tous les blocs de la certification.",
                rule="F9",
            )
        )
    if kind == PARTIELLE:
        if not chosen:
            problems.append(
                Problem(
                    field,
                    prefix + "Sélectionnez au moins un bloc pour une validation partielle.",
                    rule="F9",
                )
            )
        elif all_blocs <= chosen:
            problems.append(
                Problem(
                    field,
                    prefix
                    + "Tous les blocs sont sélectionnés : choisissez plutôt une validation totale.",
                    WARNING,
                    rule="F9",
                )
            )
    return problems


def check_blocs_of_formation(
    selected: Collection[str], formation_blocs: Collection[str]
) -> list[Problem]:
    """F9: every bloc chosen for a session belongs to one of its formation's certifications."""
    known = {normalize_bloc_code(code) for code in formation_blocs}
    foreign = sorted({normalize_bloc_code(code) for code in selected} - known)
    if not foreign:
        return []
    return [
        Problem(
            "blocs",
            "Bloc(s) n'appartenant à aucune certification de la formation : "
            + ", ".join(foreign)
            + ".",
            rule="F9",
        )
    ]
