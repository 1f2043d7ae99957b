"""LHEO export of the formations search (SPEC J1, J2): the found or checked sessions, in the user's
scope, written by the partners' exporter — validated offer only, XSD-valid; a large one goes
through the real queue into its owner's notifications."""
from __future__ import annotations

import html

from lxml import etree
from sqlalchemy import select

from app.commands.exports import NOTHING_VALIDATED
from app.extensions import db
from app.lheo.export import validate
from app.models import Notification, NotificationEtat, Session, SessionEtat
from tests.helpers import formation_like
from tests.test_jobs import consumer, wait_until  # noqa: F401  (consumer: a fixture)

EXPORT = "/recherche/export/lheo"
NS = {"l": "http://lheo.gouv.fr/2.3"}


def _numbers(document: bytes) -> set[str]:
    root = etree.fromstring(document)
    return set(root.xpath("//l:action/@numero", namespaces=NS))


def test_r_j1_lheo_of_a_contacts_search_is_valid_and_holds_his_validated_sessions_only(login):
    response = login("contact.autre").post(EXPORT, data={})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert validate(response.data) == []
    numbers = _numbers(response.data)
    horizon = [s for f in ("BTS%", "Bureautique%") for s in formation_like(f).sessions]
    assert numbers and all(number.split("_", 1)[1] in {s.reference for s in horizon} for number in numbers)
    published = {s.reference for s in horizon if s.etat == SessionEtat.DIFFUSEE and s.fin and not s.in_draft}
    assert {number.split("_", 1)[1] for number in numbers} <= published
    assert "100001S" not in {n.split("_", 1)[1] for n in numbers}  # the CFA's


def test_r_j1_lheo_of_checked_rows_holds_those_sessions(login):
    client = login("gestionnaire")
    bureautique = [s for s in formation_like("Bureautique%").sessions if s.etat == SessionEtat.DIFFUSEE]
    chosen = bureautique[0]
    response = client.post(EXPORT, data={"q": "bureautique", "rowid": [chosen.id]})
    assert response.status_code == 200
    assert {n.split("_", 1)[1] for n in _numbers(response.data)} == {chosen.reference}


def test_r_j1_a_search_without_validated_session_is_refused_with_why(login):
    client = login("gestionnaire")
    draft = db.session.execute(select(Session).where(Session.etat == SessionEtat.BROUILLON)).scalars().first()
    response = client.post(EXPORT, data={"rowid": [draft.id]}, follow_redirects=True)
    assert response.mimetype == "text/html" and NOTHING_VALIDATED in html.unescape(response.get_data(as_text=True))


def test_r_j2_a_large_lheo_export_goes_through_the_queue_to_its_owner(app, login, consumer, monkeypatch,  # noqa: F811
                                                                      reset_demo):
    from app.jobs import jobs

    monkeypatch.setitem(app.config, "EXCEL_DIRECT_MAX_ROWS", 1)
    huey = jobs().huey
    huey.flush()
    client = login("gestionnaire")
    response = client.post(EXPORT, data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications/")
    consumer()
    owner = app.appbuilder.sm.find_user(username="gestionnaire").id
    done = wait_until(lambda: db.session.execute(select(Notification).where(
        Notification.user_id == owner, Notification.etat != NotificationEtat.EN_COURS)).scalars().first())
    assert done.etat == NotificationEtat.PRETE and done.file_name.endswith(".xml"), done.text
    download = client.get(f"/notifications/{done.id}/fichier")
    assert download.status_code == 200 and validate(download.data) == []
    assert login("contact").get(f"/notifications/{done.id}/fichier").status_code == 404
