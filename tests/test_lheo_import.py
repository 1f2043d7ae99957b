"""LHEO import (SPEC J4, G7): partner flows come in as read-only formations with a reconciliation
report, and come back out of the exporter equal on every element.

Files: the real Onisep LHEO 2.2 example (shared/refdata) and tests/data/lheo-2.3-import.xml,
written for these tests — two formations, three actions, one with three sessions and one with two,
extras (nested, with markup), month-precision dates (AAAAMM00), unknown dates (00000000 /
99999999) and every optional block of formation, action, session and organismes.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.commands.lheo_import import ImportLheo
from app.extensions import db
from app.lheo.diff import compare
from app.lheo.export import validate
from app.lheo.files import write_export
from app.lheo.importer import lheo_day
from app.lheo.reader import FileRefused, Limits, LheoReader, validate_file
from app.models import (
    Action,
    Formation,
    FormationEtat,
    ImportEtat,
    LheoImport,
    LheoImportLine,
    Outcome,
    Session,
    SessionEtat,
    Structure,
)
from app.workflow.locks import IMPORTED
from tests.helpers import form_data

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR") or ROOT.parent / "shared")
ONISEP = SHARED / "refdata" / "lheo" / "exemple-lheo-2.2-onisep-bts.xml"
if not ONISEP.is_file():  # CI lays shared/ beside the clone
    ONISEP = ROOT.parent.parent / "shared" / "refdata" / "lheo" / "exemple-lheo-2.2-onisep-bts.xml"
WRITTEN = ROOT / "tests" / "data" / "lheo-2.3-import.xml"
NS = {"l": "http://lheo.gouv.fr/2.3"}
CFA_SIRET = "32945614200010"  # CFA Bâtiment Normandie (demo): responsable of CR_F_1001


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def run_import(path, source="EOS", **options) -> LheoImport:
    return ImportLheo(path, source, **options).run()


def imported(numero, source="EOS") -> Formation:
    return db.session.execute(select(Formation).where(Formation.source == source,
                                                      Formation.source_numero == numero)).scalar_one()


def lines(run, kind=None, outcome=None) -> list[LheoImportLine]:
    query = select(LheoImportLine).where(LheoImportLine.import_id == run.id)
    if kind:
        query = query.where(LheoImportLine.kind == kind)
    if outcome:
        query = query.where(LheoImportLine.outcome == outcome)
    return db.session.execute(query.order_by(LheoImportLine.id)).scalars().all()


def export_source(tmp_path, source="EOS") -> Path:
    result = write_export(tmp_path / f"{source}.xml", source=source)
    assert result.path is not None, result.report_text
    return result.path


# --- J4: import of the real Onisep 2.2 example and the round trip ------------------------------------

def test_r_j4_onisep_2_2_example_is_imported_and_comes_back_equal(app, reset_demo, tmp_path):
    assert ONISEP.is_file()
    run = run_import(ONISEP, "ONISEP")
    assert run.etat == ImportEtat.TERMINE and run.version == "2.2"
    assert run.counts["formation"][Outcome.CREATED] == 1 and run.counts["session"][Outcome.CREATED] == 1
    formation = imported("9436_18706", "ONISEP")
    assert formation.importee and formation.etat == FormationEtat.DIFFUSEE and formation.importee_le is not None
    assert formation.intitule == "BTS négociation et relation client"
    assert formation.objectifs.startswith("<p>A la fois vendeur")  # the source's text, as read
    assert formation.niveau_sortie.code == "6"
    lycee = formation.structure
    assert lycee.siret == "19290076900014" and lycee.source == "ONISEP"  # created as a non-member structure
    session = formation.sessions[0]
    assert (session.debut, session.fin) == (date(2015, 9, 1), date(2017, 8, 31))
    assert session.action.numero == "9436_18706" and session.duree_indicative == "2 ans"
    assert [link.lieu.ville for link in session.lieux] == ["QUIMPERLÉ"]
    assert session.lieux[0].lieu.latitude == pytest.approx(47.882108)
    warnings = [line.reason for line in lines(run, "formation", Outcome.WARNING)]
    assert any("certification inconnue" in reason and "474" in reason for reason in warnings)

    out = export_source(tmp_path, "ONISEP")
    assert validate(out.read_bytes()) == []
    assert compare(ONISEP, out) == []  # equal on every element (2.2 read as 2.3)


def test_r_j4_written_file_keeps_actions_extras_and_date_precision(app, reset_demo, tmp_path):
    run = run_import(WRITTEN)
    assert run.etat == ImportEtat.TERMINE and run.version == "2.3"
    assert run.counts["formation"] == {Outcome.CREATED: 2, Outcome.WARNING: run.counts["formation"][Outcome.WARNING]}
    assert run.counts["action"] == {Outcome.CREATED: 3} and run.counts["session"] == {Outcome.CREATED: 6}
    maconnerie = imported("CR_F_1001")
    actions = db.session.execute(select(Action).where(Action.formation_id == maconnerie.id)
                                 .order_by(Action.rang)).scalars().all()
    assert [(a.numero, len(a.sessions)) for a in actions] == [("CR_A_2001", 3), ("CR_A_2002", 2)]
    by_numero = {s.source_numero: s for s in maconnerie.sessions}
    assert (by_numero["CR_S_3001"].debut, by_numero["CR_S_3001"].fin) == (date(2027, 1, 1), date(2027, 6, 1))
    assert (by_numero["CR_S_3002"].debut, by_numero["CR_S_3002"].fin) == (None, None)  # 00000000 / 99999999
    assert by_numero["CR_S_3003"].fin == date(2028, 1, 1)  # 20280000: the year only
    first = by_numero["CR_S_3001"]
    assert (first.duree_centre, first.duree_entreprise, first.duree_totale) == (450, 150, 600)
    assert first.modalite_enseignement.code == "1" and first.modalites_inscription == "Sur dossier puis entretien."
    assert {f.financeur.code: f.nb_places for f in first.financements} == {"2": 12, "4": None}
    formateur = first.formateurs[0].structure
    assert formateur.siret == "88888888800018" and formateur.source == "EOS"
    # the responsable is matched by SIRET to the demo's CFA: no second structure
    assert maconnerie.structure.raison_sociale == "CFA Bâtiment Normandie" and maconnerie.structure.source is None
    organismes = {line.numero: line.outcome for line in lines(run, "organisme")}
    assert organismes["CR_OR_1"] == Outcome.MATCHED and organismes["CR_OF_1"] == Outcome.CREATED
    # action-level fields the portal does not use are kept in the action's stored document
    kept = {child["t"] for child in actions[0].lheo["tree"]["c"]}
    assert {"langue-formation", "url-action", "adresse-information", "date-information", "code-perimetre-recrutement",
            "conventionnement", "equipement", "enseignement", "extras"} <= kept

    out = export_source(tmp_path)
    document = out.read_bytes()
    assert validate(document) == []
    assert compare(WRITTEN, out) == []  # every element, attribute and extra comes back
    root = etree.fromstring(document)
    formation = root.find("l:offres/l:formation[@numero='CR_F_1001']", NS)
    assert [len(a.findall("l:session", NS)) for a in formation.findall("l:action", NS)] == [3, 2]  # one action each
    debuts = formation.xpath("l:action/l:session/l:periode/l:debut/text()", namespaces=NS)
    assert debuts[:3] == ["20270100", "00000000", "20270901"]


def test_r_j4_diff_command_prints_what_differs_element_by_element(app, tmp_path):
    changed = tmp_path / "changed.xml"
    changed.write_text(WRITTEN.read_text(encoding="utf-8").replace("Maçon (titre professionnel)", "Maçon")
                       .replace("<debut>20270100</debut>", "<debut>20270101</debut>"), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lheo", "diff", str(WRITTEN), str(changed)])
    assert result.exit_code == 1
    assert "formation CR_F_1001 : intitule-formation[1] : 'Maçon (titre professionnel)' ≠ 'Maçon'" in result.output
    assert "action[1]/session[1]/periode[1]/debut[1] : '20270100' ≠ '20270101'" in result.output
    assert "2 différence(s)." in result.output
    same = app.test_cli_runner().invoke(args=["lheo", "diff", str(WRITTEN), str(WRITTEN)])
    assert same.exit_code == 0 and "Aucune différence" in same.output


def test_r_j4_cli_import_then_export_of_the_source(app, reset_demo, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lheo", "import", str(WRITTEN), "--source", "EOS"])
    assert result.exit_code == 0, result.output
    assert "Terminé" in result.output and "session : cree 6" in result.output
    out = tmp_path / "eos.xml"
    exported = runner.invoke(args=["lheo", "export", "--source", "EOS", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert runner.invoke(args=["lheo", "diff", str(WRITTEN), str(out)]).exit_code == 0
    bad = runner.invoke(args=["lheo", "import", str(WRITTEN), "--source", "../etc"])
    assert bad.exit_code != 0 and "Nom de source attendu" in bad.output


# --- identity and reconciliation -------------------------------------------------------------------

def _snapshot():
    return (db.session.execute(select(func.count()).select_from(Formation)).scalar(),
            db.session.execute(select(func.count()).select_from(Session)).scalar(),
            db.session.execute(select(func.count()).select_from(Structure)).scalar(),
            db.session.execute(select(func.max(Formation.updated_at))).scalar(),
            db.session.execute(select(func.max(Session.updated_at))).scalar())


def test_r_j4_a_second_import_of_the_same_file_changes_nothing(app, reset_demo):
    run_import(WRITTEN)
    before = _snapshot()
    run = run_import(WRITTEN)
    db.session.expire_all()
    assert _snapshot() == before
    assert run.counts == {"formation": {Outcome.UNCHANGED: 2}, "action": {Outcome.UNCHANGED: 3},
                          "session": {Outcome.UNCHANGED: 6}}
    assert all(line.reference for line in lines(run, "session"))


def test_r_j4_changed_records_are_updated_and_vanished_ones_archived(app, reset_demo, tmp_path):
    run_import(WRITTEN)
    source = WRITTEN.read_text(encoding="utf-8")
    changed = source.replace("Maçon (titre professionnel)", "Maçon du bâti ancien")
    changed = changed.replace("<nombre-heures-total>600</nombre-heures-total>", "<nombre-heures-total>620</nombre-heures-total>")
    changed = re.sub(r'<session numero="CR_S_3005">.*?</session>', "", changed, flags=re.S)  # a vanished session
    changed = re.sub(r'<formation numero="CR_F_1002">.*?</formation>', "", changed, flags=re.S)  # a vanished formation
    path = tmp_path / "eos-2.xml"
    path.write_text(changed, encoding="utf-8")
    run = run_import(path)
    assert run.etat == ImportEtat.TERMINE
    db.session.expire_all()
    maconnerie = imported("CR_F_1001")
    assert maconnerie.intitule == "Maçon du bâti ancien" and maconnerie.etat == FormationEtat.DIFFUSEE
    sessions = {s.source_numero: s for s in maconnerie.sessions}
    assert sessions["CR_S_3001"].duree_totale == 620
    assert sessions["CR_S_3005"].etat == SessionEtat.ARCHIVEE
    langues = imported("CR_F_1002")
    assert langues.etat == FormationEtat.ARCHIVEE and {s.etat for s in langues.sessions} == {SessionEtat.ARCHIVEE}
    outcomes = {(line.kind, line.numero): line.outcome for line in lines(run) if line.outcome != Outcome.WARNING}
    assert outcomes[("formation", "CR_F_1001")] == Outcome.UPDATED
    assert outcomes[("action", "CR_A_2001")] == Outcome.UPDATED
    assert outcomes[("session", "CR_S_3004")] == Outcome.UNCHANGED
    assert outcomes[("session", "CR_S_3005")] == Outcome.ARCHIVED
    assert outcomes[("formation", "CR_F_1002")] == Outcome.ARCHIVED
    # back in the next flow: diffused again
    again = run_import(WRITTEN)
    db.session.expire_all()
    assert imported("CR_F_1002").etat == FormationEtat.DIFFUSEE
    assert {line.numero for line in lines(again, "formation", Outcome.UPDATED)} >= {"CR_F_1002"}
    # a partial flow archives nothing
    run_import(path, archive_vanished=False)
    db.session.expire_all()
    assert imported("CR_F_1002").etat == FormationEtat.DIFFUSEE


def test_r_j4_a_record_saved_by_someone_else_during_the_import_makes_it_start_again(app, reset_demo, monkeypatch):
    """A manager saves an imported formation while the nightly import writes it: the import's
    write is refused as stale (its version changed), so the run starts again from the file and
    ends done; if it keeps happening, the run fails in French and writes nothing."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.commands import lheo_import
    from app.lheo.reconcile import Reconciler

    original = Reconciler.formation
    calls = {"n": 0}

    def overtaken_once(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second formation of the first attempt
            raise StaleDataError("UPDATE statement on table 'formation' expected to update 1 row(s); 0 were matched.")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Reconciler, "formation", overtaken_once)
    run = run_import(WRITTEN)
    assert run.etat == ImportEtat.TERMINE and calls["n"] > 2
    assert run.counts["formation"][Outcome.CREATED] == 2  # the first attempt left nothing behind
    assert len(lines(run, "formation", Outcome.CREATED)) == 2
    assert {imported(n).intitule for n in ("CR_F_1001", "CR_F_1002")}

    def always_overtaken(self, *args, **kwargs):
        raise StaleDataError("0 were matched")

    monkeypatch.setattr(Reconciler, "formation", always_overtaken)
    before = _snapshot()
    failed = run_import(WRITTEN)
    assert failed.etat == ImportEtat.ECHEC and failed.message == lheo_import.CHANGED_MEANWHILE
    db.session.expire_all()
    assert _snapshot() == before


