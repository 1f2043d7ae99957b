"""The core scenario in headless Chromium, as an organisation lives it (issue 12; SPEC E2, F3–F6,
F9, F12, F13, G4, G5): a contact creates a certifiante formation pre-filled from its certification,
adds a session from the formation's page — its OF formateur, lieu and contact defaulted —, adds a
financement and an information collective in dialogs without leaving the session's page, submits;
a manager validates. One formation page, one session page: no detour through list pages."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Formation, FormationEtat, Session, Structure
from tests.test_browser import ARGS, CHROMIUM, live_server, login_as, submit  # noqa: F401  (live_server: a fixture)
from tests.helpers import decisions

pytestmark = pytest.mark.browser


@pytest.fixture()
def browser(live_server):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is required (make browser-deps)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _page(browser, live_server, username):
    page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 1000}).new_page()
    login_as(page, live_server, username)
    return page


def _pick(page, select_id: str, typed: str, expected: str) -> None:
    """Open a remote picker, type, choose the first row holding `expected`."""
    page.click(f"select#{select_id} + .select2 .select2-selection__arrow")
    page.keyboard.type(typed)
    option = page.locator(".select2-results__option", has_text=expected).first
    option.wait_for()
    option.click()


def _dialog(page, opener: str) -> None:
    page.click(opener)
    page.wait_for_selector("#portal-modal form.portal-form")


def _save_dialog(page) -> None:
    """Enregistrer in the dialog: the page reloads on the same tab once saved. A date picker still
    open over the button closes as a user's click elsewhere closes it."""
    page.click("#portal-modal-title")
    try:
        with page.expect_navigation(wait_until="load", timeout=10000):
            page.click("#portal-modal button[type=submit]")
    except Exception:
        raise AssertionError(page.inner_text("#portal-modal-body"))


def test_core_scenario_in_one_formation_page_and_one_session_page(live_server, browser, mailbox, reset_demo):
    page = _page(browser, live_server, "contact")

    # 1. The formation, from its certification (E2).
    page.goto(f"{live_server}/formationview/add")
    assert page.locator("select#niveau_entree option:checked").inner_text() == "Sans niveau spécifique"
    assert "CFA BTP Normandie" in page.locator("select#structure option:checked").inner_text()  # the only siège
    page.check("#certifiante")
    _pick(page, "certification", "RNCP37682", "RNCP37682")
    # Playwright's own assertion polls without evaluating a string in the page (the CSP forbids eval)
    from playwright.sync_api import expect

    expect(page.locator("#intitule")).to_have_value("Maçon")
    assert "fin d'enregistrement" in page.locator("select#certification option:checked").inner_text()
    contenu = page.locator("div.portal-editor:has(+ #contenu) .ql-editor").inner_text()
    assert "Réaliser des ouvrages en maçonnerie" in contenu  # the certification's blocs
    assert "Niveau 3" in page.locator("select#niveau_sortie option:checked").inner_text()
    page.fill("#intitule", "Maçon du patrimoine bâti")
    submit(page, "form.portal-form button[type=submit]")
    assert "/formationview/show/" in page.url
    formation_id = int(page.url.rsplit("/", 1)[1].split("#")[0])
    assert "RNCP37682" in page.inner_text("#liste-certifications")

    # 2. A session from the formation's page; it opens its own page with its defaults (F3–F5, F12).
    page.click("#lien-sessions")
    _dialog(page, "#liste-sessions a[data-modal-url]")
    page.fill("#portal-modal #debut", "01/03/2027")
    page.fill("#portal-modal #fin", "30/06/2027")
    page.fill("#portal-modal #duree_centre", "400")
    _save_dialog(page)
    assert "/sessionview/show/" in page.url
    session_url = page.url.split("#")[0]
    session = db.session.get(Session, int(session_url.rsplit("/", 1)[1]))
    cfa = db.session.execute(select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()
    assert [(f.structure_id, f.principal) for f in session.formateurs] == [(cfa.id, True)]  # F3, in the database
    assert "Lefebvre" in page.inner_text("#onglet-dates")  # the responsable's principal contact
    page.click("#lien-lieux")
    assert "CFA BTP Normandie" in page.inner_text("#liste-formateurs") and "Principal" in page.inner_text(
        "#liste-formateurs")
    assert cfa.lieux[0].nom in page.inner_text("#liste-lieux")

    # 3. A financement in a dialog (F6): the mesure list follows the financeur.
    page.click("#lien-financements")
    _dialog(page, "#liste-financements .panel-footer a[data-modal-url]")
    assert not page.locator("#portal-modal [name=etat_dispositif]").count()  # the managers' field
    page.select_option("#portal-modal select#financeur", label="Collectivité territoriale - Conseil régional")
    allowed = page.eval_on_selector_all("#portal-modal select#mesure option:not([disabled])",
                                        "options => options.map(o => o.textContent)")
    assert allowed and all(text for text in allowed)
    page.select_option("#portal-modal select#mesure", label=[t for t in allowed if t.strip()][0])
    page.fill("#portal-modal #nb_places", "12")
    _save_dialog(page)
    assert session_url in page.url
    assert "Conseil régional" in page.inner_text("#liste-financements")  # back on the same tab, the row there

    # 4. An information collective; its number is given (F13).
    page.click("#lien-recrutement")
    _dialog(page, "#liste-recrutements .panel-footer a[data-modal-url]")
    ico = page.eval_on_selector("#portal-modal select#modalite", """select => [...select.options]
        .find(option => option.textContent.includes('Information collective')).value""")
    page.select_option("#portal-modal select#modalite", ico)
    page.fill("#portal-modal #date_debut", "15/02/2027")
    page.fill("#portal-modal #date_fin", "15/02/2027")
    page.fill("#portal-modal #heure_debut", "09:00")
    page.fill("#portal-modal #heure_fin", "11:00")
    page.fill("#portal-modal #nb_places", "20")
    page.check("#portal-modal #a_distance")
    _save_dialog(page)
    assert "ICO-1" in page.inner_text("#liste-recrutements")
    assert "Aucune erreur" in page.inner_text("#controles")  # the checks recomputed after each save

    # 5. Submitted (G4), then validated by the manager (G5).
    page.goto(f"{live_server}/formationview/show/{formation_id}")
    submit(page, "#workflow a:has-text('Soumettre pour validation')")
    submit(page, "form button[type=submit]")
    assert "Formation soumise au Carif-Oref" in page.inner_text("body")
    manager = _page(browser, live_server, "gestionnaire")
    manager.goto(f"{live_server}/validation/review/{formation_id}")
    manager.once("dialog", lambda dialog: dialog.accept())  # « Valider et diffuser la formation ? »
    submit(manager, "#decision-accept")
    db.session.expire_all()
    assert db.session.get(Formation, formation_id).etat == FormationEtat.DIFFUSEE
    assert any("Maçon du patrimoine bâti" in str(message.get("Subject", "")) + message.get_body().get_content()
               for message in decisions(mailbox, "Validation"))
