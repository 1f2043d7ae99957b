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
