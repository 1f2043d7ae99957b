"""Partner flows and the export from the database (SPEC J3, E3, F15, G1, G2; issue 13): each
partner's exclusions one by one, the E3 formation and an empty SIRET left out and reported, files
written atomically with their report, the readiness panel and the flows agreeing, loading by
chunks, a small generated region, and the managers' page."""
from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import select

from app.checks import partner_readiness
from app.checks.partners import KAIROS, NATIONAL, PARCOURSUP, PARTNERS
from app.extensions import db
from app.lheo import files
from app.lheo.export import export_bytes, validate
from app.lheo.flows import write_flow
from app.lheo.load import published_formations
from app.models import CycleAlternance, Formation, FormationEtat, Nomenclature, Session, SessionEtat, Structure
from tests.helpers import formation_like
from tests.test_french_pages import english_in

NS = {"l": "http://lheo.gouv.fr/2.3"}


@pytest.fixture()
def flow_dir(app, tmp_path, monkeypatch):
    directory = tmp_path / "flux"
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(directory))
    return directory


def sent(result) -> set[str]:
    """The portal references of the sessions in a flow's file."""
    if result.path is None:
        return set()
    root = etree.fromstring(result.path.read_bytes())
    return {s.get("numero").split("_", 1)[1] for s in root.iterfind(".//l:session", NS)}


def report_rows(result) -> list[dict]:
    with open(result.report_csv, encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream, delimiter=";"))


def flows(today=None) -> dict:
    return {partner: write_flow(partner, today=today) for partner in PARTNERS}


def assert_panel_agrees(results, today=None) -> None:
    """Every session of the database is in a partner's flow exactly when the session page's panel
    says it is ready for that partner (one set of functions: app/checks/partners.py)."""
    for partner, result in results.items():
        assert result.path is None or validate(result.path.read_bytes()) == []
        in_flow = sent(result)
        for session in db.session.scalars(select(Session)):
            verdict = next(r for r in partner_readiness(session, today) if r.partner == PARTNERS[partner])
            assert (session.reference in in_flow) == verdict.ready, (partner, session.reference, verdict)


def bureautique_sessions():
    formation = formation_like("Bureautique%")
    return sorted(formation.sessions, key=lambda s: s.entree_sortie_permanente)  # the dated one first


# --- what every flow shares -----------------------------------------------------------------------


def test_r_j3_demo_flows_are_valid_and_agree_with_the_readiness_panel(app, flow_dir):
    results = flows()
    assert_panel_agrees(results)
    macon = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == SessionEtat.DIFFUSEE)
    mco = formation_like("BTS management%").sessions[0]
    bureautique = {s.reference for s in bureautique_sessions()}
    assert sent(results[NATIONAL]) == {macon.reference, mco.reference, *bureautique}
    assert sent(results[KAIROS]) == bureautique  # no apprentissage, no contrat de professionnalisation
    assert sent(results[PARCOURSUP]) == {macon.reference}
    for result in results.values():  # atomic: the file, its report, nothing else
        stem = result.path.name.removesuffix(".xml")
        assert re.fullmatch(rf"lheo-{result.partner}-\d{{8}}-\d{{6}}(-\d+)?", stem)
        assert result.report_csv.name == f"{stem}.rapport.csv" and result.report_json.is_file()
    assert not [p for p in flow_dir.iterdir() if p.name.startswith(".")]


def test_r_j3_r_g2_a_pending_change_keeps_the_published_version_in_the_flows(app, flow_dir, reset_demo):
    from tests.helpers import open_draft

    published = formation_like("Bureautique%")
    before = sent(write_flow(NATIONAL))
    draft = open_draft(published, "contact.autre")
    draft.intitule = "Bureautique (brouillon de modification)"
    extra = Session(formation=published, etat=SessionEtat.EN_ATTENTE, debut=date.today() + timedelta(days=40),
                    fin=date.today() + timedelta(days=60))
    db.session.add(extra)
    db.session.commit()
    result = write_flow(NATIONAL)
    assert sent(result) == before
    assert b"brouillon de modification" not in result.path.read_bytes()
    assert_panel_agrees({NATIONAL: result})


