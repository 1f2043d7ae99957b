"""Browser test in headless Chromium (Debian's chromium driven by Playwright, no download):
the demo contact logs in, opens Formations, opens a session, and sees French labels."""
from __future__ import annotations

import shutil
import socket
import threading

import pytest
from werkzeug.serving import make_server

from app.security.headers import QuietRequestHandler
from tests.conftest import PASSWORDS
from tests.helpers import decisions

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def submit(page, selector: str) -> None:
    """Click a control that loads another page and wait until that page has loaded. Playwright's
    click returns once the navigation has started: reading or filling the page then may hit a
    document that is still arriving (an empty body) or the old one, which made these tests flaky
    on a slower database."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)


@pytest.fixture(scope="module")
def live_server(app):
    """The application served on a free loopback port, in a thread, with the portal's quiet
    request handler (no server banner)."""
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, with their tokens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is required (make browser-deps)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="fr-FR")
        yield context.new_page()
        browser.close()


def test_r_a3_contact_browses_formations_and_a_session_in_french(live_server, page):
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", "contact")
    page.fill("input[name=password]", PASSWORDS["contact"])
    submit(page, "input[type=submit], button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert "Bienvenue Camille" in page.inner_text("body")

    submit(page, "a.btn:text-is('Formations')")
    page.wait_for_url("**/formationview/list/**")
    body = page.inner_text("body")
    assert "Titre professionnel maçon" in body
    assert "BTS management commercial" not in body  # another organisation's formation
    for french in ("Intitulé", "Référence", "OF responsable", "État", "Nombre d'enregistrements"):
        assert french in body, french

    submit(page, "a[href*='/formationview/show/'] >> nth=0")
    page.wait_for_url("**/formationview/show/**")
    page.click("#lien-sessions")  # the formation page's tabs: Informations, Sessions, Gestion
    submit(page, "#onglet-sessions a[href*='/sessionview/show/'] >> nth=0")
    page.wait_for_url("**/sessionview/show/**")
    body = page.inner_text("body")
    for tab in ("Dates et organisation", "Lieux et formateurs", "Financements", "Recrutement", "Blocs", "Durées",
                "Modalités", "Inscription"):
        assert tab in page.inner_text(".portal-tabs"), tab
    shown = {}
    for tab in ("dates", "lieux", "financements", "recrutement", "durees", "inscription"):
        page.click(f"#lien-{tab}")
        shown[tab] = page.inner_text(f"#onglet-{tab}")
    for tab, french in (("dates", "Début"), ("dates", "Fin"), ("durees", "Durée en centre (h)"),
                        ("inscription", "Lieu d'inscription"), ("financements", "Financements"),
                        ("recrutement", "Modalités de recrutement"), ("lieux", "OF formateurs")):
        assert french in shown[tab], (tab, french)
    body = page.inner_text("body")
    for english in ("Show ", "Edit ", "Record Count", "Search", "Back"):
        assert english not in body, english
    page.screenshot(path="/tmp/portal-session.png", full_page=True)


def test_r_e5_live_counter_and_refused_form_keep_the_text(live_server, page):
    """Logged in as the contact (previous test): the counter follows the typing; a refused save
    comes back with the message under the field and the typed text."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Formation

    formation = db.session.execute(select(Formation).where(Formation.intitule.like("Sécurité incendie%"))).scalar_one()
    page.goto(f"{live_server}/formationview/edit/{formation.id}")
    assert "Select a State" not in page.inner_text("body")  # FAB's select2 placeholder, in French here
    assert "__None" not in page.inner_text("#select2-objectif_general-container")  # an empty optional choice
    assert "Select a State" not in page.evaluate(
        "Array.from(document.querySelectorAll('.select2-container input, .select2-selection__placeholder'))"
        ".map(e => e.getAttribute('placeholder') || e.textContent).join(' ')")
    counter = page.locator("#objectifs ~ .char-counter")
    editor = page.locator("div.portal-editor:has(+ #objectifs) .ql-editor")
    assert editor.get_attribute("role") == "textbox"  # the editor (E5) named after its label
    editor.fill("Vérifier")
    page.click("button.ql-bold >> nth=0")
    editor.press("End")
    page.keyboard.type(" tout")
    assert counter.inner_text() == "2987 caractère(s) restant(s) sur 3000"
    assert page.input_value("#objectifs") == "<p>Vérifier<strong> tout</strong></p>"  # what the editor makes
    editor.fill("a" * 3005)
    assert counter.inner_text() == "Dépassement de 5 caractère(s) (maximum 3000)"
    page.fill("#intitule", "SÉCURITÉ INCENDIE")
    submit(page, "button[type=submit]:has-text('Enregistrer'), input[type=submit]")
    body = page.inner_text("body")
    assert "L'intitulé ne doit pas être écrit en majuscules" in body
    assert "ne doit pas dépasser 3000 caractères (actuellement 3005)" in body
    assert page.input_value("#intitule") == "SÉCURITÉ INCENDIE"
    db.session.expire_all()
    assert db.session.get(Formation, formation.id).intitule.startswith("Sécurité incendie")


