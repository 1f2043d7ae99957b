"""The region a deployment serves (issue 17 item 8; SPEC E9, F4, J3): REGION_CODE and
REGION_PREFIX have no default that could contradict the seeds; the demo sets Normandie's, a portal
without them says so and refuses the partner flows."""
from __future__ import annotations

import importlib
import logging

import pytest

from app.jobs.tasks import partner_flows
from app.region import warn_if_missing
from app.validators import LieuFormation, check_lieux_in_region


@pytest.fixture()
def no_region(app, monkeypatch):
    monkeypatch.setitem(app.config, "REGION_CODE", None)
    monkeypatch.setitem(app.config, "REGION_PREFIX", "")


def test_r_e9_no_silent_region_default(monkeypatch):
    import config

    monkeypatch.delenv("REGION_CODE", raising=False)
    monkeypatch.delenv("REGION_PREFIX", raising=False)
    try:
        reloaded = importlib.reload(config)
        assert reloaded.REGION_CODE is None and reloaded.REGION_PREFIX is None
        monkeypatch.setenv("REGION_CODE", "52")
        monkeypatch.setenv("REGION_PREFIX", "17")
        reloaded = importlib.reload(config)
        assert (reloaded.REGION_CODE, reloaded.REGION_PREFIX) == ("52", "17")
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_r_e9_demo_numbers_carry_normandie_prefix(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(tmp_path / "flux"))
    result = app.test_cli_runner().invoke(args=["lheo", "flow", "--partner", "national", "--out-dir",
                                                str(tmp_path)])
    assert result.exit_code == 0, result.output
    document = next(tmp_path.glob("lheo-national-*.xml")).read_text(encoding="utf-8")
    assert 'numero="04_' in document and 'numero="14_' not in document  # seed 001: 04_150755S


def test_r_j3_flow_refused_without_region(app, no_region, tmp_path):
    result = app.test_cli_runner().invoke(args=["lheo", "flow", "--partner", "kairos", "--out-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "La région du portail n'est pas configurée (REGION_CODE, REGION_PREFIX)" in result.output
    assert list(tmp_path.iterdir()) == []  # no file, no report


def test_r_j3_nightly_flows_refused_without_region(app, no_region, tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(tmp_path / "flux"))
    with app.app_context(), caplog.at_level(logging.ERROR):
        assert partner_flows() == []
    assert not (tmp_path / "flux").exists() or not list((tmp_path / "flux").glob("lheo-*.xml"))
    assert "La région du portail n'est pas configurée" in caplog.text


def test_region_missing_is_logged_at_start(app, caplog):
    class Production:
        config = {"REGION_CODE": "", "REGION_PREFIX": None, "TESTING": False}

    with caplog.at_level(logging.WARNING):
        warn_if_missing(Production)
    assert "REGION_CODE, REGION_PREFIX" in caplog.text and "partner flows refuse" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        warn_if_missing(app)  # the tests' portal has its region
    assert caplog.text == ""


def test_r_f4_lieux_judged_against_the_configured_region():
    nantes = LieuFormation("Centre de Nantes", principal=True, code_postal="44000")
    caen = LieuFormation("Centre de Caen", principal=True, code_postal="14000")
    assert check_lieux_in_region([caen], "28") == []
    assert [p.rule for p in check_lieux_in_region([nantes], "28")] == ["F4"]
    assert check_lieux_in_region([nantes], "52") == []
    assert check_lieux_in_region([nantes], None) == []  # no region configured: not judged


# --- E1 as Centre-Val de Loire runs it: apprentissage and scolaire formations by the Carif-Oref ----

from sqlalchemy import select  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import CycleAlternance, Formation, Nomenclature, Structure  # noqa: E402
from tests.helpers import error_next_to, formation_like, open_draft  # noqa: E402
from tests.test_commands import DOORS, SAVED  # noqa: E402


@pytest.fixture()
def centre_val_de_loire(app, monkeypatch):
    monkeypatch.setitem(app.config, "INITIAL_FORMATIONS_BY_CARIF", True)


def _cfa() -> Structure:
    return db.session.execute(select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()


@pytest.mark.parametrize("door", DOORS)
def test_r_e1_organisation_does_not_create_an_apprentissage_formation_where_the_region_says_so(
        login, api_token, reset_demo, centre_val_de_loire, door, monkeypatch):
    import tests.test_commands as commands

    client, headers = login("contact"), api_token("contact")
    before = db.session.query(Formation).count()

    def apprentissage(door, client, headers, parent):
        if door == "form":
            response = client.post("/formationview/add", data={
                "intitule": "Plomberie sanitaire", "objectifs": "Installer des réseaux.", "structure": str(parent.id),
                "formacodes": [str(commands.formacode_id())], "apprentissage": "y", "duree_cycle": "2"})
            return response.status_code, commands.form_errors(response.get_data(as_text=True))
        response = client.post("/api/v1/formation/", json={
            "intitule": "Plomberie sanitaire", "objectifs": "Installer des réseaux.", "structure_id": parent.id,
            "formacodes": [commands.formacode_id()], "apprentissage": True, "duree_cycle": 2}, headers=headers)
        return response.status_code, response.json.get("message", {})

    status, messages = apprentissage(door, client, headers, _cfa())
    assert status in (200, 422) and status != SAVED[door]
    assert any("sont créées par le Carif-Oref" in m for m in messages["apprentissage"])
    assert db.session.query(Formation).count() == before


def test_r_e1_manager_creates_them_and_the_organisation_edits_them(login, reset_demo, centre_val_de_loire):
    from app.views.offer import FormationView
    from tests.helpers import form_data

    manager = login("gestionnaire")
    response = manager.post("/formationview/add", data={
        "intitule": "Plomberie sanitaire", "objectifs": "Installer des réseaux.", "structure": str(_cfa().id),
        "formacodes": [str(__import__("tests.test_commands", fromlist=["x"]).formacode_id())],
        "apprentissage": "y", "duree_cycle": "2"})
    assert "sont créées par le Carif-Oref" not in response.get_data(as_text=True)  # the manager may
    client = login("contact")
    draft = open_draft(formation_like("Titre professionnel maçon%"))  # en apprentissage already
    response = client.post(f"/formationview/edit/{draft.id}", data=form_data(
        draft, FormationView.edit_columns, objectifs="Former des maçons qualifiés."))
    assert response.status_code == 302


def test_r_e1_organisation_does_not_make_its_formation_scolaire(login, reset_demo, centre_val_de_loire):
    from tests.test_rules_forms import cycle_form

    initiale = db.session.execute(select(Nomenclature).where(Nomenclature.kind == "type_cycle",
                                                             Nomenclature.code == "0")).scalar_one()
    client = login("contact")
    session = formation_like("Sécurité incendie%").sessions[0]  # a formation continue of the CFA
    page = client.post("/cyclealternanceview/add", data=cycle_form(
        session, type_cycle=str(initiale.id))).get_data(as_text=True)
    assert "Les formations scolaires sont créées par le Carif-Oref" in error_next_to(page, "type_cycle")
    assert db.session.query(CycleAlternance).filter_by(session_id=session.id).count() == 0
