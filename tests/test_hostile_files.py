"""Hostile files: workbooks sent to the recrutement-calendar import (F13) and documents uploaded
to a structure (C8) or with an account request (B1).

Every hostile workbook is refused with a French message on the import page, in bounded memory;
every document is typed by its bytes, stored under a sanitised name and downloaded as an
attachment that a browser will not render as a page.
"""
from __future__ import annotations

import html
import json
import re
import struct
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.imports.recrutements import COLUMNS, template_workbook
from app.models import AccountRequest, Session, Structure, StructureDocument
from tests.helpers import formation_like

ROOT = Path(__file__).resolve().parent.parent
HEADER = [title for _, title in COLUMNS]
SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
MB = 1024 * 1024


# --- hostile workbooks ---------------------------------------------------------------------------

def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def cfa_session() -> Session:
    return formation_like("Sécurité incendie%").sessions[0]


def upload(client, session, content: bytes, name="calendrier.xlsx"):
    return client.post(f"/sessionview/import_recrutements/{session.id}",
                       data={"fichier": (BytesIO(content), name)}, content_type="multipart/form-data")


def recrutements_of(session_id) -> set[str]:
    db.session.expire_all()
    return {r.numero for r in db.session.get(Session, session_id).recrutements}


def with_parts(parts: dict[str, bytes | str]) -> bytes:
    """The downloadable model with some parts replaced or added."""
    parts = dict(parts)
    source = zipfile.ZipFile(BytesIO(template_workbook()))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, parts.pop(info.filename, None) or source.read(info.filename))
        for name, value in parts.items():
            archive.writestr(name, value)
    return out.getvalue()


