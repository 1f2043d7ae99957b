"""Record-level checks (app/checks): what blocks submitting a session, on records built in memory."""
from __future__ import annotations

from app.checks import session_problems, session_record_problems
from app.models import CycleAlternance, Nomenclature
from app.models import NomenclatureKind as K
from tests.helpers import memory_session

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