def login_as(page, live_server, username):
    """Log `page` in as a demo user (logging out whoever was in), on the home page."""
    page.goto(f"{live_server}/logout/")
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    submit(page, "input[type=submit], button[type=submit]")
    page.wait_for_url(f"{live_server}/")


def test_r_g2_r_g5_full_loop_modification_validation_publication(live_server, page, mailbox, reset_demo):
    """The organisation asks for a modification, edits a session, submits; the published version
    stays in the list and the LHEO export; the manager reads the diff and accepts; the change is
    published, in the history and in the organisation's mailbox."""
    from sqlalchemy import select

    from app.extensions import db
    from app.lheo.export import export_bytes
    from app.models import Formation, Session
    from app.workflow.drafts import current_draft

    published = db.session.execute(select(Formation).where(Formation.intitule.like("Bureautique%"))).scalar_one()
    target = next(s for s in published.sessions if not s.entree_sortie_permanente)
    old_prerequis = target.prerequis
    login_as(page, live_server, "contact.autre")

    page.goto(f"{live_server}/formationview/show/{published.id}")
    submit(page, "a.btn:has-text('Demande de modification')")
    submit(page, "#confirmer")
    page.wait_for_url("**/formationview/show/**")
    assert "Brouillon ouvert" in page.inner_text("body")
    assert "Ce brouillon sera supprimé automatiquement le" in page.inner_text("#purge-notice")
    db.session.expire_all()
    draft = current_draft(db.session, published)
    draft_session = next(s for s in draft.sessions if s.draft_of_id == target.id)

    page.goto(f"{live_server}/sessionview/edit/{draft_session.id}")
    page.fill("#prerequis", "Maîtriser les bases de Windows.")
    submit(page, "form button[type=submit].btn-primary, form input[type=submit]")
    page.goto(f"{live_server}/formationview/show/{draft.id}")
    submit(page, "a.btn:has-text('Soumettre pour validation')")
    submit(page, "#confirmer")
    page.wait_for_url("**/formationview/show/**")
    assert "En attente de validation" in page.inner_text("#etat")

    # the published version is what the list and the LHEO export show
    page.goto(f"{live_server}/sessionview/list/")
    body = page.inner_text("body")
    assert target.reference in body and draft_session.reference not in body
    db.session.expire_all()
    document = export_bytes(db.session).decode()
    assert old_prerequis in document and "Maîtriser les bases de Windows." not in document

    login_as(page, live_server, "gestionnaire")
    page.goto(f"{live_server}/validation/")
    submit(page, f"tr:has-text('{draft.reference}') >> a:has-text('Examiner')")
    diff = page.inner_text("#diff")
    assert f"Session {target.reference}" in diff
    assert old_prerequis in diff and "Maîtriser les bases de Windows." in diff
    page.fill("#commentaire", "Modification acceptée.")
    submit(page, "#decision-accept")
    page.wait_for_url(f"**/formationview/show/{published.id}")
    assert "Formation validée et diffusée" in page.inner_text("body")
    assert "Modification acceptée." in page.inner_text("#historique")

    db.session.expire_all()
    assert db.session.get(Session, target.id).prerequis == "Maîtriser les bases de Windows."
    document = export_bytes(db.session).decode()
    assert "Maîtriser les bases de Windows." in document
    [message] = decisions(mailbox, "Validation")
    assert message["To"] == "contact.autre@demo.carif-oref.example"
    assert "Modification acceptée." in message.get_content()