def sheet_xml(rows: str, doctype: str = "", dimension: str = "A1:M2", encoding: str = "UTF-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>{doctype}<worksheet xmlns="{MAIN_NS}">'
            f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')


def header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{html.escape(title)}</t></is></c>'
                    for i, title in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def xxe_workbook(encoding: str = "UTF-8") -> bytes:
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    row = '<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    return with_parts({SHEET: sheet_xml(header_row() + row, doctype, encoding=encoding).encode(encoding)})


def billion_laughs_workbook() -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol%d;" % (n - 1)) * 10}">' for n in range(1, 10))
    row = '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return with_parts({SHEET: sheet_xml(header_row() + row, f"<!DOCTYPE lolz [{entities}]>")})


def zip_bomb(path: Path, size: int = 1024 * MB) -> bytes:
    """The model whose sheet inflates to `size` bytes of zeros (~1 MB on disk), written in 1 MB
    chunks so that building it costs the test no memory."""
    source = zipfile.ZipFile(BytesIO(template_workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open(SHEET, "w", force_zip64=False) as member:
            chunk = bytes(MB)
            for _ in range(size // MB):
                member.write(chunk)
    return path.read_bytes()


def lying_directory(bomb: bytes, declared: int = 10 * 1024) -> bytes:
    """The bomb whose zip headers claim the sheet is only `declared` bytes once inflated."""
    data = bytearray(bomb)
    name = SHEET.encode()
    local = data.index(b"PK\x03\x04")
    while data[local + 30:local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, declared)
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def corrupted(content: bytes) -> bytes:
    """The model with bytes of the sheet's compressed data overwritten (directory intact)."""
    data = bytearray(content)
    info = zipfile.ZipFile(BytesIO(content)).getinfo(SHEET)
    start = info.header_offset + 30 + len(SHEET.encode()) + len(info.extra)
    data[start + 10:start + 60] = b"\xff" * 50
    return bytes(data)


def too_many_cells() -> bytes:
    rows = "".join(f'<row r="{r}">' + "".join(f"<c><v>{r * 97 + c}</v></c>" for c in range(50)) + "</row>"
                   for r in range(2, 2100))
    return with_parts({SHEET: sheet_xml(header_row() + rows)})


def huge_dimension() -> bytes:
    """A sheet claiming to span A1:XFD1048576, its last cell there: reading stays bounded."""
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return with_parts({SHEET: sheet_xml(header_row() + far, dimension="A1:XFD1048576")})


def book_with_formula() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    day = (date.today() + timedelta(days=5)).strftime("%d/%m/%Y")
    sheet.append(["MR.09", "ICO-50", day, day, "09:30", "11:30", "=10+10", "non", "12 rue du Bâtiment",
                  "14000", "Caen", "", "Réunion"])
    sheet.append(["MR.09", "ICO-51", day, day, "09:30", "11:30", 20, "non", "12 rue du Bâtiment",
                  "14000", "Caen", "", '=HYPERLINK("http://example.org","clic")'])
    sheet["M3"].data_type = "s"  # written as a text starting with '=', not as a formula
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> bytes:
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "bombe.xlsx")


DTD_REFUSED = "déclarations XML interdites (DOCTYPE, ENTITY)"
DAMAGED = "incomplet ou endommagé"


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_r_f13_import_refuses_an_external_entity_xxe(login, encoding):
    client = login("contact")
    session = cfa_session()
    before = recrutements_of(session.id)
    response = upload(client, session, xxe_workbook(encoding))
    assert response.status_code == 200
    page = text_of(response)
    assert "Rien n'a été importé" in page and DTD_REFUSED in page
    assert "root:" not in page
    assert recrutements_of(session.id) == before


def test_r_f13_import_refuses_billion_laughs(login):
    client = login("contact")
    response = upload(client, cfa_session(), billion_laughs_workbook())
    assert response.status_code == 200
    assert DTD_REFUSED in text_of(response)
    assert "lollol" not in response.get_data(as_text=True)


def test_r_f13_import_refuses_a_zip_bomb_from_its_directory(login, bomb):
    client = login("contact")
    assert len(bomb) < 2 * MB  # small on the wire…
    response = upload(client, cfa_session(), bomb)
    assert response.status_code == 200
    assert "dépasse 20 Mo une fois décompressé" in text_of(response)  # …refused before inflating


def test_r_f13_import_refuses_a_zip_whose_directory_lies_about_sizes(login, bomb):
    client = login("contact")
    response = upload(client, cfa_session(), lying_directory(bomb))
    assert response.status_code == 200
    assert DAMAGED in text_of(response)


def test_r_f13_import_refuses_a_part_compressed_like_a_bomb(login):
    client = login("contact")
    content = with_parts({"xl/extra.bin": bytes(2 * MB)})  # 2 MB of zeros in a few kilobytes
    response = upload(client, cfa_session(), content)
    assert "anormalement compressée" in text_of(response)


@pytest.mark.parametrize("damage", ["half", "last_bytes", "member_data"])
def test_r_f13_import_refuses_a_truncated_or_corrupted_workbook(login, damage):
    client = login("contact")
    model = template_workbook()
    content = {"half": model[: len(model) // 2], "last_bytes": model[:-10], "member_data": corrupted(model)}[damage]
    response = upload(client, cfa_session(), content)
    assert response.status_code == 200
    page = text_of(response)
    assert "Rien n'a été importé" in page and DAMAGED in page


@pytest.mark.parametrize("content, message", [
    (b"Bonjour, voici mon calendrier", "n'est pas un classeur Excel (.xlsx) lisible"),
    (b"<html><script>alert(1)</script></html>", "n'est pas un classeur Excel (.xlsx) lisible"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "ancien format (.xls) ou protégé par un mot de passe"),
    (b"PK\x05\x06" + bytes(18), "n'est pas un classeur Excel (.xlsx) lisible"),
], ids=["text", "html", "xls-or-encrypted", "empty-zip"])
def test_r_f13_import_refuses_what_is_not_a_workbook(login, content, message):
    client = login("contact")
    response = upload(client, cfa_session(), content)
    assert response.status_code == 200
    assert message in text_of(response)


def test_r_f13_import_refuses_formula_cells_line_by_line(login):
    client = login("contact")
    session = cfa_session()
    before = recrutements_of(session.id)
    response = upload(client, session, book_with_formula())
    assert response.status_code == 200
    page = text_of(response)
    assert "Rien n'a été importé : 2 problème(s)" in page
    assert "2 Nombre de places Formule refusée" in page  # line 2, its column, the reason
    assert "3 Commentaire Formule refusée" in page
    assert "Collage spécial › Valeurs" in page
    assert recrutements_of(session.id) == before


def test_r_f13_import_ignores_a_formula_in_a_column_of_the_users_own(login, reset_demo):
    client = login("contact")
    session = cfa_session()
    book = Workbook()
    book.active.append(HEADER + ["Mon calcul"])
    day = (date.today() + timedelta(days=5)).strftime("%d/%m/%Y")
    book.active.append(["MR.09", "ICO-52", day, day, "09:30", "11:30", 20, "non", "12 rue du Bâtiment", "14000",
                        "Caen", "", "Réunion", "=G2*2"])
    buffer = BytesIO()
    book.save(buffer)
    assert upload(client, session, buffer.getvalue()).status_code == 302
    assert "ICO-52" in recrutements_of(session.id)


def test_r_f13_import_refuses_too_many_cells(login):
    client = login("contact")
    response = upload(client, cfa_session(), too_many_cells())
    assert "plus de 100 000 cellules : gardez une seule feuille, 2 000 lignes" in text_of(response)


def test_r_f13_import_reads_a_bounded_part_of_a_sheet_claiming_a_million_rows(login):
    client = login("contact")
    response = upload(client, cfa_session(), huge_dimension())
    assert response.status_code == 200
    assert "Le fichier dépasse 500 lignes." in text_of(response)


def test_r_f13_import_of_a_file_over_2_mb_says_so(login):
    client = login("contact")
    response = upload(client, cfa_session(), b"PK\x03\x04" + bytes(3 * MB))
    assert response.status_code == 200
    assert "Le fichier dépasse 2 Mo." in text_of(response)


def test_r_f13_import_of_a_10_mb_file_gets_the_french_too_large_page(login):
    """Above MAX_CONTENT_LENGTH (10 MB) Flask refuses the request before the view: a French page."""
    client = login("contact")
    session = cfa_session()
    response = client.post(f"/sessionview/import_recrutements/{session.id}",
                           data={"fichier": (BytesIO(bytes(10 * MB)), "calendrier.xlsx")},
                           headers={"Referer": f"http://localhost/sessionview/import_recrutements/{session.id}"},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    page = text_of(response)
    assert "Le fichier envoyé est trop volumineux : 10 Mo au plus par envoi (un classeur Excel : 2 Mo" in page
    assert "Request Entity Too Large" not in page
    assert f'href="/sessionview/import_recrutements/{session.id}"' in response.get_data(as_text=True)


def test_openpyxl_parses_workbooks_through_defusedxml():
    """Second line of defence behind app/imports/workbook.py (requirements.txt pins defusedxml)."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


# Peak RSS of the child itself: VmHWM is reset by exec, whereas getrusage's ru_maxrss would
# start from the pytest process's size at fork time (Linux).
MEMORY_PROBE = r"""
import json, resource, sys

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

from app.imports.recrutements import read_sheet

baseline = peak_kb()
results = {}
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        lines, problems = read_sheet(handle.read())
    results[path] = [p.message for p in problems]
print(json.dumps({"baseline_kb": baseline, "peak_kb": peak_kb(), "results": results}))
"""


def test_r_f13_hostile_workbooks_are_refused_in_bounded_memory(tmp_path, bomb):
    """The import's reader, in a child process: its peak RSS stays far from the 3.6 GB the zip
    bomb once cost (the baseline is the application's modules)."""
    files = {
        "bomb": bomb, "lying": lying_directory(bomb), "laughs": billion_laughs_workbook(),
        "xxe": xxe_workbook(), "cells": too_many_cells(), "dimension": huge_dimension(),
    }
    paths = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *paths], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert all(report["results"][path] for path in paths), report["results"]  # every file refused
    assert (report["peak_kb"] - report["baseline_kb"]) < 50 * 1024, report
    assert report["peak_kb"] < 200 * 1024, report


# --- hostile documents ---------------------------------------------------------------------------

def cfa() -> Structure:
    return db.session.execute(
        select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()


def deposit(client, content: bytes, name: str):
    return client.post("/structuredocumentview/add",
                       data={"structure": str(cfa().id), "fichier": (BytesIO(content), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def stored(name_like: str = "%") -> list[StructureDocument]:
    db.session.expire_all()
    return list(db.session.execute(select(StructureDocument).where(
        StructureDocument.structure_id == cfa().id, StructureDocument.nom.like(name_like))).scalars())


def download(client, document: StructureDocument):
    return client.get(f"/structuredocumentview/document/{document.id}")


def assert_safe_download(response, mimetype: str, filename: str):
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{filename}"' in disposition or f"filename*=UTF-8''{filename}" in disposition, disposition


def test_r_c8_html_named_pdf_is_refused(login, reset_demo):
    client = login("contact")
    page = text_of(deposit(client, b"<!doctype html><html><script>alert(document.cookie)</script></html>",
                           "rapport.pdf"))
    assert "Le fichier doit être un PDF, un PNG ou un JPEG." in page
    assert stored() == []


@pytest.mark.parametrize("content", [
    PDF + b"<html><body><script>alert(1)</script></body></html>",
    PNG + b"\x00\x00\x00\x20tEXtComment\x00<script>alert(1)</script>",
    PDF + b"<svg onload=alert(1)>",
], ids=["pdf-then-html", "png-with-script", "pdf-with-svg"])
def test_r_c8_polyglot_documents_are_refused(login, reset_demo, content):
    client = login("contact")
    page = text_of(deposit(client, content, "attestation.pdf"))
    assert "contient du code HTML ou un script" in page
    assert stored() == []


def test_r_c8_disguised_type_is_stored_and_served_as_what_the_bytes_are(login, reset_demo):
    client = login("contact")
    deposit(client, PNG, "photo.pdf")
    (document,) = stored()
    assert (document.nom, document.mime_type) == ("photo.png", "image/png")
    assert_safe_download(download(client, document), "image/png", "photo.png")


@pytest.mark.parametrize("sent, mime, kept", [
    ("../../etc/passwd.pdf", "application/pdf", "passwd.pdf"),
    ("..\\..\\windows\\win.ini.pdf", "application/pdf", "win.ini.pdf"),
    ("C:\\Users\\léa\\scan.pdf", "application/pdf", "scan.pdf"),
    ("<script>x</script>.pdf", "application/pdf", "script.pdf"),
    ('<img src=x onerror="alert(1)">.pdf', "application/pdf", "img src=x onerror=alert(1).pdf"),
    ("rapport\r\nSet-Cookie: a=b.pdf", "application/pdf", "rapportSet-Cookie a=b.pdf"),
    ("facture\u202egnp.pdf", "application/pdf", "facturegnp.pdf"),  # right-to-left override
    ("nul\x00.pdf", "application/pdf", "nul.pdf"),
    ("rapport.exe", "application/pdf", "rapport.pdf"),
    ("scan.pdf", "image/png", "scan.png"),
    ("photo.JPEG", "image/jpeg", "photo.jpeg"),
    ("...", "application/pdf", "document.pdf"),
    ("x" * 300 + ".pdf", "application/pdf", "x" * 96 + ".pdf"),
    ("page.html", None, "page.bin"),
])
def test_r_c8_safe_filename_keeps_a_bare_harmless_name(sent, mime, kept):
    from app.validators.documents import safe_filename

    assert safe_filename(sent, mime) == kept


def browser_upload(client, url: str, fields: dict, file_field: str, filename: str, content: bytes):
    """A multipart form as browsers send it (HTML spec: '"', CR and LF in names percent-escaped)."""
    boundary = "----hostile-files"
    escaped = filename.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                    for name, value in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{escaped}"\r\n'
             "Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}", follow_redirects=True)


@pytest.mark.parametrize("sent, kept", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("<script>x</script>.pdf", "script.pdf"),
    ('"><img src=x onerror=alert(1)>.pdf', "img src=x onerror=alert(1).pdf"),  # sent as %22><img…
], ids=["traversal", "script-tag", "html-attribute"])
def test_r_c8_uploaded_names_are_stored_sanitised(login, reset_demo, sent, kept):
    client = login("contact")
    browser_upload(client, "/structuredocumentview/add", {"structure": cfa().id}, "fichier", sent, PDF)
    (document,) = stored()
    assert document.nom == kept
    assert_safe_download(download(client, document), "application/pdf", kept)
    listing = client.get("/structuredocumentview/list/").get_data(as_text=True)
    assert "<script>x" not in listing and "<img src=x" not in listing and kept in listing


def test_r_c8_non_ascii_name_is_offered_with_rfc_6266_filename_star(login, reset_demo):
    client = login("contact")
    deposit(client, PDF, "Déclaration d'activité — 2026.pdf")
    (document,) = stored()
    assert document.nom == "Déclaration d’activité — 2026.pdf"  # the HTML-special quote becomes ’
    disposition = download(client, document).headers["Content-Disposition"]
    assert disposition == ('attachment; filename="Declaration dactivite  2026.pdf"; '
                           "filename*=UTF-8''D%C3%A9claration%20d%E2%80%99activit%C3%A9%20%E2%80%94%202026.pdf")


def add_stored_row(nom: str, contenu: bytes, mime_type: str = "application/pdf") -> StructureDocument:
    """A row stored before the checks existed (or damaged since), bypassing the upload."""
    document = StructureDocument(structure=cfa(), nom=nom, mime_type=mime_type, taille=len(contenu), contenu=contenu)
    db.session.add(document)
    db.session.commit()
    return document


@pytest.mark.parametrize("nom, contenu, mimetype, filename", [
    ("page.pdf", b"<html><script>alert(1)</script></html>", "application/octet-stream", "page.bin"),
    ("facture.pdf", PDF + b"<script>alert(1)</script>", "application/octet-stream", "facture.bin"),
    ("image.png", b"\x00\x01garbage", "application/octet-stream", "image.bin"),
    ("a\r\nSet-Cookie: x=1\r\n.pdf", PDF, "application/pdf", "aSet-Cookie x=1.pdf"),
    ("../../<b>x</b>.pdf", PDF, "application/pdf", "b.pdf"),
], ids=["html-stored-as-pdf", "stored-polyglot", "garbage", "newline-in-name", "html-in-name"])
def test_r_c8_stored_documents_never_served_as_a_page_nor_500(login, reset_demo, nom, contenu, mimetype, filename):
    document = add_stored_row(nom, contenu)
    client = login("contact")
    response = download(client, document)
    assert_safe_download(response, mimetype, filename)
    assert "Set-Cookie" not in response.headers


def test_r_c8_stored_document_without_bytes_answers_404(login, reset_demo):
    document = add_stored_row("vide.pdf", b"")
    client = login("contact")
    assert download(client, document).status_code == 404


# --- the activity declaration of an account request (B1) ------------------------------------------

def request_form(**values) -> dict:
    return {"siret": "44306184100047", "nda": "28760456776", "nom": "Durand", "prenom": "Léa",
            "telephone": "02 35 00 00 00", "email": "nouvelle.formatrice@horizon.example", "consentement": "y",
            **values}


def test_r_b1_r_c8_account_request_document_is_typed_by_content_and_served_safely(client, login, reset_demo):
    client.get("/logout/")
    client.post("/compte/demande", data={**request_form(), "document": (BytesIO(PNG), "../<b>scan</b>.pdf")},
                content_type="multipart/form-data")
    item = db.session.execute(select(AccountRequest)).scalar_one()
    assert (item.document_nom, item.document_mime) == ("b.png", "image/png")
    manager = login("gestionnaire")
    assert_safe_download(manager.get(f"/accountrequestview/document/{item.id}"), "image/png", "b.png")


def test_r_b1_account_request_polyglot_document_is_refused(client):
    client.get("/logout/")
    page = text_of(client.post("/compte/demande", data={
        **request_form(), "document": (BytesIO(PDF + b"<html><script>x</script>"), "declaration.pdf")},
        content_type="multipart/form-data"))
    assert "contient du code HTML ou un script" in page
    assert db.session.query(AccountRequest).count() == 0
