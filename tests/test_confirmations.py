"""Confirmations are built from data attributes, never by pasting a label into a JavaScript string
(FAB 5.3's lib.html did: a label with a quote or a backslash broke its script). The validation
queue's decisions, FAB's list actions, record actions and deletions all ask before anything is
sent, whatever their label holds."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from tests.test_browser import ARGS, CHROMIUM, live_server, login_as  # noqa: F401  (live_server: a fixture)

APOSTROPHE = "Demander un complément d'information"
# What FAB pasted between quotes in a script: an apostrophe, double quotes, a backslash, a tag.
AWKWARD = 'Demander un complément d\'information « urgent » "vraiment" \\ </script> ?'


class _Attributes(HTMLParser):
    """The attributes of every element of a fragment, as a browser decodes them."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.elements


def _inline_scripts(html: str) -> str:
    return " ".join(re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))


def test_list_action_question_reaches_the_page_as_written(app):
    """portal/_lib.html renders a list action's question into an attribute: what the browser reads
    back is the label exactly, apostrophe, quotes, backslash and all; no script holds it."""
    action = SimpleNamespace(name="ask_information", text="Demander un complément", confirmation=AWKWARD, icon="fa-question")
    with app.test_request_context("/"):
        html = str(app.jinja_env.get_template("portal/_lib.html").module.list_actions({"ask_information": action}))
    links = [attrs for tag, attrs in _elements(html) if "data-list-action" in attrs]
    assert links == [{"href": "#", "data-list-action": "ask_information", "data-confirmation": AWKWARD}]
    assert "<script" not in html


def test_fab_list_actions_deletions_and_record_actions_carry_their_questions_in_attributes(login):
    client = login("gestionnaire")
    html = client.get("/sessionview/list/").get_data(as_text=True)
    actions = {attrs["data-list-action"]: attrs.get("data-confirmation")
               for tag, attrs in _elements(html) if "data-list-action" in attrs}
    assert actions["close_recrutement"] == "Fermer le recrutement de toutes les sessions sélectionnées ?"
    assert actions["archive"] == "Archiver les lignes sélectionnées ?"
    assert actions["set_etat_dispositif"] is None  # a page follows, which asks
    assert "execute_multiple" not in _inline_scripts(html) and "Fermer le recrutement" not in _inline_scripts(html)

    html = client.get("/financementview/list/").get_data(as_text=True)
    deletions = [attrs for tag, attrs in _elements(html) if tag == "button" and "data-confirm" in attrs]
    assert deletions and all(a["data-confirm"] == "Voulez-vous vraiment supprimer cet enregistrement ?" for a in deletions)
    assert re.search(r'<form method="post" action="/financementview/delete/\d+"', html)
    assert "execute_single_delete" not in _inline_scripts(html)

    account = re.search(r'href="(/comptes/show/\d+)', client.get("/comptes/list/").get_data(as_text=True)).group(1)
    html = client.get(account).get_data(as_text=True)
    buttons = [attrs for tag, attrs in _elements(html) if tag == "button" and "data-confirm" in attrs]
    assert [b["data-confirm"] for b in buttons] == [
        "Envoyer un lien de réinitialisation du mot de passe aux comptes sélectionnés ?"]
    assert "execute_single" not in _inline_scripts(html)


def test_queue_decision_with_an_apostrophe_asks_in_an_attribute(login):
    html = login("gestionnaire").get("/validation/").get_data(as_text=True)
    questions = [attrs["data-confirm"] for tag, attrs in _elements(html) if attrs.get("value") == "ask_information"]
    assert questions == [f"{APOSTROPHE} : appliquer aux formations sélectionnées ?"]


# --- in the browser: the question is asked, and "Annuler" sends nothing ------------------------------


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is required (make browser-deps)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser.new_context(locale="fr-FR").new_page()
        browser.close()


def _answer(page, accept: bool) -> list[str]:
    """Answer the next dialogs; returns their messages."""
    asked = []

    def handle(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", handle)
    return asked


@pytest.mark.browser
def test_queue_ask_information_with_an_apostrophe_is_confirmed_before_sending(live_server, page):
    from app.extensions import db
    from app.models import Formation
    from app.models.workflow import FormationEtat

    login_as(page, live_server, "gestionnaire")
    page.goto(f"{live_server}/validation/")
    page.check("#queue input[name=rowid] >> nth=0")
    reference = page.inner_text("#queue tbody tr >> nth=0 >> td >> nth=1")
    asked = _answer(page, accept=False)
    page.click("button[value=ask_information]")
    page.wait_for_timeout(300)
    assert asked == [f"{APOSTROPHE} : appliquer aux formations sélectionnées ?"]
    assert page.url.endswith("/validation/")  # "Annuler": nothing sent
    db.session.expire_all()
    assert db.session.query(Formation).filter_by(reference=reference).one().etat == FormationEtat.EN_ATTENTE


@pytest.mark.browser
def test_fab_list_action_asks_its_question_then_acts_on_the_checked_rows(live_server, page, reset_demo):
    login_as(page, live_server, "gestionnaire")
    page.goto(f"{live_server}/sessionview/list/")
    page.click("button.dropdown-toggle:has-text('Actions')")
    page.click("[data-list-action=close_recrutement]")  # nothing checked: FAB's alert, no question
    assert page.locator("#modal-alert .modal-text").inner_text() == "Aucune ligne sélectionnée"
    page.click("#modal-alert button:has-text('OK')")
    page.wait_for_timeout(300)

    page.locator("input.action_check").first.check()
    asked = _answer(page, accept=False)
    page.click("button.dropdown-toggle:has-text('Actions')")
    page.click("[data-list-action=close_recrutement]")
    page.wait_for_timeout(300)
    assert asked == ["Fermer le recrutement de toutes les sessions sélectionnées ?"]
    assert "/sessionview/list/" in page.url and "action_post" not in page.url

    asked = _answer(page, accept=True)
    page.click("button.dropdown-toggle:has-text('Actions')")
    with page.expect_navigation(wait_until="load"):
        page.click("[data-list-action=close_recrutement]")
    assert asked == ["Fermer le recrutement de toutes les sessions sélectionnées ?"]
    assert "Recrutement fermé sur" in page.inner_text("body")  # the checked session's financements


@pytest.mark.browser
def test_deleting_a_row_is_confirmed_before_the_form_is_sent(live_server, page, reset_demo):
    from app.extensions import db
    from app.models import Financement
    from app.workflow.locks import lock_reason

    login_as(page, live_server, "contact")
    page.goto(f"{live_server}/financementview/list/")
    listed = [int(form.get_attribute("action").rstrip("/").split("/")[-1])
              for form in page.locator("form[action*='/financementview/delete/']").all()]
    # one the contact may delete (its formation is still being written)
    financement_id = next(i for i in listed if lock_reason(db.session.get(Financement, i), manager=False) is None)
    form = page.locator(f"form[action$='/financementview/delete/{financement_id}']")
    asked = _answer(page, accept=False)
    form.locator("button").click()
    page.wait_for_timeout(300)
    assert asked == ["Voulez-vous vraiment supprimer cet enregistrement ?"]
    db.session.expire_all()
    assert db.session.get(Financement, financement_id) is not None

    asked = _answer(page, accept=True)
    with page.expect_navigation(wait_until="load"):
        form.locator("button").click()
    assert asked == ["Voulez-vous vraiment supprimer cet enregistrement ?"]
    db.session.expire_all()
    assert db.session.get(Financement, financement_id) is None
