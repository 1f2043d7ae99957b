"""Recrutement modalities F13 (ICO, RDVI, ISC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from app.validators import (
    ICO,
    ISC,
    RDVI,
    Problem,
    RecrutementEvent,
    check_recrutement_event,
    check_recrutements,
    has_errors,
    normalize_modalite,
)

TODAY = date(2026, 3, 10)
SESSION_END = date(2026, 8, 31)

ICO_EVENT = RecrutementEvent(
    modalite=ICO,
    numero="ICO-1",
    date_debut=date(2026, 4, 2),
    date_fin=date(2026, 4, 2),
    heure_debut=time(9, 30),
    heure_fin=time(12, 0),
    nb_places=20,
    adresse_ligne1="9 rue Henri Matisse",
    ville="Montivilliers",
    code_postal="76290",
)
RDVI_EVENT = replace(ICO_EVENT, modalite=RDVI, numero="RDVI-1", nb_places=5)
ISC_EVENT = RecrutementEvent(
    modalite=ISC,
    numero="ISC-1",
    date_debut=date(2026, 3, 1),
    date_fin=date(2026, 6, 30),
    nb_places=24,
)


def check(event: RecrutementEvent) -> list[Problem]:
    return check_recrutement_event(event, session_fin=SESSION_END, today=TODAY)


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


MEETINGS = pytest.mark.parametrize("event", [ICO_EVENT, RDVI_EVENT], ids=["ico", "rdvi"])


# --- at least one of ISC/RDVI/ICO ----------------------------------------------------------


@pytest.mark.parametrize(
    "events",
    [[ICO_EVENT], [RDVI_EVENT], [ISC_EVENT], [RecrutementEvent("MR.03"), ISC_EVENT]],
)
def test_r_f13_one_positioning_modality_is_enough(events: list[RecrutementEvent]) -> None:
    assert check_recrutements(events, session_fin=SESSION_END, today=TODAY) == []


@pytest.mark.parametrize("events", [[], [RecrutementEvent("MR.03"), RecrutementEvent("MR.02")]])
def test_r_f13_isc_rdvi_or_ico_required(events: list[RecrutementEvent]) -> None:
    problems = check_recrutements(events, session_fin=SESSION_END, today=TODAY)
    assert fields(problems) == {"recrutements"}


def test_r_f13_unknown_modality_refused() -> None:
    assert fields(check(RecrutementEvent("MR.10"))) == {"modalite"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [("MR.09", ICO), ("mr09", ICO), ("MR9", ICO), ("9", ICO), ("07", ISC), ("MR.1", "MR.01")],
)
def test_r_f13_modality_code_normalised(raw: str, code: str) -> None:
    assert normalize_modalite(raw) == code


# --- ICO / RDVI ----------------------------------------------------------------------------


@MEETINGS
def test_r_f13_ico_rdvi_valid(event: RecrutementEvent) -> None:
    assert check(event) == []


@MEETINGS
@pytest.mark.parametrize(
    ("start", "ok"),
    [(time(7, 0), True), (time(6, 59), False), (time(7, 1), True), (time(0, 0), False)],
)
def test_r_f13_ico_start_time_bounds(event: RecrutementEvent, start: time, ok: bool) -> None:
    problems = check(replace(event, heure_debut=start))
    assert (problems == []) is ok
    if not ok:
        assert problems == [
            Problem("heure_debut", "L'heure de début doit être au plus tôt 07:00.", rule="F13")
        ]


@MEETINGS
@pytest.mark.parametrize(
    ("end", "ok"),
    [(time(20, 0), True), (time(20, 1), False), (time(19, 59), True), (time(23, 0), False)],
)
def test_r_f13_ico_end_time_bounds(event: RecrutementEvent, end: time, ok: bool) -> None:
    problems = check(replace(event, heure_debut=time(18, 0), heure_fin=end))
    assert (problems == []) is ok
    if not ok:
        assert problems == [
            Problem("heure_fin", "L'heure de fin doit être au plus tard 20:00.", rule="F13")
        ]


@MEETINGS
@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (time(9, 0), time(9, 1), True),
        (time(9, 0), time(9, 0), False),
        (time(10, 0), time(9, 0), False),
    ],
)
def test_r_f13_ico_end_after_start(
    event: RecrutementEvent, start: time, end: time, ok: bool
) -> None:
    problems = check(replace(event, heure_debut=start, heure_fin=end))
    assert (problems == []) is ok
    if not ok:
        assert problems == [
            Problem(
                "heure_fin", "L'heure de fin doit être postérieure à l'heure de début.", rule="F13"
            )
        ]


@MEETINGS
def test_r_f13_ico_hours_required(event: RecrutementEvent) -> None:
    problems = check(replace(event, heure_debut=None, heure_fin=None))
    assert fields(problems) == {"heure_debut", "heure_fin"}


@MEETINGS
@pytest.mark.parametrize(
    ("places", "ok"),
    [(1, True), (299, True), (0, False), (300, False), (None, False), (-1, False), (12.5, False)],
)
def test_r_f13_ico_places_1_to_299(event: RecrutementEvent, places: object, ok: bool) -> None:
    problems = check(replace(event, nb_places=places))
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"nb_places"}
    if places in (0, 300):
        assert problems[0].message == "Le nombre de places doit être compris entre 1 et 299."


@MEETINGS
@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (TODAY, True),  # today accepted
        (TODAY - timedelta(days=1), False),  # yesterday refused
        (SESSION_END, True),  # the session's last day accepted
        (SESSION_END + timedelta(days=1), False),
    ],
)
def test_r_f13_ico_date_between_today_and_session_end(
    event: RecrutementEvent, day: date, ok: bool
) -> None:
    problems = check(replace(event, date_debut=day, date_fin=day))
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"date_debut"}


@MEETINGS
def test_r_f13_ico_one_day_only(event: RecrutementEvent) -> None:
    problems = check(replace(event, date_fin=event.date_debut + timedelta(days=1)))
    assert fields(problems) == {"date_fin"}
    assert check(replace(event, date_fin=None)) == []  # end defaults to the same day


@MEETINGS
def test_r_f13_ico_date_and_numero_required(event: RecrutementEvent) -> None:
    assert fields(check(replace(event, date_debut=None, date_fin=None))) == {"date_debut"}
    assert fields(check(replace(event, numero=" "))) == {"numero"}


@MEETINGS
@pytest.mark.parametrize(("length", "ok"), [(500, True), (501, False)])
def test_r_f13_ico_comment_500_characters(event: RecrutementEvent, length: int, ok: bool) -> None:
    problems = check(replace(event, commentaire="x" * length))
    assert (problems == []) is ok


@MEETINGS
@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({"adresse_ligne1": ""}, {"adresse_ligne1"}),
        ({"ville": ""}, {"ville"}),
        ({"code_postal": ""}, {"code_postal"}),
        ({"code_postal": "00000"}, {"code_postal"}),
        ({"code_insee": "00000"}, {"code_insee"}),
        ({"code_insee": "76447"}, set()),
    ],
)
def test_r_f13_ico_address_required(
    event: RecrutementEvent, changes: dict[str, str], bad: set[str]
) -> None:
    assert fields(check(replace(event, **changes))) == bad


@MEETINGS
def test_r_f13_ico_a_distance_needs_no_address(event: RecrutementEvent) -> None:
    remote = replace(
        event,
        a_distance=True,
        adresse_ligne1="",
        ville="",
        code_postal="",
        url="https://visio.cfa.fr/ico",
    )
    assert check(remote) == []
    assert fields(check(replace(remote, url="visio"))) == {"url"}


# --- ISC -----------------------------------------------------------------------------------


def test_r_f13_isc_valid_without_address_or_hours() -> None:
    assert check(ISC_EVENT) == []


@pytest.mark.parametrize(
    ("places", "ok"), [(1, True), (999, True), (0, False), (1000, False), (None, False)]
)
def test_r_f13_isc_places_1_to_999(places: int | None, ok: bool) -> None:
    problems = check(replace(ISC_EVENT, nb_places=places))
    assert (problems == []) is ok
    if places in (0, 1000):
        assert problems[0].message == "Le nombre de places doit être compris entre 1 et 999."


def test_r_f13_isc_numero_and_period_required() -> None:
    assert fields(check(replace(ISC_EVENT, numero=None))) == {"numero"}
    assert fields(check(replace(ISC_EVENT, date_debut=None))) == {"date_debut"}
    assert fields(check(replace(ISC_EVENT, date_fin=None))) == {"date_fin"}


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), True),  # one-day period
        (date(2026, 3, 2), date(2026, 3, 1), False),
    ],
)
def test_r_f13_isc_period_start_before_end(start: date, end: date, ok: bool) -> None:
    assert (check(replace(ISC_EVENT, date_debut=start, date_fin=end)) == []) is ok


@pytest.mark.parametrize(
    ("start", "ok"),
    [
        (SESSION_END - timedelta(days=1), True),
        (SESSION_END, False),  # "antérieure à la date de fin de la formation": strictly before
        (SESSION_END + timedelta(days=1), False),
    ],
)
def test_r_f13_isc_starts_before_session_end(start: date, ok: bool) -> None:
    problems = check(replace(ISC_EVENT, date_debut=start, date_fin=SESSION_END + timedelta(days=5)))
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"date_debut"}


def test_r_f13_isc_in_the_past_is_accepted() -> None:
    # Only ICO/RDVI dates must be today or later; an open candidature period may have begun.
    assert check(replace(ISC_EVENT, date_debut=date(2025, 1, 1))) == []


@pytest.mark.parametrize(
    ("second_start", "second_end", "overlap"),
    [
        (date(2026, 7, 1), date(2026, 7, 31), False),  # the day after the first ends
        (date(2026, 6, 30), date(2026, 7, 31), True),  # touching on the same day overlaps
        (date(2026, 4, 1), date(2026, 4, 30), True),  # inside
        (date(2026, 1, 1), date(2026, 2, 28), False),  # before
        (date(2026, 1, 1), date(2026, 3, 1), True),  # ends the day the first starts
    ],
)
def test_r_f13_isc_periods_never_overlap(
    second_start: date, second_end: date, overlap: bool
) -> None:
    second = replace(ISC_EVENT, numero="ISC-2", date_debut=second_start, date_fin=second_end)
    problems = check_recrutements([ISC_EVENT, second], session_fin=SESSION_END, today=TODAY)
    assert bool(problems) is overlap
    if overlap:
        assert problems == [
            Problem(
                "recrutements",
                "Les périodes de candidature n° 1 et n° 2 se chevauchent : "
                "les périodes d'une même session ne doivent pas se chevaucher.",
                rule="F13",
            )
        ]


def test_r_f13_ico_dates_do_not_count_as_isc_overlap() -> None:
    ico_inside = replace(ICO_EVENT, numero="ICO-9")
    assert check_recrutements([ISC_EVENT, ico_inside], session_fin=SESSION_END, today=TODAY) == []


# --- session level -------------------------------------------------------------------------


def test_r_f13_numbers_unique_within_the_session() -> None:
    twin = replace(ICO_EVENT, date_debut=date(2026, 4, 9), date_fin=date(2026, 4, 9))
    problems = check_recrutements([ICO_EVENT, twin], session_fin=SESSION_END, today=TODAY)
    assert problems == [
        Problem(
            "recrutements",
            "Le numéro « ICO-1 » est utilisé plusieurs fois : chaque numéro doit être unique.",
            rule="F13",
        )
    ]
    other_kind = replace(ISC_EVENT, numero="ICO-1")
    assert has_errors(
        check_recrutements([ICO_EVENT, other_kind], session_fin=SESSION_END, today=TODAY)
    )


def test_r_f13_event_problems_are_numbered_fieldlist_entries() -> None:
    late = replace(RDVI_EVENT, heure_debut=time(6, 59))
    problems = check_recrutements([ISC_EVENT, late], session_fin=SESSION_END, today=TODAY)
    assert problems == [
        Problem(
            "recrutements-1-heure_debut",
            "Modalité de recrutement n° 2 : l'heure de début doit être au plus tôt 07:00.",
            rule="F13",
        )
    ]


def test_r_f13_problems_name_their_rule() -> None:
    """Every F13 problem says F13, the address of an ICO included (F13 asks for it); a link to
    the event is a web address like any other (C3)."""
    away = replace(ICO_EVENT, heure_debut=time(6, 59), adresse_ligne1="", code_postal="00000")
    problems = check(replace(away, url="ftp://cfa.fr"))
    assert {(p.field, p.rule) for p in problems} == {
        ("heure_debut", "F13"),
        ("adresse_ligne1", "F13"),
        ("code_postal", "F13"),
        ("url", "C3"),
    }
    listed = check_recrutements([ISC_EVENT, ISC_EVENT], session_fin=SESSION_END, today=TODAY)
    assert listed and {p.rule for p in listed} == {"F13"}
