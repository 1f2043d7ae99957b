"""Import of a session's recrutement calendar from Excel (F13 through the form's checks)."""
from __future__ import annotations

import html
from datetime import date, timedelta
from io import BytesIO

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.imports.recrutements import COLUMNS, import_recrutements
from app.models import HistoryEntry, Session
from tests.helpers import formation_like

HEADER = [title for _, title in COLUMNS]


def securite_session() -> Session:
    return formation_like("Sécurité incendie%").sessions[0]


def workbook(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ico(numero, day: date, debut="09:30", fin="11:30", places=20):
    return ["MR.09", numero, day.strftime("%d/%m/%Y"), day.strftime("%d/%m/%Y"), debut, fin, places, "non",
            "12 rue du Bâtiment", "14000", "Caen", "", "Réunion d'information"]


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def upload(client, session, content: bytes, name="calendrier.xlsx"):
    return client.post(f"/sessionview/import_recrutements/{session.id}",
                       data={"fichier": (BytesIO(content), name)}, content_type="multipart/form-data")


def numbers(session_id) -> set[str]:
    db.session.expire_all()
    return {r.numero for r in db.session.get(Session, session_id).recrutements}


def test_r_f13_import_adds_every_line_and_records_it(login, reset_demo):
    client = login("contact")
    session = securite_session()
    soon = date.today() + timedelta(days=5)
    isc = ["MR.07", "ISC-2", (session.debut - timedelta(days=4)).strftime("%d/%m/%Y"),
           (session.debut - timedelta(days=1)).strftime("%d/%m/%Y"), "", "", 25, "non", "", "", "", "", ""]
    response = upload(client, session, workbook(ico("ICO-10", soon), ico("ICO-11", soon + timedelta(days=7)), isc))
    assert response.status_code == 302
    assert {"ICO-10", "ICO-11", "ISC-2"} <= numbers(session.id)
    assert db.session.query(HistoryEntry).filter_by(entity="session", entity_id=session.id,
                                                    action="Import de modalités de recrutement").count() == 1


def test_r_f13_one_refused_line_imports_nothing_and_says_where(login):
    client = login("contact")
    session = securite_session()
    before = numbers(session.id)
    soon = date.today() + timedelta(days=5)
    content = workbook(ico("ICO-20", soon), ico("ICO-21", soon, debut="06:59"), ico("ICO-20", soon),
                       ["MR.09", "ICO-22", "32/13/2027", "", "", "", "", "", "", "", "", "", ""])
    page = text_of(upload(client, session, content))
    assert "Rien n'a été importé" in page
    assert "au plus tôt 07:00" in page and "Heure de début (hh:mm)" in page
    assert "déjà utilisé" in page
    assert "« 32/13/2027 » n'est pas une date" in page
    assert numbers(session.id) == before


def test_import_refuses_files_that_are_not_the_model(login):
    client = login("contact")
    session = securite_session()
    page = text_of(upload(client, session, b"not a workbook at all"))
    assert "n'est pas un classeur Excel (.xlsx) lisible" in page
    book = Workbook()
    book.active.append(["Date", "Heure"])
    buffer = BytesIO()
    book.save(buffer)
    page = text_of(upload(client, session, buffer.getvalue()))
    assert "Colonnes manquantes" in page


def test_import_model_is_a_workbook_with_the_expected_columns(login):
    response = login("contact").get("/sessionview/import_recrutements_modele")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == HEADER


def test_r_a3_import_is_refused_on_a_session_seen_read_only(login):
    """The CFA contact sees Horizon's bureautique session (a CFA antenna trains in it) read-only."""
    client = login("contact")
    shared = next(s for s in formation_like("Bureautique%").sessions if len(s.formateurs) > 1)
    before = numbers(shared.id)
    response = upload(client, shared, workbook(ico("ICO-99", date.today() + timedelta(days=5))))
    assert response.status_code == 404
    assert numbers(shared.id) == before
    assert "Importer des modalités" not in client.get(f"/sessionview/show/{shared.id}").get_data(as_text=True)


CELL = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20), st.integers(-10**7, 10**7), st.floats(allow_nan=False, allow_infinity=False),
                 st.sampled_from(["MR.09", "MR.07", "mr8", "09:30", "25:00", "9h", "01/01/2030", "oui", "x" * 600]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELL, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=4))
def test_random_sheets_are_imported_or_explained_never_crash(app, reset_demo, rows):
    session = securite_session()
    result = import_recrutements(db.session, session, workbook(*rows))
    assert result.created == len(rows) or result.problems
    assert all(problem.message for problem in result.problems)
    db.session.rollback()


def test_r_g2_import_into_a_published_formation_goes_through_its_draft(login):
    client = login("contact.autre")
    published = next(s for s in formation_like("Bureautique%").sessions if not s.entree_sortie_permanente)
    before = numbers(published.id)
    page = text_of(upload(client, published, workbook(ico("ICO-77", date.today() + timedelta(days=5)))))
    assert "Cette formation est diffusée" in page and "Demande de modification" in page
    assert numbers(published.id) == before
