"""Communication (SPEC H2–H4): mémos private to their author; actualités posted by managers, shown
to their audience between their publication and expiry days, sanitised, with each reader's read
state; the messagerie's threads in the row scope (a contact never sees nor answers another
organisation's thread, forged ids answer 404 or a refusal that names nothing), unread counts for
both sides, and the e-mail of each message sent by the job queue to a real SMTP server."""
from __future__ import annotations

import html
import re
import socket
from datetime import date, timedelta

import lxml.html
import pytest
from sqlalchemy import func, select

from app.communication import current_actualites, unread_threads
from app.communication.mail import send_message_email
from app.extensions import db
from app.jobs import jobs
from app.models import (
    Actualite,
    ActualiteAudience,
    Formation,
    Memo,
    Message,
    MessageThread,
    RightLevel,
    StructureRight,
)
from app.views.pickers import NOT_A_CHOICE
from tests.helpers import structure
from tests.test_french_pages import english_in
from tests.test_jobs import consumer, wait_until  # noqa: F401  (consumer: a fixture)
from tests.test_notifications import user_id

CFA = "CFA Bâtiment Normandie"  # the contact's siège
HORIZON = "Institut Horizon Formation"  # contact.autre's structure


def user(app, username):
    return app.appbuilder.sm.find_user(username=username)


def error_of(page: str, field: str) -> str:
    """The French message shown under the form field `field` ("" when none)."""
    found = lxml.html.fromstring(page).xpath(f"//*[@id='{field}-erreurs']")
    return found[0].text_content().strip() if found else ""


def sr_text(page: str, anchor_id: str) -> str:
    return lxml.html.fromstring(page).xpath(f"//a[@id='{anchor_id}']/span[@class='sr-only']")[0].text_content().strip()


def count(model, *conditions) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model).where(*conditions)).scalar()


# --- H2: mémos ----------------------------------------------------------------------------------

def test_r_h2_memos_private_to_their_author(app, login, reset_demo):
    client = login("contact")
    assert "Vous n'avez pas de mémos." in client.get("/memos/").get_data(as_text=True)
    response = client.post("/memos/nouveau", data={"title": "Relancer Qualiopi", "text": "Avant le 15"})
    assert response.status_code == 302
    memo = db.session.execute(select(Memo)).scalar_one()
    assert memo.user_id == user_id(app, "contact")
    page = client.get("/memos/").get_data(as_text=True)
    assert "Relancer Qualiopi" in page and english_in(page) == []
    assert "Avant le 15" in client.get(f"/memos/{memo.id}").get_data(as_text=True)

    for other in ("contact.autre", "gestionnaire", "admin"):  # managers and administrators included
        client = login(other)
        assert "Relancer Qualiopi" not in client.get("/memos/").get_data(as_text=True)
        assert client.get(f"/memos/{memo.id}").status_code == 404
        assert client.get(f"/memos/{memo.id}/modifier").status_code == 404
        assert client.post(f"/memos/{memo.id}/modifier", data={"title": "Volé", "text": ""}).status_code == 404
        assert client.post(f"/memos/{memo.id}/supprimer").status_code == 404
    db.session.rollback()
    assert db.session.get(Memo, memo.id).title == "Relancer Qualiopi"

    client = login("contact")
    assert client.post(f"/memos/{memo.id}/modifier", data={"title": "Qualiopi relancé", "text": ""}).status_code == 302
    db.session.rollback()
    assert db.session.get(Memo, memo.id).title == "Qualiopi relancé"
    assert client.post(f"/memos/{memo.id}/supprimer").status_code == 302
    assert count(Memo) == 0


def test_r_h2_memo_bad_input_french_messages_no_500(app, login, reset_demo):
    client = login("contact")
    page = client.post("/memos/nouveau", data={"title": "  ", "text": "x"}).get_data(as_text=True)
    assert error_of(page, "title").endswith("Indiquez un titre.")
    page = client.post("/memos/nouveau", data={"title": "t" * 201, "text": "y" * 5001}).get_data(as_text=True)
    assert "200 caractères au plus (201 saisis)." in error_of(page, "title")
    assert "5000 caractères au plus (5001 saisis)." in error_of(page, "text")
    assert english_in(page) == []
    assert count(Memo) == 0
    for url in ("/memos/abc", "/memos/99999999999", "/memos/0/modifier", "/memos/-1"):
        assert client.get(url).status_code == 404, url