# --- France Travail (Kairos, AUDE) ---------------------------------------------------------------


def test_r_f15_kairos_stops_a_session_31_days_after_its_end_and_keeps_it_at_29(app, flow_dir, reset_demo):
    session = bureautique_sessions()[0]
    today = date.today()
    session.debut, session.fin = today - timedelta(days=90), today - timedelta(days=31)
    db.session.commit()
    result = write_flow(KAIROS)
    assert session.reference not in sent(result)
    assert any(row["session"] == session.reference and "plus de 30 jours" in row["motif ou valeur"]
               for row in report_rows(result))
    session.fin = today - timedelta(days=29)
    db.session.commit()
    assert session.reference in sent(write_flow(KAIROS))
    assert_panel_agrees(flows())


def test_r_j3_kairos_leaves_out_apprentissage_and_formation_initiale(app, flow_dir, reset_demo):
    macon = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == SessionEtat.DIFFUSEE)
    session = bureautique_sessions()[0]
    formation_initiale = db.session.scalars(select(Nomenclature).where(
        Nomenclature.kind == "type_cycle", Nomenclature.code == "0")).one()
    session.cycles.append(CycleAlternance(annee=1, type_cycle=formation_initiale))
    db.session.commit()
    result = write_flow(KAIROS)
    assert macon.reference not in sent(result) and session.reference not in sent(result)
    reasons = {row["session"]: row["motif ou valeur"] for row in report_rows(result)}
    assert "apprentissage" in reasons[macon.reference] and "formation initiale" in reasons[session.reference]
    assert macon.reference in sent(write_flow(PARCOURSUP))
    assert session.reference in sent(write_flow(NATIONAL))


def test_r_j3_kairos_leaves_out_organisations_without_a_valid_siret(app, flow_dir, reset_demo):
    horizon = db.session.scalars(select(Structure).where(Structure.raison_sociale == "Institut Horizon Formation")).one()
    horizon.siret = "44306184100048"  # 14 digits, Luhn fails (app/validators.is_valid_siret)
    db.session.commit()
    bureautique = {s.reference for s in bureautique_sessions()}
    kairos = write_flow(KAIROS)
    assert not bureautique & sent(kairos)
    assert {row["session"] for row in report_rows(kairos) if "n'est pas valide" in row["motif ou valeur"]} == bureautique
    assert bureautique <= sent(write_flow(NATIONAL))  # still a well-formed SIRET for the schema
    assert_panel_agrees(flows())


# --- Parcoursup and Affelnet ------------------------------------------------------------------------


def test_r_j3_parcoursup_takes_apprentissage_with_its_cycles_only(app, flow_dir, reset_demo):
    macon = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == SessionEtat.DIFFUSEE)
    result = write_flow(PARCOURSUP)
    assert sent(result) == {macon.reference}
    assert any("Seules les formations en apprentissage" in row["motif ou valeur"] for row in report_rows(result))
    macon.cycles = []
    db.session.commit()
    result = write_flow(PARCOURSUP)
    assert result.path is None and not result.report_json.with_suffix("").with_suffix(".xml").exists()
    assert any(row["session"] == macon.reference and "cycles de l'alternance" in row["motif ou valeur"]
               for row in report_rows(result))
    assert "Aucune formation à diffuser" in result.report_text
    assert_panel_agrees(flows())


# --- formations left out ---------------------------------------------------------------------------


