"""`flask lheo export --out FILE` and `flask lheo flow --partner P` on the demo region (SPEC J1:
the file validates against the LHEO 2.3 schema; J3/E9: validated offer only, partner numbers with
the region prefix; issue 13: the gap report beside the file)."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.lheo.export import validate
from app.models import Formation, FormationEtat, Session, SessionEtat, Structure

NS = {"l": "http://lheo.gouv.fr/2.3"}


@pytest.fixture()
def flow_dir(app, tmp_path, monkeypatch):
    """LHEO_FLOW_DIR in a temporary folder (the last reports the managers' page reads go there)."""
    directory = tmp_path / "flux"
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(directory))
    return directory


def test_r_j1_r_j3_cli_export_of_the_published_offer_validates(app, tmp_path, flow_dir):
    path = tmp_path / "offre.xml"
    result = app.test_cli_runner().invoke(args=["lheo", "export", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "Export LHEO écrit" in result.output and "formation(s)" in result.output
    assert "offre.rapport.csv" in result.output

    document = path.read_bytes()
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert validate(document) == []
    root = etree.fromstring(document)
    prefix = app.config["REGION_PREFIX"]

    published = db.session.scalars(select(Formation).where(
        Formation.etat == FormationEtat.DIFFUSEE, Formation.draft_of_id.is_(None),
        Formation.sessions.any(Session.etat == SessionEtat.DIFFUSEE))).all()
    exported = root.findall("l:offres/l:formation", NS)
    assert sorted(f.get("numero") for f in exported) == sorted(f"{prefix}_{f.reference}" for f in published)
    sessions = {s.get("numero").removeprefix(f"{prefix}_") for s in root.iterfind(".//l:session", NS)}
    etats = set(db.session.scalars(select(Session.etat).where(Session.reference.in_(sessions))))
    assert sessions and etats == {SessionEtat.DIFFUSEE}  # never a draft, pending or ended one
    responsables = {node.text for node in root.iterfind(
        ".//l:organisme-formation-responsable/l:SIRET-organisme-formation/l:SIRET", NS)}
    sieges = db.session.scalars(select(Structure.siret).where(Structure.parent_id.is_(None))).all()
    assert responsables and responsables <= set(sieges)

    summary = json.loads((tmp_path / "offre.rapport.json").read_text(encoding="utf-8"))
    assert summary["written"]["formations"] == len(exported)
    assert (tmp_path / "offre.rapport.csv").read_text(encoding="utf-8-sig").startswith("nature;chemin;")
    assert json.loads((flow_dir / "derniers-rapports" / "export.json").read_text())["file"] == str(path)


def test_r_j3_cli_flow_writes_a_timestamped_partner_file_with_its_report(app, tmp_path, flow_dir):
    result = app.test_cli_runner().invoke(args=["lheo", "flow", "--partner", "kairos", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert len(names) == 3 and re.fullmatch(r"lheo-kairos-\d{8}-\d{6}\.xml", names[2])
    stem = names[2].removesuffix(".xml")
    assert names[:2] == [f"{stem}.rapport.csv", f"{stem}.rapport.json"]
    assert validate((tmp_path / names[2]).read_bytes()) == []
    assert "Sessions hors périmètre" in result.output  # the apprentissage session, for one

    result = app.test_cli_runner().invoke(args=["lheo", "flow", "--partner", "pole-emploi"])
    assert result.exit_code != 0 and "pole-emploi" in result.output


def test_r_f5_referent_contact_reaches_the_export_through_the_chunked_loader(app, tmp_path, flow_dir, reset_demo):
    session = db.session.scalars(select(Session).join(Formation).where(
        Session.etat == SessionEtat.DIFFUSEE, Formation.etat == FormationEtat.DIFFUSEE,
        Formation.draft_of_id.is_(None))).first()
    referent = next(c for c in session.formation.structure.contacts if c.email)
    session.referent_mobilite_contact, session.referent_mobilite = referent, None
    db.session.commit()
    path = tmp_path / "offre.xml"
    result = app.test_cli_runner().invoke(args=["lheo", "export", "--out", str(path)])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(path.read_bytes())
    node = next(s for s in root.iterfind(".//l:session", NS) if s.get("numero").endswith(session.reference))
    mobilite = [c for c in node.iterfind("l:contact-session", NS) if c.findtext("l:type-contact", namespaces=NS) == "2"]
    assert [c.findtext("l:coordonnees/l:courriel", namespaces=NS) for c in mobilite] == [referent.email]