# --- H3: actualités -------------------------------------------------------------------------------

def _actualite(title, publication, expiration=None, audience=ActualiteAudience.TOUS) -> Actualite:
    actualite = Actualite(title=title, text=f"<p>{title}</p>", publication=publication, expiration=expiration,
                          audience=audience)
    db.session.add(actualite)
    db.session.commit()
    return actualite


@pytest.fixture()
def news(app, reset_demo):
    today = date.today()
    made = {
        "en ligne": _actualite("Programme QUALIF 2026", today - timedelta(days=3)),
        "contacts": _actualite("Rentrée apprentissage 2026", today, audience=ActualiteAudience.CONTACTS),
        "à venir": _actualite("Annonce future", today + timedelta(days=1)),
        "expirée": _actualite("Annonce expirée", today - timedelta(days=10), today - timedelta(days=1)),
        "expire ce jour": _actualite("Expire aujourd'hui", today - timedelta(days=10), today),
        "expire demain": _actualite("Expire demain", today - timedelta(days=10), today + timedelta(days=1)),
    }
    return {key: (a.id, a.title) for key, a in made.items()}


def test_r_h3_actualites_audience_and_dates(app, login, news, count_queries):
    titles = lambda username: [i.actualite.title for i in current_actualites(user(app, username))]  # noqa: E731
    contact = user(app, "contact")
    contact.roles  # noqa: B018 (loaded before counting)
    with count_queries() as queries:
        shown = [i.actualite.title for i in current_actualites(contact)]
    assert queries() == 1
    assert set(shown) == {"Programme QUALIF 2026", "Rentrée apprentissage 2026", "Expire demain"}
    assert shown[0] == "Rentrée apprentissage 2026"  # the newest first
    assert set(titles("gestionnaire")) == {"Programme QUALIF 2026", "Expire demain"}  # not the contacts' own
    assert current_actualites(None) == []

    client = login("contact")
    page = client.get("/actualites/").get_data(as_text=True)
    assert "Annonce future" not in page and "Annonce expirée" not in page and "Rentrée apprentissage" in page
    assert english_in(page) == []
    for key in ("à venir", "expirée", "expire ce jour"):  # not reachable by their address either
        assert client.get(f"/actualites/{news[key][0]}").status_code == 404
        assert client.post(f"/actualites/{news[key][0]}/lue").status_code == 404
    for url in ("/actualites/nouvelle", f"/actualites/{news['en ligne'][0]}/modifier"):
        assert client.get(url).status_code == 403
    assert client.post(f"/actualites/{news['en ligne'][0]}/supprimer").status_code == 403
    assert client.post("/actualites/nouvelle", data={"title": "x", "text": "y", "publication": "01/01/2026"}
                       ).status_code == 403

    client = login("gestionnaire")  # the management list: all of them, with their state
    page = html.unescape(client.get("/actualites/").get_data(as_text=True))
    for _, title in news.values():
        assert title in page
    assert "À venir" in page and "Expirée" in page and "Contacts des organismes seulement" in page
    assert english_in(page) == []


