"""Excel export of the formations search (SPEC J1): French headers, real dates, one row per session,
the criteria above the table, no formula ever, the user's scope whatever rows are asked for."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

from flask import g
from openpyxl import load_workbook
from sqlalchemy import select

from app.exports.excel import HEADERS, write_sessions
from app.exports.selection import count, selected_ids
from app.extensions import db
from app.models import Formation, Session, SessionEtat
from app.search.criteria import parse
from app.search.formations import search
from tests.test_french_pages import english_in

URL = "/recherche/export/excel"
PAYLOADS = ("=1+1", "+33 6 12 34 56 78", "-2", "@SUM(A1:A2)", "\tTabulée", "=HYPERLINK(\"http://x\";\"clic\")")


def user(app, username):
    return app.appbuilder.sm.find_user(username=username)


def workbook(content: bytes):
    """(header block rows, header row, data rows) of an exported file, as openpyxl cells."""
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    at = next(i for i, row in enumerate(rows) if row[0].value == HEADERS[0])
    return rows[:at], rows[at], rows[at + 1:]


def column(header: str) -> int:
    return HEADERS.index(header)


def export(app, username: str, args: dict | None = None, **options) -> bytes:
    out = io.BytesIO()
    write_sessions(out, parse(args or {}), user(app, username), **options)
    return out.getvalue()


def searched(app, username: str, args: dict | None = None) -> set[str]:
    """The session references the search page lists for the user (every page)."""
    found, page_number = set(), 1
    with app.test_request_context("/recherche/formations"):
        g.user = user(app, username)
        while True:
            page = search(parse({"taille": "100", "page": str(page_number), **(args or {})}))
            found |= {row["session"] for row in page.rows}
            if page_number >= page.pages:
                return found
            page_number += 1


def sessions_in(content: bytes) -> list[str]:
    _, _, data = workbook(content)
    return [row[column("Référence session")].value for row in data]


def test_r_j1_excel_headers_are_french_and_dates_are_dates(app):
    block, header, data = workbook(export(app, "gestionnaire"))
    assert [cell.value for cell in header] == list(HEADERS)
    assert {"Référence formation", "Référence session", "Intitulé de la formation", "Code certification",
            "Date de début", "Date de fin", "OF responsable", "OF formateur", "Dispositif / mesure", "Financeur",
            "Numéro de marché", "Nombre de places", "État de la session", "État de la formation", "Code postal",
            "Ville", "Département"} <= set(HEADERS)
    dated = [row[column("Date de début")] for row in data if row[column("Date de début")].value is not None]
    assert dated
    for cell in dated:
        assert cell.is_date and isinstance(cell.value, datetime)
        assert cell.number_format == "dd/mm/yyyy"
    etats = {row[column("État de la session")].value for row in data}
    assert etats <= set(SessionEtat.LABELS.values()) and "Diffusée" in etats


def test_r_j1_excel_one_row_per_session_as_the_search(app):
    content = export(app, "gestionnaire")
    listed = sessions_in(content)
    assert len(listed) == len(set(listed))  # one row per session
    assert set(listed) == searched(app, "gestionnaire")
    block, _, data = workbook(content)
    assert dict((row[0].value, row[1].value) for row in block if len(row) > 1)["Sessions exportées"] == len(data)
    # Each row carries its formation's columns.
    by_session = {row[column("Référence session")].value: row for row in data}
    some = db.session.execute(select(Session).join(Formation).where(Session.etat == SessionEtat.DIFFUSEE,
                                                                    Session.in_draft.is_(False))).scalars().first()
    row = by_session[some.reference]
    assert row[column("Référence formation")].value == some.formation.reference
    assert row[column("Intitulé de la formation")].value == some.formation.intitule
    assert row[column("OF responsable")].value == (some.formation.structure.enseigne
                                                   or some.formation.structure.raison_sociale)


def test_r_j1_excel_follows_the_search_order(app):
    args = {"tri": "debut", "ordre": "desc"}
    _, _, data = workbook(export(app, "gestionnaire", args))
    starts = [row[column("Date de début")].value for row in data if row[column("Date de début")].value]
    assert starts == sorted(starts, reverse=True)


def test_r_j1_excel_filters_written_in_the_header_block(app):
    args = {"q": "bâtiment", "etat": "diffusee", "debut_du": "2026-01-01", "certifiante": "oui", "tri": "ville"}
    content = export(app, "gestionnaire", args)
    block, _, data = workbook(content)
    lines = {row[0].value: row[1].value for row in block if len(row) > 1 and row[0].value}
    assert lines["Recherche rapide"] == "bâtiment"
    assert lines["État"] == "Diffusée"
    assert lines["Début de session du"] == "01/01/2026"
    assert lines["Certifiante"] == "Oui"
    assert lines["Tri"] == "Ville (croissant)"
    assert block[0][0].value == "Export des sessions de formation"
    assert set(sessions_in(content)) == searched(app, "gestionnaire", args)
    assert {row[column("État de la session")].value for row in data} <= {"Diffusée"}


def test_r_j1_excel_without_criteria_says_archived_are_left_out(app):
    block, _, _ = workbook(export(app, "contact"))
    lines = {row[0].value: row[1].value for row in block if len(row) > 1 and row[0].value}
    assert lines["État"] == "Tous (hors archivées)"


def test_r_j1_excel_formula_injection_neutralised(app, reset_demo):
    formations = db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None), Formation.sessions.any(
        (Session.etat != SessionEtat.ARCHIVEE) & Session.in_draft.is_(False))).order_by(Formation.id)
    ).scalars().all()[:len(PAYLOADS)]
    assert len(formations) == len(PAYLOADS)
    for formation, payload in zip(formations, PAYLOADS):
        formation.intitule = payload
    db.session.commit()
    content = export(app, "gestionnaire")
    block, _, data = workbook(content)
    written = {row[column("Intitulé de la formation")].value: row[column("Intitulé de la formation")]
               for row in data}
    for payload in PAYLOADS:
        cell = written[payload]  # the exact text, nothing added
        assert cell.data_type == "s", (payload, cell.data_type)
        assert cell.quotePrefix, payload  # Excel keeps it text when the cell is edited
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert all(b"<f>" not in sheet and b"<f " not in sheet for sheet in sheets)  # no formula anywhere

    header_injection = export(app, "gestionnaire", {"of_formateur": "=cmd|' /C calc'!A0", "q": "@SUM(1)"})
    block, _, _ = workbook(header_injection)
    cells = {row[0].value: row[1] for row in block if len(row) > 1 and row[0].value}
    assert cells["OF formateur"].value == "=cmd|' /C calc'!A0" and cells["OF formateur"].data_type == "s"
    assert cells["Recherche rapide"].value == "@SUM(1)" and cells["Recherche rapide"].data_type == "s"


def test_r_j1_contact_exports_only_his_scope(app, login):
    client = login("contact")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    mine = set(sessions_in(response.data))
    assert mine and mine == searched(app, "contact")
    foreign = searched(app, "contact.autre") - mine  # the other organisation's own sessions
    assert foreign and mine < searched(app, "gestionnaire")


def test_r_j1_forged_foreign_rowids_are_ignored(app, login):
    own = db.session.execute(select(Session.id, Session.reference).where(
        Session.reference.in_(searched(app, "contact")))).all()
    foreign = db.session.execute(select(Session.id).where(
        Session.reference.in_(searched(app, "contact.autre") - searched(app, "contact")))).scalars().all()
    assert foreign
    client = login("contact")
    chosen = [own[0].id, *foreign]
    response = client.post(URL, data={"rowid": [str(i) for i in chosen] + ["abc", "-1", "99999999999"]})
    assert response.status_code == 200
    assert sessions_in(response.data) == [own[0].reference]
    # Only foreign rows: nothing, never "everything" (an empty selection is not no selection).
    response = client.post(URL, data={"rowid": [str(i) for i in foreign]})
    assert sessions_in(response.data) == []
    block, _, _ = workbook(response.data)
    assert dict((row[0].value, row[1].value) for row in block if len(row) > 1)["Sessions exportées"] == 0


def test_r_j1_selection_is_within_the_criteria_and_the_scope(app):
    contact = user(app, "contact")
    assert selected_ids([]) is None
    assert selected_ids(["3", "x", "3", "-4"]) == (3,)
    mine = searched(app, "contact")
    ids = db.session.execute(select(Session.id).where(Session.reference.in_(mine))).scalars().all()
    assert count(parse({}), contact) == len(mine)
    assert count(parse({}), contact, selected=tuple(ids[:2])) == 2
    assert count(parse({}), contact, selected=()) == 0


def test_r_j1_large_export_asks_before_queueing(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "EXCEL_DIRECT_MAX_ROWS", 1)
    client = login("gestionnaire")
    response = client.get(URL, query_string={"certifiante": "oui", "tri": "ville"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "préparé en arrière-plan" in html and "Préparer l'export" in html
    assert 'name="certifiante" value="oui"' in html and 'name="tri" value="ville"' in html
    assert english_in(html) == []


def test_r_j1_export_needs_a_login(client):
    client.get("/logout/")
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