def test_r_b1_r_b3_r_b4_account_request_to_first_login(live_server, page, mailbox, reset_demo):
    """A new organisation's contact asks for an account, the manager accepts, the e-mailed link
    sets a password that the policy first refuses, and the new user sees only his structure."""
    import re

    page.goto(f"{live_server}/logout/")
    page.goto(f"{live_server}/login/")
    submit(page, "#creer-compte")
    page.fill("#siret", "44306184100047")
    page.fill("#nda", "28760456776")
    page.fill("#nom", "Martin")
    page.fill("#prenom", "Inès")
    page.fill("#telephone", "02 35 11 22 33")
    page.fill("#email", "ines.martin@horizon.example")
    submit(page, "#envoyer")
    assert "Acceptez la politique de protection des données personnelles" in page.inner_text("body")
    assert page.input_value("#email") == "ines.martin@horizon.example"  # what was typed is kept
    page.check("#consentement")
    submit(page, "#envoyer")
    assert "Votre demande est enregistrée" in page.inner_text("#done")

    login_as(page, live_server, "gestionnaire")
    page.goto(f"{live_server}/accountrequestview/list/")
    submit(page, "a[href*='/accountrequestview/show/'] >> nth=0")
    page.select_option("#niveau", "modification")
    submit(page, "#accepter")
    assert "Compte créé pour ines.martin@horizon.example" in page.inner_text("body")

    link = re.search(r"(http://\S+/compte/activation/\S+)", mailbox.messages[-1].get_content()).group(1)
    page.goto(f"{live_server}/logout/")
    page.goto(link.replace("http://localhost", live_server))
    page.fill("#password", "horizon2027")
    page.fill("#confirmation", "horizon2027")
    submit(page, "#envoyer")
    body = page.inner_text("body")
    assert "au moins une majuscule" in body and "au moins un caractère spécial" in body
    page.fill("#password", "Horizon#2027")
    page.fill("#confirmation", "Horizon#2027")
    submit(page, "#envoyer")
    assert "Votre mot de passe est enregistré" in page.inner_text("#done")

    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", "ines.martin@horizon.example")
    page.fill("input[name=password]", "Horizon#2027")
    submit(page, "input[type=submit], button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/structureview/list/")
    body = page.inner_text("body")
    assert "Horizon Formation" in body and "CFA Bâtiment Normandie" not in body  # its name (nom usuel)


def test_r_f6_mesure_list_follows_the_financeur(live_server, page):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Formation, Mesure

    login_as(page, live_server, "contact")
    formation = db.session.execute(select(Formation).where(Formation.intitule.like("Sécurité incendie%"))).scalar_one()
    session = formation.sessions[0]
    cpf = db.session.execute(select(Mesure).where(Mesure.code == "CPF")).scalar_one()
    region = db.session.execute(select(Mesure).where(Mesure.code == "CR-PRF")).scalar_one()
    page.goto(f"{live_server}/financementview/add?_flt_0_session={session.id}")
    page.select_option("select#financeur", str(cpf.financeur_id))
    assert page.locator(f"select#mesure option[value='{cpf.id}']").is_disabled() is False
    assert page.locator(f"select#mesure option[value='{region.id}']").is_disabled() is True
