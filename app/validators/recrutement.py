"""Recrutement modalities of a session (F13), as France Travail consumes them.

ICO (information collective, MR.09) and RDVI (rendez-vous individuel, MR.08) are one-day
events with hours, places and an address; ISC (inscription sur candidature, MR.07) is a
candidature period. At least one of the three is required; MR.01 to MR.06 are documentary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from itertools import combinations

from . import Problem
from .common import check_max_length, check_number, check_required, nested, text
from .identifiers import check_code_insee, check_code_postal, check_url

ISC, RDVI, ICO = "MR.07", "MR.08", "MR.09"
MODALITES = {
    "MR.01": "Méthode de recrutement par simulation",
    "MR.02": "Concours",
    "MR.03": "Dossier",
    "MR.04": "Tests pratiques",
    "MR.05": "Épreuves écrites",
    "MR.06": "Épreuves orales",
    ISC: "Inscription sur candidature (ISC)",
    RDVI: "Rendez-vous individuel (RDVI)",
    ICO: "Information collective (ICO)",
}
POSITIONING = (ISC, RDVI, ICO)  # the modalities that let a job seeker apply online

EARLIEST_START = time(7, 0)
LATEST_END = time(20, 0)
MEETING_PLACES_MAX = 299  # ICO, RDVI
ISC_PLACES_MAX = 999
COMMENT_MAX = 500

_CODE = re.compile(r"^(?:MR)?\.?0?([0-9])$")


@dataclass(frozen=True)
class RecrutementEvent:
    modalite: str  # "MR.01".."MR.09"
    numero: str | None = None  # unique within the session
    date_debut: date | None = None  # ICO/RDVI: the day; ISC: start of the candidature period
    date_fin: date | None = None  # ICO/RDVI: same day (or empty); ISC: end of the period
    heure_debut: time | None = None
    heure_fin: time | None = None
    nb_places: int | None = None
    commentaire: str = ""
    a_distance: bool = False
    adresse_ligne1: str = ""
    ville: str = ""
    code_postal: str = ""
    code_insee: str = ""
    url: str = ""


def normalize_modalite(value: object) -> str:
    """ "MR.09" from "MR.09", "mr09", "MR9" or LHEO's "9"; unknown values upper-cased."""
    code = "".join(text(value).upper().split())
    match = _CODE.match(code)
    return f"MR.0{match.group(1)}" if match else code


def check_recrutement_event(
    event: RecrutementEvent, *, session_fin: date | None, today: date
) -> list[Problem]:
    """F13 for one modality (the "Ajouter" dialog).

    The "date ≥ today" rule of ICO/RDVI applies when an event is entered or changed; callers
    re-checking a saved session should not submit unchanged past events to it.
    """
    kind = normalize_modalite(event.modalite)
    if kind not in MODALITES:
        return [
            Problem(
                "modalite",
                "Choisissez une modalité de recrutement de la liste (MR.01 à MR.09).",
                rule="F13",
            )
        ]
    problems = check_max_length(
        event.commentaire, "commentaire", "Le commentaire", COMMENT_MAX, rule="F13"
    )
    problems += check_url(event.url, "url")
    if kind in (ICO, RDVI):
        problems += _check_meeting(event, session_fin, today)
    elif kind == ISC:
        problems += _check_isc(event, session_fin)
    return problems


def _check_numero(event: RecrutementEvent) -> list[Problem]:
    return check_required(
        event.numero,
        "numero",
        "Le numéro de la modalité de recrutement est obligatoire.",
        rule="F13",
    )


def _check_meeting(event: RecrutementEvent, session_fin: date | None, today: date) -> list[Problem]:
    problems = _check_numero(event)
    problems += _check_meeting_date(event, session_fin, today)
    problems += _check_hours(event.heure_debut, event.heure_fin)
    problems += check_number(
        event.nb_places,
        "nb_places",
        "Le nombre de places",
        minimum=1,
        maximum=MEETING_PLACES_MAX,
        required=True,
        rule="F13",
    )
    if not event.a_distance:
        problems += _check_address(event)
    return problems


def _check_meeting_date(
    event: RecrutementEvent, session_fin: date | None, today: date
) -> list[Problem]:
    day = event.date_debut
    if day is None:
        return [Problem("date_debut", "La date est obligatoire.", rule="F13")]
    problems: list[Problem] = []
    if event.date_fin is not None and event.date_fin != day:
        problems.append(
            Problem(
                "date_fin",
                "Une ICO ou un RDVI dure un seul jour : "
                "la date de fin doit être égale à la date de début.",
                rule="F13",
            )
        )
    if day < today:
        problems.append(
            Problem(
                "date_debut",
                "La date doit être postérieure ou égale à la date du jour.",
                rule="F13",
            )
        )
    if session_fin is not None and day > session_fin:
        problems.append(
            Problem(
                "date_debut",
                "La date ne doit pas être postérieure à la date de fin de la session "
                f"({session_fin:%d/%m/%Y}).",
                rule="F13",
            )
        )
    return problems


def _check_hours(debut: time | None, fin: time | None) -> list[Problem]:
    problems: list[Problem] = []
    if debut is None:
        problems.append(Problem("heure_debut", "L'heure de début est obligatoire.", rule="F13"))
    elif debut < EARLIEST_START:
        problems.append(
            Problem(
                "heure_debut",
                f"L'heure de début doit être au plus tôt {EARLIEST_START:%H:%M}.",
                rule="F13",
            )
        )
    if fin is None:
        problems.append(Problem("heure_fin", "L'heure de fin est obligatoire.", rule="F13"))
    elif fin > LATEST_END:
        problems.append(
            Problem(
                "heure_fin",
                f"L'heure de fin doit être au plus tard {LATEST_END:%H:%M}.",
                rule="F13",
            )
        )
    if debut is not None and fin is not None and fin <= debut:
        problems.append(
            Problem(
                "heure_fin", "L'heure de fin doit être postérieure à l'heure de début.", rule="F13"
            )
        )
    return problems