def test_r_j4_a_formation_the_schema_refuses_is_reported_with_its_path_and_the_rest_imported(app, reset_demo, tmp_path):
    broken = WRITTEN.read_text(encoding="utf-8").replace(
        "<intitule-formation>Français langue étrangère</intitule-formation>", "")
    path = tmp_path / "broken.xml"
    path.write_text(broken, encoding="utf-8")
    run = run_import(path)
    assert run.etat == ImportEtat.TERMINE
    refused = lines(run, "formation", Outcome.REFUSED)
    assert refused and refused[0].numero == "CR_F_1002"
    assert refused[0].path.startswith("lheo/offres/formation[2]") and "ligne" in refused[0].path
    assert "schéma LHEO" in refused[0].reason
    assert imported("CR_F_1001").etat == FormationEtat.DIFFUSEE
    assert db.session.execute(select(Formation).where(Formation.source_numero == "CR_F_1002")).first() is None


# --- hostile XML: refused whole, nothing written, in bounded memory and time -------------------------

HOSTILE = {
    "xxe": '<?xml version="1.0"?><!DOCTYPE lheo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<lheo xmlns="http://lheo.gouv.fr/2.3"><offres>&xxe;</offres></lheo>',
    "billion-laughs": '<?xml version="1.0"?><!DOCTYPE lheo [<!ENTITY a "aaaaaaaaaa">'
                      + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                      + ']><lheo xmlns="http://lheo.gouv.fr/2.3"><offres>&j;</offres></lheo>',
    "external-dtd": '<?xml version="1.0"?><!DOCTYPE lheo SYSTEM "http://127.0.0.1:9/lheo.dtd">'
                    '<lheo xmlns="http://lheo.gouv.fr/2.3"><offres/></lheo>',
    "undeclared-entity": '<?xml version="1.0"?><lheo xmlns="http://lheo.gouv.fr/2.3"><offres>&xxe;</offres></lheo>',
    "not-lheo": '<?xml version="1.0"?><lheo-index xmlns="http://lheo.gouv.fr/2.3"/>',
    "foreign-namespace": '<?xml version="1.0"?><lheo xmlns="http://example.org/lheo"><offres/></lheo>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_r_j4_hostile_xml_is_refused_before_anything_is_written(app, reset_demo, tmp_path, name):
    path = tmp_path / f"{name}.xml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    before = _snapshot()
    started = time.monotonic()
    run = run_import(path)
    assert time.monotonic() - started < 5
    assert run.etat == ImportEtat.REFUSE and run.message
    if name in ("xxe", "billion-laughs", "external-dtd"):
        assert "DTD" in run.message
    assert "root:" not in run.message  # nothing of /etc/passwd
    db.session.expire_all()
    assert _snapshot() == before
    assert [line.outcome for line in lines(run)] == [Outcome.REFUSED]


def test_r_j4_a_file_over_the_size_limit_is_refused_without_being_read(tmp_path):
    path = tmp_path / "grand.xml"
    path.write_bytes(WRITTEN.read_bytes())
    with pytest.raises(FileRefused, match="trop volumineux"):
        validate_file(path, Limits(max_bytes=1000))


def test_r_j4_a_100_mb_file_is_refused_in_bounded_memory_and_time(tmp_path):
    """One formation growing to 100 MB (a dump that never closes its element): the reader stops at
    the formation limit, holding a few megabytes, in a separate process whose peak memory we read."""
    path = tmp_path / "hostile-100mb.xml"
    block = b"<extras><extra info='x'>" + b"y" * 1000 + b"</extra></extras>\n"
    with open(path, "wb") as stream:
        stream.write(b'<?xml version="1.0"?><lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation>')
        for _ in range(100 * 1024 * 1024 // len(block)):
            stream.write(block)
        stream.write(b"</formation></offres></lheo>")
    assert path.stat().st_size >= 100 * 1024 * 1024
    script = textwrap.dedent(f"""
        import resource, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from app.lheo.reader import FileRefused, validate_file
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        try:
            validate_file({str(path)!r})
            print("ACCEPTED")
        except FileRefused as error:
            print("REFUSED", error)
        print("SECONDS", time.monotonic() - started)
        print("GROWTH_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline)
    """)
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=ROOT).stdout
    assert "REFUSED" in output and "trop volumineuse" in output, output
    seconds = float(re.search(r"SECONDS (\S+)", output).group(1))
    growth_kb = int(re.search(r"GROWTH_KB (\d+)", output).group(1))
    assert seconds < 10, output
    assert growth_kb < 64 * 1024, output  # far below the file's 100 MB


def test_r_j4_the_reader_holds_one_formation_at_a_time(tmp_path):
    seen = []
    for read in LheoReader(WRITTEN):
        seen.append(read.element.get("numero"))
        assert read.element.getparent() is None  # detached from the file's tree
    assert seen == ["CR_F_1001", "CR_F_1002"]


def test_r_j4_lheo_dates_keep_their_meaning():
    assert lheo_day("20270100") == date(2027, 1, 1)
    assert lheo_day("20270000") == date(2027, 1, 1)
    assert lheo_day("00000000") is None and lheo_day("99999999") is None
    assert lheo_day("20270231") is None and lheo_day("2027") is None


# --- G7: read-only for contacts, visible to the organisations concerned ---------------------------------

def test_r_g7_a_contact_sees_an_imported_formation_but_cannot_edit_or_submit_it(app, reset_demo, login):
    from app.views.offer import FormationView, SessionView

    run_import(WRITTEN)
    formation = imported("CR_F_1001")
    session = next(s for s in formation.sessions if s.source_numero == "CR_S_3001")
    intitule = formation.intitule
    client = login("contact")  # CFA Bâtiment Normandie: the responsable's SIRET
    page = text(client.get(f"/formationview/show/{formation.id}"))
    assert "Maçon (titre professionnel)" in page
    assert "Formation importée du flux « EOS »" in page and "importée d'un autre système" in page
    assert "Soumettre pour validation" not in page
    response = client.post(f"/formationview/edit/{formation.id}",
                           data=form_data(formation, FormationView.edit_columns, intitule="Changé"))
    assert response.status_code == 404
    assert client.post(f"/formationview/transition/submit/{formation.id}").status_code == 404
    response = client.post(f"/sessionview/edit/{session.id}",
                           data=form_data(session, SessionView.edit_columns, modalites_inscription="Changé"))
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Formation, formation.id).intitule == intitule
    assert db.session.get(Formation, formation.id).etat == FormationEtat.DIFFUSEE
    search = text(client.get("/recherche/formations?q=Maçon"))
    assert "Maçon (titre professionnel)" in search  # searchable in the contact's scope
    other = login("contact.autre")  # Institut Horizon Formation: not concerned
    assert other.get(f"/formationview/show/{formation.id}").status_code == 404