def test_r_h3_actualite_form_sanitises_and_checks_dates(app, login, reset_demo):
    client = login("gestionnaire")
    page = client.get("/actualites/nouvelle").get_data(as_text=True)
    assert "quill.js" in page and 'data-maxchars="5000"' in page and english_in(page) == []
    hostile = ('<p>Bonjour <strong>à tous</strong></p><script>alert(1)</script>'
               '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">lien</a>')
    response = client.post("/actualites/nouvelle", data={
        "title": "Guide d'aide à la saisie", "text": hostile, "publication": date.today().strftime("%d/%m/%Y"),
        "expiration": "", "audience": "contacts"})
    assert response.status_code == 302
    actualite = db.session.execute(select(Actualite)).scalar_one()
    assert "<strong>à tous</strong>" in actualite.text
    assert "script" not in actualite.text and "alert" not in actualite.text and "<img" not in actualite.text
    assert actualite.audience == ActualiteAudience.CONTACTS and actualite.author_id == user_id(app, "gestionnaire")

    page = client.post("/actualites/nouvelle", data={
        "title": "Dates", "text": "<p>Texte</p>", "publication": "10/03/2026", "expiration": "10/03/2026",
        "audience": "tous"}).get_data(as_text=True)
    assert "postérieure à la date de publication (10/03/2026)" in error_of(page, "expiration")
    page = client.post("/actualites/nouvelle", data={
        "title": "", "text": "<script>alert(1)</script>", "publication": "31/02/2026", "audience": "autre"}
    ).get_data(as_text=True)
    assert error_of(page, "publication") and english_in(page) == []
    page = client.post("/actualites/nouvelle", data={
        "title": "", "text": "<script>alert(1)</script>", "publication": "01/02/2026", "audience": "autre"}
    ).get_data(as_text=True)
    assert "Indiquez un titre." in error_of(page, "title")
    assert "Indiquez le texte de l'actualité." in error_of(page, "text")  # a script alone is no text
    assert "Choisissez le public" in page
    assert count(Actualite) == 1

    response = client.post(f"/actualites/{actualite.id}/modifier", data={
        "title": "Guide mis à jour", "text": "<p>Nouveau</p>", "publication": "01/01/2026",
        "expiration": "01/01/2099", "audience": "tous"})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Actualite, actualite.id).expiration == date(2099, 1, 1)
    assert client.post(f"/actualites/{actualite.id}/supprimer").status_code == 302
    assert count(Actualite) == 0


def test_r_h3_read_state_per_user(app, login, news):
    qualif, rentree = news["en ligne"][0], news["contacts"][0]
    client = login("contact")
    page = client.get("/actualites/").get_data(as_text=True)
    assert page.count("Non lue") == 3 and page.count("Marquer comme lue") == 3
    assert client.post(f"/actualites/{qualif}/lue", data={"next": "/actualites/"}).status_code == 302
    assert client.get(f"/actualites/{rentree}").status_code == 200  # opened: read
    read = {i.actualite.id: i.read for i in current_actualites(user(app, "contact"))}
    assert read[qualif] and read[rentree] and not read[news["expire demain"][0]]
    tree = lxml.html.fromstring(client.get("/actualites/").get_data(as_text=True))
    assert "portal-non-lue" not in tree.get_element_by_id(f"actualite-{qualif}").get("class")
    assert "portal-non-lue" in tree.get_element_by_id(f"actualite-{news['expire demain'][0]}").get("class")
    assert client.post(f"/actualites/{qualif}/lue").status_code == 302  # twice: no error

    # Another reader's marks are his own.
    assert not any(i.read for i in current_actualites(user(app, "contact.autre")))


# --- H4: messagerie -------------------------------------------------------------------------------

def _start(client, structure_id, subject="Modifier le numéro de marché", text="Merci de corriger.", **extra):
    return client.post("/messagerie/nouveau", data={"structure": str(structure_id), "subject": subject,
                                                     "text": text, **extra})


def _formation_of(structure_name) -> Formation:
    return db.session.execute(select(Formation).where(Formation.structure_id == structure(structure_name).id,
                                                      Formation.draft_of_id.is_(None))).scalars().first()


@pytest.fixture()
def quiet_queue(app):
    """The job queue emptied before and after the test (tasks queued by a page are not run here)."""
    jobs().huey.flush()
    yield jobs().huey
    jobs().huey.flush()


