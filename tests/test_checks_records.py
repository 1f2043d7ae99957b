"""Record-level checks (app/checks): what blocks submitting a session, on records built in memory."""
from __future__ import annotations

import ast
from pathlib import Path

from app.checks import (
    formation_record_problems,
    formation_tree_problems,
    session_lieu_problems,
    session_problems,
    session_record_problems,
)
from app.models import CycleAlternance, Lieu, MesureKind, Nomenclature, SessionLieu
from app.models import NomenclatureKind as K
from tests.helpers import memory_session

APP = Path(__file__).resolve().parents[1] / "app"

A_DISTANCE = Nomenclature(kind=K.MODALITE_ENSEIGNEMENT, code="2", libelle="Formation entièrement à distance")


def messages(problems) -> str:
    return " | ".join(p.message for p in problems)


def test_r_f3_a_session_needs_a_principal_formateur(app):
    session = memory_session()
    session.formateurs[0].principal = False
    assert "Désignez l'organisme formateur principal." in messages(session_record_problems(session))
    session.formateurs = []
    assert "Indiquez au moins un organisme formateur." in messages(session_record_problems(session))


def test_r_f4_distance_learning_needs_no_lieu_but_a_structure_of_the_region(app):
    session = memory_session()
    session.lieux = []
    assert "Indiquez au moins un lieu de formation." in messages(session_record_problems(session))
    session.modalite_enseignement = A_DISTANCE
    assert "lieu de formation" not in messages(session_record_problems(session))
    outside = memory_session(departement="75")
    outside.modalite_enseignement = A_DISTANCE
    problems = session_problems(outside)
    assert [p.field for p in problems if "entièrement à distance" in p.message] == ["modalite_enseignement"]


def test_r_f6_a_session_needs_a_financement(app):
    session = memory_session()
    session.financements = []
    assert "Indiquez au moins un financement." in messages(session_record_problems(session))


def test_r_f8_apprentissage_session_needs_its_cycles(app):
    session = memory_session(apprentissage=True)
    assert "cycle" in messages(session_record_problems(session)).lower()
    session.cycles = [CycleAlternance(annee=1, capacite_simultanee=10, capacite_cumulee=10),
                      CycleAlternance(annee=2, capacite_simultanee=10, capacite_cumulee=10)]
    assert "cycle" not in messages([p for p in session_record_problems(session) if p.field.startswith("cycles")])


def test_r_f13_a_session_needs_isc_rdvi_or_ico(app):
    session = memory_session()
    session.recrutements[0].modalite = Nomenclature(kind=K.MODALITE_RECRUTEMENT, code="MR.03", libelle="Dossier")
    assert "Indiquez au moins une modalité de recrutement parmi" in messages(session_record_problems(session))


def test_r_f4_session_problems_carry_their_rule(app):
    session = memory_session()
    session.lieux = []
    assert [(p.field, p.rule) for p in session_record_problems(session) if p.field == "lieux"] == [("lieux", "F4")]


def test_r_f4_a_lieu_outside_the_region_is_refused_on_its_own_form(app):
    session = memory_session()
    tours = Lieu(structure=session.formation.structure, nom="Tours", ligne="1 rue", code_postal="37000", ville="Tours")
    problems = session_lieu_problems(SessionLieu(session=session, lieu=tours))
    assert [(p.field, p.rule) for p in problems] == [("lieu", "F4")]
    assert "hors de la région Normandie" in problems[0].message


def test_r_e7_mixed_dispositifs_are_listed_once_for_the_formation(app):
    """E7 is checked over every session of the formation; the session's own report of it is not
    repeated on the formation's list (it was listed twice)."""
    session = memory_session()  # not an apprentissage formation…
    session.financements[0].mesure.nature = MesureKind.APPRENTISSAGE  # …financed by an apprentissage mesure
    assert [p.rule for p in session_record_problems(session)].count("E7") == 1  # the session page shows it
    problems = [p for p in formation_tree_problems(session.formation) if p.rule == "E7"]
    assert [(p.field, p.message) for p in problems] == [
        ("financements", "Le contrat d'apprentissage demande une formation dédiée, marquée « en apprentissage »."),
    ]


def test_r_f14_duplicated_session_warnings_carry_their_rule(app):
    session = memory_session(contact_a_verifier=True)
    session.lieux[0].a_verifier = True
    warnings = [p for p in session_record_problems(session) if p.rule == "F14"]
    assert [(p.field, p.severity) for p in warnings] == [("contact", "warning"), ("lieux", "warning")]
    assert warnings[1].message == "Session dupliquée : vérifiez le lieu « Atelier » (ouvrez-le et enregistrez-le)."


def _message_filters(path: Path) -> list[str]:
    """Places where code reads a problem's `message` to decide something (a test, a comparison)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        tests = []
        if isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assert)):
            tests.append(node.test)
        elif isinstance(node, ast.comprehension):
            tests += node.ifs
        for test in tests:
            if any(isinstance(sub, ast.Attribute) and sub.attr == "message" for sub in ast.walk(test)):
                found.append(f"{path.relative_to(APP.parent)}:{test.lineno}")
    return found


def test_problems_are_selected_by_rule_and_field_never_by_their_wording():
    """The record checks and the workflow choose problems by `rule` and `field` (app/validators
    names every problem's SPEC rule); the French message is only shown."""
    paths = sorted((APP / "checks").glob("*.py")) + sorted((APP / "workflow").glob("*.py"))
    assert [place for path in paths for place in _message_filters(path)] == []


def test_r_a3_formation_list_can_leave_out_the_sessions_a_reader_does_not_see(app):
    session = memory_session()  # no contact: F5 on the session
    formation = session.formation
    assert "F5" in {p.rule for p in formation_tree_problems(formation)}
    assert formation_tree_problems(formation, session_ids=set()) == formation_record_problems(formation)
