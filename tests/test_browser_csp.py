"""The Content-Security-Policy in headless Chromium: the main pages load with no violation reported
on the console, and what their scripts do still works (select2, the date picker, the character
counter, the espace selector, confirmations). Same fixtures as test_browser.py."""
from __future__ import annotations

import shutil

import pytest

from tests.test_browser import ARGS, CHROMIUM, live_server, login_as  # noqa: F401  (live_server: a fixture)

pytestmark = pytest.mark.browser

# Chromium reports every refused script, style, frame or handler through securitypolicyviolation.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', function (e) {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                  ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture(scope="module")
def browser_page(live_server):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is required (make browser-deps)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="fr-FR")
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page.violations = []
        page.on("console", lambda message: page.violations.append(message.text)
                if "Content Security Policy" in message.text or "CSP violation" in message.text else None)
        yield page
        browser.close()


@pytest.fixture()
def page(browser_page):
    browser_page.violations.clear()
    yield browser_page
    assert browser_page.violations == []


def test_login_page_has_no_violation_and_no_server_banner(live_server, page):
    response = page.goto(f"{live_server}/logout/")
    response = page.goto(f"{live_server}/login/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers.get("server") == "portail"
    assert page.locator("input[name=username]").is_visible()
    page.wait_for_load_state("networkidle")


def test_contact_pages_work_under_the_policy(live_server, page):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Formation

    login_as(page, live_server, "contact")
    assert "Bienvenue Camille" in page.inner_text("body")
    page.goto(f"{live_server}/formationview/list/")
    assert "Titre professionnel maçon" in page.inner_text("body")

    formation = db.session.execute(select(Formation).where(Formation.intitule.like("Sécurité incendie%"))).scalar_one()
    page.goto(f"{live_server}/formationview/edit/{formation.id}")
    assert page.locator(".select2-container").count() > 0  # select2 ran
    page.locator("div.portal-editor:has(+ #objectifs) .ql-editor").fill("Vérifier")  # Quill ran (E5)
    assert page.inner_text("#objectifs ~ .char-counter") == "2992 caractère(s) restant(s) sur 3000"

    session = formation.sessions[0]
    page.goto(f"{live_server}/sessionview/show/{session.id}")
    page.click("#lien-durees")  # Bootstrap's tabs ran
    assert "Durée en centre (h)" in page.inner_text("#onglet-durees")
    page.click("#groupe-durees a[data-modal-url]")  # the page's dialog script ran and loaded the form
    page.wait_for_selector("#portal-modal input[name=duree_centre]")
    page.click("#portal-modal button[data-dismiss=modal] >> nth=-1")
    page.goto(f"{live_server}/sessionview/edit/{session.id}")
    page.click(".appbuilder_date input >> nth=0")
    assert page.locator(".datepicker-dropdown").first.is_visible()  # bootstrap-datepicker ran
    page.wait_for_load_state("networkidle")


def test_espace_selector_sends_its_form_without_an_inline_handler(live_server, page):
    login_as(page, live_server, "contact")  # CFA Bâtiment Normandie and its antennas
    options = page.locator("#espace-structure option")
    assert options.count() > 2
    with page.expect_navigation(wait_until="load"):
        page.select_option("#espace-structure", index=1)
    assert "Espace structure : " in page.inner_text("body")
    with page.expect_navigation(wait_until="load"):
        page.select_option("#espace-structure", index=0)  # back to all his structures


def test_manager_confirmations_and_swagger_under_the_policy(live_server, page):
    login_as(page, live_server, "gestionnaire")
    page.goto(f"{live_server}/validation/")
    button = page.locator("button[data-confirm]").first
    assert button.count() == 1
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Annuler" in the confirmation
    button.click()
    page.wait_for_timeout(300)
    assert page.url.endswith("/validation/")  # nothing was sent
    page.goto(f"{live_server}/swagger/v1")
    page.wait_for_selector("#swagger-ui .information-container", timeout=15000)