def test_r_g7_imported_formations_are_never_submitted_nor_purged(app, reset_demo):
    from app.models import HistoryEntry

    run_import(WRITTEN)
    formation = imported("CR_F_1001")
    entries = db.session.execute(select(HistoryEntry.action).where(
        HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation.id)).scalars().all()
    assert entries == ["Import LHEO : création"]
    assert formation.submitted_at is None


def test_r_j4_imported_formations_go_into_the_national_flow_as_one_action_per_action(app, reset_demo):
    from app.lheo.export import export_bytes

    run_import(WRITTEN)
    formation = imported("CR_F_1001")
    document = export_bytes(formation_ids=[formation.id], today=date(2026, 12, 1))
    root = etree.fromstring(document)
    exported = root.find("l:offres/l:formation", NS)
    if exported is not None:  # the national perimeter may leave it out (E3: habilitation) — never split it
        assert exported.get("numero") == "CR_F_1001"
        assert all(len(a.findall("l:session", NS)) >= 1 for a in exported.findall("l:action", NS))
        assert len(exported.findall("l:action", NS)) <= 2


# --- the managers' pages, the inbox ---------------------------------------------------------------------

def test_r_j4_a_manager_uploads_a_file_and_reads_its_reconciliation_report(app, reset_demo, login):
    client = login("gestionnaire")
    form = text(client.get("/lheo/imports/nouveau"))
    assert "Importer un fichier LHEO" in form
    with open(WRITTEN, "rb") as handle:
        response = client.post("/lheo/imports/nouveau", data={"source": "EOS", "fichier": (handle, "flux-eos.xml")},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    report = text(client.get(response.headers["Location"]))
    assert "Rapport de l'import LHEO" in report and "flux-eos.xml" in report and "Terminé" in report
    assert "CR_S_3001" in report and "Créé" in report and "Rapproché" in report
    run = db.session.execute(select(LheoImport).order_by(LheoImport.id.desc())).scalars().first()
    csv_text = client.get(f"/lheo/imports/{run.id}.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufefftype;numero;resultat;motif;chemin XML;reference portail")
    assert "session;CR_S_3005;Créé;" in csv_text
    assert "EOS" in text(client.get("/lheo/imports/"))
    empty = text(client.post("/lheo/imports/nouveau", data={"source": "EOS"}, content_type="multipart/form-data"))
    assert "Aucun fichier LHEO" in empty
    contact = login("contact")
    assert contact.get("/lheo/imports/").status_code in (302, 403)
    assert contact.get(f"/lheo/imports/{run.id}.csv").status_code in (302, 403)


def test_r_j4_the_inbox_job_imports_each_sources_files_and_moves_them(app, reset_demo, tmp_path):
    from app.lheo.inbox import import_inbox

    inbox = tmp_path / "inbox"
    (inbox / "EOS").mkdir(parents=True)
    (inbox / "EOS" / "flux.xml").write_bytes(WRITTEN.read_bytes())
    (inbox / "ONISEP").mkdir()
    (inbox / "ONISEP" / "bts.xml").write_bytes(ONISEP.read_bytes())
    (inbox / "ONISEP" / "dtd.xml").write_text(HOSTILE["xxe"], encoding="utf-8")
    runs = import_inbox(inbox, min_age=0)
    assert [(r.source, r.etat) for r in runs] == [("EOS", ImportEtat.TERMINE), ("ONISEP", ImportEtat.REFUSE)]
    assert [p.name.split("-", 2)[-1] for p in (inbox / "EOS" / "traites").iterdir()] == ["flux.xml"]
    assert sorted(p.name.split("-", 2)[-1] for p in (inbox / "ONISEP" / "refuses").iterdir()) == ["bts.xml", "dtd.xml"]
    assert not list((inbox / "EOS").glob("*.xml")) and import_inbox(inbox, min_age=0) == []