def test_r_h4_contact_sees_and_posts_only_in_his_structures_threads(app, login, reset_demo, quiet_queue):
    cfa, horizon = structure(CFA), structure(HORIZON)
    formation = _formation_of(CFA)
    client = login("contact")
    response = _start(client, cfa.id, formation=str(formation.id))
    assert response.status_code == 302
    thread = db.session.execute(select(MessageThread)).scalar_one()
    assert (thread.structure_id, thread.formation_id) == (cfa.id, formation.id)
    page = client.get(f"/messagerie/{thread.id}").get_data(as_text=True)
    assert "Merci de corriger." in page and formation.intitule in page and english_in(page) == []

    client = login("contact.autre")
    assert "Modifier le numéro de marché" not in client.get("/messagerie/").get_data(as_text=True)
    assert client.get(f"/messagerie/{thread.id}").status_code == 404
    assert client.post(f"/messagerie/{thread.id}/repondre", data={"text": "Intrus"}).status_code == 404
    # Forged ids in a new thread: refused next to the field, with a message that names nothing.
    page = _start(client, cfa.id, subject="Forgé").get_data(as_text=True)
    assert error_of(page, "structure").endswith(NOT_A_CHOICE) and CFA not in page
    page = _start(client, horizon.id, subject="Forgé", formation=str(formation.id)).get_data(as_text=True)
    assert error_of(page, "formation").endswith(NOT_A_CHOICE) and formation.intitule not in page
    page = client.get(f"/messagerie/nouveau?formation={formation.id}&structure={cfa.id}").get_data(as_text=True)
    assert formation.intitule not in page and CFA not in page
    # The pickers offer his own rows only.
    answer = client.get("/messagerie/choix/structure").get_json()
    assert [r["text"].split(" – ")[0] for r in answer["results"]] == ["Horizon Formation"]
    assert client.get("/messagerie/choix/formation", query_string={"id": formation.id}).get_json()["results"] == []
    assert client.get("/messagerie/choix/user").status_code == 404
    for url in ("/messagerie/999999", "/messagerie/abc", "/messagerie/99999999999"):
        assert client.get(url).status_code == 404, url
    assert count(MessageThread) == 1 and count(Message) == 1

    client = login("gestionnaire")  # managers see every thread and answer
    assert "Modifier le numéro de marché" in client.get("/messagerie/").get_data(as_text=True)
    assert "Modifier le numéro de marché" in client.get(f"/messagerie/?structure={cfa.id}").get_data(as_text=True)
    assert "Modifier le numéro de marché" not in client.get(f"/messagerie/?structure={horizon.id}").get_data(as_text=True)
    assert client.post(f"/messagerie/{thread.id}/repondre", data={"text": "C'est fait."}).status_code == 302
    page = html.unescape(login("contact").get(f"/messagerie/{thread.id}").get_data(as_text=True))
    assert "C'est fait." in page and "Carif-Oref" in page
    assert count(Message, Message.from_carif.is_(True)) == 1


def test_r_h4_visualisation_right_reads_without_answering(app, login, reset_demo, quiet_queue):
    client = login("contact")
    _start(client, structure(CFA).id)
    thread = db.session.execute(select(MessageThread)).scalar_one()
    db.session.add(StructureRight(user_id=user_id(app, "contact.autre"), structure_id=structure(CFA).id,
                                  niveau=RightLevel.VISUALISATION))
    db.session.commit()
    client = login("contact.autre")
    page = client.get(f"/messagerie/{thread.id}").get_data(as_text=True)
    assert "Merci de corriger." in page and 'id="reponse"' not in page
    assert client.post(f"/messagerie/{thread.id}/repondre", data={"text": "Lecture seule"}).status_code == 404
    assert "Horizon" in str(client.get("/messagerie/choix/structure").get_json())
    assert CFA not in str(client.get("/messagerie/choix/structure").get_json())
    assert count(Message) == 1


def test_r_h4_bad_messages_french_no_500(app, login, reset_demo, quiet_queue):
    client = login("contact")
    page = _start(client, structure(CFA).id, subject="", text="   ").get_data(as_text=True)
    assert "Indiquez l'objet du message." in error_of(page, "subject")
    assert "Écrivez votre message." in error_of(page, "text")
    page = _start(client, "abc", text="x" * 5001).get_data(as_text=True)
    assert error_of(page, "structure") and "5000 caractères au plus" in error_of(page, "text")
    assert english_in(page) == []
    _start(client, structure(CFA).id)
    thread = db.session.execute(select(MessageThread)).scalar_one()
    page = client.post(f"/messagerie/{thread.id}/repondre", data={"text": ""}).get_data(as_text=True)
    assert "Écrivez votre message." in error_of(page, "text")
    assert count(Message) == 1