def test_r_e3_formation_with_the_habilitation_warning_is_not_exported_and_is_reported(app, flow_dir, reset_demo):
    dev = formation_like("Développeur d'applications blockchain%")
    dev.etat = FormationEtat.DIFFUSEE  # as a manager could validate it today, warning and all
    dev.sessions[0].etat = SessionEtat.DIFFUSEE
    db.session.commit()
    result = files.write_export(flow_dir / "offre.xml")
    assert validate(result.path.read_bytes()) == []
    assert dev.sessions[0].reference not in sent(result)
    rows = [row for row in report_rows(result) if row["formation"] == dev.reference]
    assert [(row["nature"], row["chemin"], row["règle"]) for row in rows] == [("bloquant", "formation", "E3")]
    line = next(line for line in result.summary["lines"] if dev.reference in line["references"])
    assert "habilité" in line["reason"]
    panel = partner_readiness(dev.sessions[0])
    assert all(not r.ready and any("habilité" in reason for reason in r.reasons) for r in panel if r.applicable)


def test_r_j1_an_empty_siret_leaves_its_formations_out_and_the_rest_of_the_file_valid(app, flow_dir, reset_demo):
    horizon = db.session.scalars(select(Structure).where(Structure.raison_sociale == "Institut Horizon Formation")).one()
    horizon.siret = ""
    db.session.commit()
    result = files.write_export(flow_dir / "offre.xml")
    assert validate(result.path.read_bytes()) == []
    assert {f.get("numero").split("_", 1)[1] for f in etree.fromstring(result.path.read_bytes()).iterfind(
        ".//l:formation", NS)} == {formation_like("Titre professionnel maçon%").reference}
    blocking = {(row["formation"], row["chemin"]) for row in report_rows(result) if row["nature"] == "bloquant"}
    path = "formation/organisme-formation-responsable/SIRET-organisme-formation/SIRET"
    assert {(formation_like("BTS management%").reference, path), (formation_like("Bureautique%").reference, path)} \
        <= blocking


# --- files --------------------------------------------------------------------------------------------


def test_r_j3_a_failed_flow_leaves_no_file_behind(app, flow_dir, monkeypatch):
    first = write_flow(NATIONAL)

    def broken(stream, chunks, report, **options):
        stream.write(b"<?xml version='1.0'?><lheo")
        raise RuntimeError("database gone")

    monkeypatch.setattr(files, "write_offer", broken)
    with pytest.raises(RuntimeError):
        write_flow(NATIONAL)
    assert sorted(p.name for p in flow_dir.iterdir() if p.is_file()) == sorted(
        [first.path.name, first.report_csv.name, first.report_json.name])


def test_write_flow_is_usable_outside_a_request(app, flow_dir):
    """What the job queue calls: an application context, no request."""
    from flask import has_request_context

    assert not has_request_context()
    result = write_flow(NATIONAL, out_dir=flow_dir / "nuit")
    assert result.path.parent == flow_dir / "nuit" and result.formations >= 1
    with pytest.raises(ValueError):
        write_flow("onisep")


# --- loading ----------------------------------------------------------------------------------------


def test_r_j1_formations_load_by_chunks_with_a_bounded_number_of_queries(app, count_queries):
    def load(chunk_size):
        with count_queries() as queries:
            chunks = [[f.reference for f in chunk] for chunk in published_formations(db.session, chunk_size)]
        return chunks, queries()

    chunks, whole = load(100)
    assert len(chunks) == 1 and len(chunks[0]) >= 3
    by_one, single = load(1)
    assert len(by_one) == len(chunks[0])
    referentials = 5  # code lists, financeurs, mesures and their publics, read once
    per_chunk = (single - referentials) / len(by_one)
    assert per_chunk <= 30 and whole <= referentials + 30 + 1

    # more sessions and child rows: the same number of queries
    bureautique = formation_like("Bureautique%")
    template = bureautique_sessions()[0]
    for _ in range(20):
        db.session.add(Session(formation=bureautique, etat=SessionEtat.DIFFUSEE, debut=template.debut,
                               fin=template.fin, lieu_inscription=template.lieu_inscription))
    db.session.flush()
    try:
        _, more = load(100)
        assert more == whole
    finally:
        db.session.rollback()


