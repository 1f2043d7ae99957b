"""Pure helpers of the region-sized dataset (app/demo/region.py): no database."""
import random
from datetime import date, time

import pytest

from app.demo.region import (
    REGION_ID_BASE,
    CertificationRef,
    RefData,
    de,
    luhn_check_digit,
    luhn_complete,
    make_intitule,
    make_nda,
    make_siren,
    make_siret,
    plan_region,
    topic_count,
)
from app.validators.formation import check_intitule
from app.validators.identifiers import is_valid_nda, is_valid_siret


def reference_luhn(number: str) -> bool:
    """Textbook Luhn, written independently of the module under test."""
    digits = [int(c) for c in number]
    for i in range(len(digits) - 2, -1, -2):
        digits[i] = digits[i] * 2 - 9 if digits[i] * 2 > 9 else digits[i] * 2
    return sum(digits) % 10 == 0


@pytest.mark.parametrize("number", ["73282932000074", "35600000000048", "443061841"])
def test_luhn_check_digit_of_known_numbers(number):
    # A real SIRET (INSEE's own example), La Poste's head office SIRET, a real SIREN.
    assert luhn_check_digit(number[:-1]) == number[-1]
    assert reference_luhn(number)


def test_luhn_complete_appends_one_digit_that_makes_the_number_valid():
    rng = random.Random(1)
    for _ in range(500):
        digits = "".join(str(rng.randrange(10)) for _ in range(rng.randint(1, 20)))
        completed = luhn_complete(digits)
        assert completed[:-1] == digits and reference_luhn(completed)
        assert not reference_luhn(digits + str((int(completed[-1]) + 1) % 10))


def test_generated_sirets_pass_luhn_and_the_portal_validator():
    rng = random.Random(2026)
    for _ in range(1000):
        siren = make_siren(rng)
        siret = make_siret(rng, siren)
        assert len(siren) == 9 and reference_luhn(siren)
        assert len(siret) == 14 and siret.isdigit() and siret.startswith(siren)
        assert reference_luhn(siret) and is_valid_siret(siret)


def test_nda_is_eleven_digits_from_region_28():
    rng = random.Random(3)
    for departement in ("14", "27", "50", "61", "76"):
        nda = make_nda(rng, departement)
        assert len(nda) == 11 and nda.startswith("28" + departement) and is_valid_nda(nda)


def test_de_elides_and_contracts():
    assert de("Caen") == "de Caen"
    assert de("Évreux") == "d'Évreux"
    assert de("Le Havre") == "du Havre"
    assert de("Les Andelys") == "des Andelys"
    assert de("agent de propreté") == "d'agent de propreté"


def test_intitules_are_deterministic_and_readable():
    def titles(seed):
        rng = random.Random(seed)
        result = []
        for index in range(topic_count()):
            result.append(make_intitule(rng, index, certifiante=False))
            result.append(make_intitule(rng, index % 40, certifiante=True))
            result.append(make_intitule(rng, index % 40, certifiante=True, apprentissage=True,
                                        duree_cycle=1 + index % 3))
        return result

    first = titles(7)
    assert first == titles(7)
    assert first != titles(8)
    for title, apprentissage in zip(first, [False, False, True] * topic_count(), strict=True):
        assert len(title) <= 255
        errors = [p for p in check_intitule(title, apprentissage) if p.severity != "warning"]
        assert errors == [], title
        assert title.endswith("(en apprentissage)") == apprentissage


REFS = RefData(
    codes={("modalite_recrutement", f"MR.0{n}"): 100 + n for n in range(1, 10)}
    | {("rythme", "01"): 201, ("rythme", "02"): 202, ("rythme", "03"): 203, ("rythme", "04"): 204,
       ("validation_blocs", "1"): 301, ("etat_recrutement", "1"): 401, ("etat_recrutement", "2"): 402},
    mesures=[(1, 1, "CR-PRF", "autre"), (2, 6, "OPCO-APP", "apprentissage"),
             (2, 7, "OPCO-CP", "contrat_pro"), (3, 9, "CPF", "autre")],
    certifications=[CertificationRef(1, "RNCP509", True, None, True, None, (11, 12)),
                    CertificationRef(2, "RS5000", True, date(2030, 1, 1))],
)


def plan(seed=2026, **counts):
    counts = {"structures": 40, "formations": 120, "sessions": 400, **counts}
    first_ids = {"structure": REGION_ID_BASE + 1, "session": REGION_ID_BASE + 1}
    result = {}
    for table, rows in plan_region(REFS, first_ids, seed=seed, today=date(2026, 11, 22), chunk=150,
                                   **counts):
        result.setdefault(table, []).extend(rows)
    return result


def test_plan_is_deterministic_for_a_seed():
    first = plan()
    assert first == plan()
    assert first["session"] != plan(seed=1)["session"]
    assert len(first["structure"]) == 40 and len(first["formation"]) == 120 and len(first["session"]) == 400


def test_plan_rows_keep_the_rules_the_benchmark_relies_on():
    rows = plan()
    structures = {row["id"]: row for row in rows["structure"]}
    assert all(row["reference"] == f"{100000 + row['id']}O" and row["reference"].startswith("6")
               for row in structures.values())
    for row in structures.values():
        assert is_valid_siret(row["siret"])
        assert (row["nda"] is None) == (row["parent_id"] is not None)
        assert row["parent_id"] is None or row["parent_id"] in structures
    # every table's rows share the same keys (one executemany statement per batch)
    for table, table_rows in rows.items():
        assert len({tuple(sorted(row)) for row in table_rows}) == 1, table
    sessions = {row["id"]: row for row in rows["session"]}
    for table in ("session_formateur", "session_lieu"):
        assert sorted(row["session_id"] for row in rows[table]) == sorted(sessions)
    positioning = {107, 108, 109}  # MR.07 ISC, MR.08 RDVI, MR.09 ICO in REFS
    by_session = {}
    for row in rows["recrutement"]:
        by_session.setdefault(row["session_id"], []).append(row)
    assert set(by_session) == set(sessions)
    for session_id, recrutements in by_session.items():
        assert {r["modalite_id"] for r in recrutements} & positioning
        for r in recrutements:
            if r["modalite_id"] in (108, 109):
                assert r["date_debut"] == r["date_fin"] <= sessions[session_id]["fin"]
                assert time(7, 0) <= r["heure_debut"] < r["heure_fin"] <= time(20, 0)
                assert 1 <= r["nb_places"] <= 299
    for row in rows["financement"]:
        assert row["nb_places"] >= 1
    for row in sessions.values():
        assert row["debut"] <= row["fin"]
        assert row["duree_totale"] == row["duree_centre"] + (row["duree_entreprise"] or 0)


def test_sessions_start_before_the_end_of_registration_of_the_certification():
    refs = RefData(codes=REFS.codes, mesures=REFS.mesures,
                   certifications=[CertificationRef(1, "RNCP509", True, date(2027, 6, 30), True, None, (11,))])
    rows = {}
    for table, table_rows in plan_region(refs, {}, structures=20, formations=80, sessions=400, seed=5,
                                         today=date(2026, 11, 22)):
        rows.setdefault(table, []).extend(table_rows)
    certifying = {row["id"] for row in rows["formation"] if row["certifiante"]}
    starts = [row["debut"] for row in rows["session"] if row["formation_id"] in certifying]
    assert starts and max(starts) < date(2027, 6, 30)