def _check_address(event: RecrutementEvent) -> list[Problem]:
    """France Travail's address rules for every LHEO address (unless the event is à distance)."""
    problems = check_required(
        event.adresse_ligne1,
        "adresse_ligne1",
        "La première ligne de l'adresse est obligatoire (sauf à distance).",
        rule="F13",
    )
    problems += check_required(
        event.ville, "ville", "La ville est obligatoire (sauf à distance).", rule="F13"
    )
    problems += check_code_postal(event.code_postal, "code_postal", required=True, rule="F13")
    problems += check_code_insee(event.code_insee, "code_insee")
    return problems


def _check_isc(event: RecrutementEvent, session_fin: date | None) -> list[Problem]:
    problems = _check_numero(event)
    problems += check_number(
        event.nb_places,
        "nb_places",
        "Le nombre de places",
        minimum=1,
        maximum=ISC_PLACES_MAX,
        required=True,
        rule="F13",
    )
    start, end = event.date_debut, event.date_fin
    if start is None:
        problems.append(
            Problem(
                "date_debut",
                "La date de début de la période de candidature est obligatoire.",
                rule="F13",
            )
        )
    if end is None:
        problems.append(
            Problem(
                "date_fin",
                "La date de fin de la période de candidature est obligatoire.",
                rule="F13",
            )
        )
    if start is not None and end is not None and start > end:
        problems.append(
            Problem(
                "date_fin",
                "La fin de la période de candidature doit être postérieure ou égale à son début.",
                rule="F13",
            )
        )
    # "antérieure à la date de fin de la formation": strictly before the session's last day.
    if start is not None and session_fin is not None and start >= session_fin:
        problems.append(
            Problem(
                "date_debut",
                "La période de candidature doit commencer avant la date de fin de la session "
                f"({session_fin:%d/%m/%Y}).",
                rule="F13",
            )
        )
    return problems


def check_recrutements(
    events: Sequence[RecrutementEvent], *, session_fin: date | None, today: date
) -> list[Problem]:
    """F13 for the session: one of ISC/RDVI/ICO at least, each event valid, numbers unique,
    ISC periods never overlapping."""
    problems: list[Problem] = []
    kinds = [normalize_modalite(event.modalite) for event in events]
    if not set(kinds) & set(POSITIONING):
        problems.append(
            Problem(
                "recrutements",
                "Indiquez au moins une modalité de recrutement parmi : inscription sur candidature "
                "(ISC), rendez-vous individuel (RDVI) ou information collective (ICO).",
                rule="F13",
            )
        )
    for index, event in enumerate(events):
        problems += nested(
            check_recrutement_event(event, session_fin=session_fin, today=today),
            "recrutements",
            index,
            "Modalité de recrutement",
        )
    problems += _check_unique_numbers(events)
    problems += _check_isc_overlaps(events, kinds)
    return problems


def _check_unique_numbers(events: Sequence[RecrutementEvent]) -> list[Problem]:
    numbers = [text(event.numero) for event in events if text(event.numero)]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    return [
        Problem(
            "recrutements",
            f"Le numéro « {n} » est utilisé plusieurs fois : chaque numéro doit être unique.",
            rule="F13",
        )
        for n in duplicates
    ]


def _check_isc_overlaps(events: Sequence[RecrutementEvent], kinds: Sequence[str]) -> list[Problem]:
    """Periods are inclusive: one ending the day another starts overlaps it (both are open
    that day), so consecutive periods must leave a day between end and next start."""
    periods = [
        (index, event.date_debut, event.date_fin)
        for index, (event, kind) in enumerate(zip(events, kinds, strict=True))
        if kind == ISC
        and event.date_debut
        and event.date_fin
        and event.date_debut <= event.date_fin
    ]
    problems = []
    for (i, start_a, end_a), (j, start_b, end_b) in combinations(periods, 2):
        if start_a <= end_b and start_b <= end_a:
            problems.append(
                Problem(
                    "recrutements",
                    f"Les périodes de candidature n° {i + 1} et n° {j + 1} se chevauchent : "
                    "les périodes d'une même session ne doivent pas se chevaucher.",
                    rule="F13",
                )
            )
    return problems


def check_recrutement_against(
    event: RecrutementEvent, others: Sequence[RecrutementEvent]
) -> list[Problem]:
    """F13 for one modality being added or changed, against the session's other ones: its
    number is not used by another, and an ISC period overlaps no other ISC period (inclusive,
    as in `check_recrutements`)."""
    problems: list[Problem] = []
    numero = text(event.numero)
    if numero and any(text(other.numero) == numero for other in others):
        problems.append(
            Problem(
                "numero",
                f"Le numéro « {numero} » est déjà utilisé par une autre modalité de la session.",
                rule="F13",
            )
        )
    start, end = event.date_debut, event.date_fin
    if normalize_modalite(event.modalite) != ISC or not start or not end or start > end:
        return problems
    for other in others:
        if normalize_modalite(other.modalite) != ISC or not other.date_debut or not other.date_fin:
            continue
        if start <= other.date_fin and other.date_debut <= end:
            problems.append(
                Problem(
                    "date_debut",
                    "Cette période de candidature chevauche celle du "
                    f"{other.date_debut:%d/%m/%Y} au {other.date_fin:%d/%m/%Y} : les périodes "
                    "d'une même session ne doivent pas se chevaucher.",
                    rule="F13",
                )
            )
    return problems