def test_r_h4_unread_counts_for_both_sides(app, login, reset_demo, quiet_queue, count_queries):
    client = login("contact")
    _start(client, structure(CFA).id)
    thread = db.session.execute(select(MessageThread)).scalar_one()
    users = {name: user(app, name) for name in ("contact", "contact.autre", "gestionnaire")}
    for each in users.values():
        each.roles  # noqa: B018 (loaded before counting)
    with count_queries() as queries:
        counts = {name: unread_threads(each) for name, each in users.items()}
    assert queries() == 3  # one query each
    assert counts == {"contact": 0, "contact.autre": 0, "gestionnaire": 1}

    client = login("gestionnaire")
    page = client.get("/messagerie/").get_data(as_text=True)
    assert sr_text(page, "messagerie-badge") == "Messagerie, 1 conversation non lue"
    assert lxml.html.fromstring(page).get_element_by_id(f"conversation-{thread.id}").get("class") == "portal-non-lu"
    page = client.get(f"/messagerie/{thread.id}").get_data(as_text=True)  # opened: read
    assert sr_text(page, "messagerie-badge") == "Messagerie, aucun message non lu"
    assert unread_threads(user(app, "gestionnaire")) == 0
    assert unread_threads(user(app, "admin")) == 1  # read state is per user
    client.post(f"/messagerie/{thread.id}/repondre", data={"text": "Bien reçu."})
    assert unread_threads(user(app, "gestionnaire")) == 0  # his own message

    client = login("contact")
    page = client.get("/messagerie/?non_lus=1").get_data(as_text=True)
    assert sr_text(page, "messagerie-badge") == "Messagerie, 1 conversation non lue"
    assert "Modifier le numéro de marché" in page
    client.get(f"/messagerie/{thread.id}")
    assert unread_threads(user(app, "contact")) == 0
    assert "Aucune conversation non lue." in client.get("/messagerie/?non_lus=1").get_data(as_text=True)


def test_r_h4_each_message_emailed_to_the_other_side_through_the_queue(app, login, reset_demo, quiet_queue,
                                                                        mailbox, consumer):  # noqa: F811
    client = login("contact")
    assert _start(client, structure(CFA).id).status_code == 302
    thread = db.session.execute(select(MessageThread)).scalar_one()
    assert quiet_queue.pending_count() == 1 and mailbox.messages == []  # queued, not sent by the page
    consumer()
    wait_until(lambda: mailbox.messages)
    mail = mailbox.messages[0]
    assert mail["To"] == "gestionnaire@demo.carif-oref.example"  # the Gestionnaire accounts
    assert mail["Subject"] == "[Messagerie] Modifier le numéro de marché"
    body = mail.get_content()
    assert "Merci de corriger." in body and f"http://localhost/messagerie/{thread.id}" in body
    assert "Nouveau message de Camille Martin (CFA BTP Normandie) :" in body

    mailbox.messages.clear()
    client = login("gestionnaire")
    client.post(f"/messagerie/{thread.id}/repondre", data={"text": "C'est corrigé."})
    wait_until(lambda: mailbox.messages)
    mail = mailbox.messages[0]
    assert mail["To"] == "contact@demo.carif-oref.example"  # the structure's contacts holding a right
    assert "Nouveau message du Carif-Oref (CFA BTP Normandie) :" in mail.get_content()
    assert "C'est corrigé." in mail.get_content()


def test_r_h4_configured_address_and_mail_failures_never_lose_the_message(app, login, reset_demo, quiet_queue,
                                                                          mailbox, monkeypatch):
    client = login("contact")
    _start(client, structure(CFA).id, subject="Objet\r\nBcc: intrus@example.org")
    message = db.session.execute(select(Message)).scalar_one()
    monkeypatch.setitem(app.config, "MESSAGERIE_EMAIL", "offre@carif-oref.example, veille@carif-oref.example")
    assert send_message_email(message.id) == ["offre@carif-oref.example", "veille@carif-oref.example"]
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["Subject"] == "[Messagerie] Objet Bcc: intrus@example.org"  # one header line
    assert mailbox.messages[0]["Bcc"] is None

    # SMTP down (nobody listens on the port): nothing raised, nothing sent, the message stays.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setattr(app.extensions["mail"], "port", closed)
    assert send_message_email(message.id) == []
    assert len(mailbox.messages) == 1
    assert count(Message) == 1

    # The queue's storage down: the message is saved all the same.
    def broken(*args):
        raise OSError("queue unavailable")

    monkeypatch.setattr("app.jobs.enqueue", broken)
    thread = db.session.execute(select(MessageThread)).scalar_one()
    response = client.post(f"/messagerie/{thread.id}/repondre", data={"text": "Toujours là ?"})
    assert response.status_code == 302
    assert count(Message) == 2