def test_r_j1_every_flow_of_a_small_generated_region_is_valid(app, flow_dir, reset_demo):
    from app.demo.region import load_region

    load_region(db.session, structures=40, formations=200, sessions=800, seed=13)
    results = {**flows(), "export": files.write_export(flow_dir / "region.xml")}
    for name, result in results.items():
        assert result.path is not None and validate(result.path.read_bytes()) == [], name
    assert results[NATIONAL].formations > 50
    generated = db.session.scalars(select(Formation.reference).where(Formation.reference.like("6%"))).all()
    exported = {f.get("numero").split("_", 1)[1] for f in etree.fromstring(
        results[NATIONAL].path.read_bytes()).iterfind(".//l:formation", NS)}
    assert exported & set(generated)


# --- the managers' page -------------------------------------------------------------------------------


def test_managers_read_the_last_reports_and_contacts_do_not(app, login, flow_dir):
    write_flow(KAIROS)
    files.write_export(flow_dir / "offre.xml")
    client = login("gestionnaire")
    page = client.get("/lheo/rapports").get_data(as_text=True)
    assert "Rapports des flux LHEO" in page and "Flux France Travail (Kairos, AUDE)" in page
    assert "Export LHEO (flask lheo export)" in page and "Session hors périmètre" in page
    assert english_in(page) == []
    detail = client.get("/lheo/rapports/kairos.csv")
    assert detail.status_code == 200 and detail.get_data(as_text=True).lstrip("\ufeff").startswith("nature;")
    assert client.get("/lheo/rapports/inconnu.csv").status_code == 404
    summary = json.loads((flow_dir / "derniers-rapports" / "kairos.json").read_text())
    assert summary["partner"] == KAIROS and summary["totals"]["hors périmètre"] >= 1

    contact = login("contact")
    assert contact.get("/lheo/rapports").status_code in (302, 403)
    assert contact.get("/lheo/rapports/kairos.csv").status_code in (302, 403)


def test_the_page_says_when_nothing_was_exported_yet(app, login, flow_dir):
    page = login("gestionnaire").get("/lheo/rapports").get_data(as_text=True)
    assert "Aucun export n'a encore été fait" in page


# --- never a draft, a pending change or an unvalidated session, whatever the states -------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_r_j3_r_g2_no_draft_pending_or_unvalidated_session_in_any_flow(app, data):
    """Random states on the demo's formations and sessions (rolled back after each example): every
    flow, read from the database, holds only validated sessions of published formations."""
    formations = db.session.scalars(select(Formation).order_by(Formation.id)).all()
    sessions = db.session.scalars(select(Session).order_by(Session.id)).all()
    drafted = {f.draft_of_id for f in formations if f.draft_of_id}  # one draft per formation (issue 16)
    try:
        for formation in formations:
            formation.etat = data.draw(st.sampled_from(sorted(FormationEtat.LABELS)))
            free = [f.id for f in formations if f is not formation and f.id not in drafted]
            if free and data.draw(st.booleans()) and data.draw(st.booleans()):
                formation.draft_of_id = data.draw(st.sampled_from(free))
                drafted.add(formation.draft_of_id)
        for session in sessions:
            session.etat = data.draw(st.sampled_from(sorted(SessionEtat.LABELS)))
            session.in_draft = data.draw(st.booleans())
        db.session.flush()
        published = {s.reference for s in sessions if s.etat == SessionEtat.DIFFUSEE and not s.in_draft
                     and s.formation.etat == FormationEtat.DIFFUSEE and s.formation.draft_of_id is None}
        for partner in PARTNERS:
            root = etree.fromstring(export_bytes(db.session, partner=partner))
            numbers = {s.get("numero").split("_", 1)[1] for s in root.iterfind(".//l:session", NS)}
            assert numbers <= published, partner
    finally:
        db.session.rollback()
