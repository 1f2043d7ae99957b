"""`flask lheo export --out FILE` on the demo region (SPEC J1: the file validates against the
LHEO 2.3 schema; J3/E9: partner numbers carry the region prefix)."""
from __future__ import annotations

from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.lheo.export import formations_for_export, validate
from app.models import Formation, FormationEtat, Session, SessionEtat, Structure

NS = {"l": "http://lheo.gouv.fr/2.3"}


def _exportable() -> list[Formation]:
    """What partners receive (J3): published formations, not drafts, with a published session."""
    return db.session.scalars(select(Formation).where(
        Formation.etat == FormationEtat.DIFFUSEE, Formation.draft_of_id.is_(None),
        Formation.sessions.any(Session.etat.in_((SessionEtat.DIFFUSEE, SessionEtat.TERMINEE))))).all()


def test_r_j1_r_j3_cli_export_of_the_published_offer_validates(app, tmp_path):
    path = tmp_path / "offre.xml"
    result = app.test_cli_runner().invoke(args=["lheo", "export", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "Export LHEO écrit" in result.output

    document = path.read_bytes()
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert validate(document) == []
    root = etree.fromstring(document)

    exportable = _exportable()
    exported = root.findall("l:offres/l:formation", NS)
    assert sorted(f.get("numero") for f in exported) == sorted(f.reference for f in exportable)
    assert "Préparation au CAP agent vérificateur (ancienne formule)" not in [
        f.findtext("l:intitule-formation", namespaces=NS) for f in exported]  # archived

    # only validated offers: formations in creation, pending or on hold stay home
    assert {f.etat for f in db.session.scalars(select(Formation).where(
        Formation.reference.in_([f.get("numero") for f in exported])))} == {FormationEtat.DIFFUSEE}
    responsables = {node.text for node in root.iterfind(
        ".//l:organisme-formation-responsable/l:SIRET-organisme-formation/l:SIRET", NS)}
    sieges = db.session.scalars(select(Structure.siret).where(Structure.parent_id.is_(None))).all()
    assert responsables and responsables <= set(sieges)

    prefix = app.config["REGION_PREFIX"]
    sessions = root.findall(".//l:session", NS)
    assert sessions and all(s.get("numero").startswith(f"{prefix}_") for s in sessions)
    assert not [s for s in sessions if s.get("numero").removeprefix(f"{prefix}_") in {
        r for r in db.session.scalars(select(Session.reference).where(Session.etat == SessionEtat.ARCHIVEE))}]


def test_r_j1_demo_export_loads_in_a_constant_number_of_queries(app, count_queries):
    one = db.session.scalars(select(Formation.id).where(Formation.apprentissage.is_(True))).first()
    db.session.expunge_all()
    with count_queries() as single:
        formations_for_export(db.session, select(Formation).where(Formation.id == one))
    db.session.expunge_all()
    with count_queries() as everything:
        formations = formations_for_export(db.session)
    assert len(formations) > 1
    assert everything() <= single()  # one query per relationship, whatever the number of rows