def test_r_h4_dashboard_partials_render(app, login, reset_demo, quiet_queue):
    """The blocks the dashboard includes render for both sides with the counts they announce."""
    from flask import g, render_template

    client = login("contact")
    _start(client, structure(CFA).id)
    with app.test_request_context("/"):
        g.user = user(app, "gestionnaire")
        html = render_template("portal/_messagerie_unread.html") + render_template("portal/_actualites.html") \
            + render_template("portal/_memos.html")
    assert re.search(r'<span class="badge">1</span>\s*conversation avec des messages non lus', html)
    assert "Aucune actualité pour le moment." in html and "Vous n'avez pas de mémos." in html
    assert english_in(html) == []


def _exchange(app, structure_name: str, threads: int, messages: int) -> MessageThread:
    """`threads` threads of the structure, the last one holding `messages` messages from both sides."""
    contact, manager = user_id(app, "contact"), user_id(app, "gestionnaire")
    thread = None
    for index in range(threads):
        thread = MessageThread(structure_id=structure(structure_name).id, subject=f"Fil {index}",
                               created_by_id=contact)
        db.session.add(thread)
        db.session.flush()
        for number in range(messages if index == threads - 1 else 1):
            db.session.add(Message(thread_id=thread.id, author_id=manager if number % 2 else contact,
                                   from_carif=bool(number % 2), text=f"Message {number}"))
    db.session.commit()
    return thread


def _cost(client, count_queries, url: str) -> int:
    client.get(url)  # warm what is cached per process (menu, permissions)
    with count_queries() as executed:
        assert client.get(url).status_code == 200
    return executed()


@pytest.mark.parametrize("username", ["contact", "gestionnaire"])
def test_r_h4_pages_cost_the_same_queries_for_few_and_many_rows(app, login, reset_demo, count_queries, username):
    client = login(username)
    small = _exchange(app, CFA, 2, 2)
    costs = [_cost(client, count_queries, "/messagerie/"), _cost(client, count_queries, f"/messagerie/{small.id}")]
    db.session.add_all(Memo(user_id=user_id(app, username), title=f"Mémo {i}") for i in range(2))
    db.session.add_all(Actualite(title=f"A {i}", text="<p>x</p>", publication=date.today()) for i in range(2))
    db.session.commit()
    costs += [_cost(client, count_queries, "/memos/"), _cost(client, count_queries, "/actualites/")]

    large = _exchange(app, CFA, 40, 30)
    db.session.add_all(Memo(user_id=user_id(app, username), title=f"Mémo {i}") for i in range(2, 40))
    db.session.add_all(Actualite(title=f"A {i}", text="<p>x</p>", publication=date.today()) for i in range(2, 40))
    db.session.commit()
    assert [_cost(client, count_queries, "/messagerie/"), _cost(client, count_queries, f"/messagerie/{large.id}"),
            _cost(client, count_queries, "/memos/"), _cost(client, count_queries, "/actualites/")] == costs


def test_r_h2_h4_no_rest_api_for_memos_nor_threads(app, client, api_token):
    headers = api_token("gestionnaire")
    for resource in ("memo", "actualite", "messagerie", "messagethread", "message"):
        assert client.get(f"/api/v1/{resource}/", headers=headers).status_code == 404


def test_r_h4_formation_and_structure_pages_offer_to_write_to_the_carif(app, login):
    cfa = structure(CFA)
    formation = _formation_of(CFA)
    client = login("contact")
    page = client.get(f"/formationview/show/{formation.id}").get_data(as_text=True)
    assert f"/messagerie/nouveau?formation={formation.id}" in page and "Écrire au Carif-Oref" in page
    page = client.get(f"/structureview/show/{cfa.id}").get_data(as_text=True)
    assert f"/messagerie/nouveau?structure={cfa.id}" in page
    new = client.get(f"/messagerie/nouveau?formation={formation.id}")
    assert new.status_code == 200
    manager = login("gestionnaire")
    assert "Écrire au Carif-Oref" not in manager.get(f"/formationview/show/{formation.id}").get_data(as_text=True)
