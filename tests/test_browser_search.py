"""The formations search and the remote pickers in headless Chromium (SPEC I2–I4, K2): a manager
searches with a wildcard reference and a list of postcodes, checks rows on two pages, runs a list
action on them; a relation field asks the server for its choices as he types. Same fixtures as
test_browser.py."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Financement, Lieu, Session, SessionEtat, SessionFormateur, SessionLieu
from tests.helpers import formation_like
from tests.test_browser import ARGS, CHROMIUM, live_server, login_as, submit  # noqa: F401  (live_server: a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture()
def manager_page(live_server):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is required (make browser-deps)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context(locale="fr-FR").new_page()
        login_as(page, live_server, "gestionnaire")
        yield page
        browser.close()


def _sessions_in(postcode: str, count: int) -> list[int]:
    """`count` running sessions of the BTS formation held in a lieu of `postcode`."""
    model = formation_like("BTS%").sessions[0]
    lieu = Lieu(nom=f"Plateau {postcode}", ligne="1 rue des Essais", code_postal=postcode, ville="Essai")
    model.formateurs[0].structure.lieux.append(lieu)
    financement = model.financements[0]
    sessions = [Session(formation=model.formation, etat=SessionEtat.DIFFUSEE,
                        debut=date.today() + timedelta(days=20 + index), fin=date.today() + timedelta(days=200),
                        formateurs=[SessionFormateur(structure=model.formateurs[0].structure, principal=True)],
                        lieux=[SessionLieu(lieu=lieu, principal=True)],
                        financements=[Financement(financeur=financement.financeur, mesure=financement.mesure,
                                                  nb_places=8)])
                for index in range(count)]
    db.session.add_all(sessions)
    db.session.commit()
    return [s.id for s in sessions]


def _ferme(ids) -> set[int]:
    db.session.expire_all()
    return {i for i in ids for f in db.session.get(Session, i).financements
            if f.etat_recrutement is not None and f.etat_recrutement.code == "2"}


def test_r_i2_r_i3_r_i4_search_select_on_two_pages_and_close_recrutement(live_server, manager_page, reset_demo):
    ids = _sessions_in("50991", 8) + _sessions_in("61999", 6)  # postcodes no demo lieu has
    page = manager_page
    page.goto(f"{live_server}/recherche/formations")
    page.select_option("#type_reference", "S")
    page.fill("#reference", "*S")
    page.fill("#code_postal", "5099*;61999")
    page.select_option("#taille", "10")
    submit(page, "#recherche button[type=submit]")
    assert "14 sessions trouvées – page 1 sur 2" in page.inner_text("#nombre-resultats")

    first_page = page.eval_on_selector_all("#resultats input[name=rowid]", "boxes => boxes.map(b => b.value)")
    page.check(f"#ligne-{first_page[0]}")
    page.check(f"#ligne-{first_page[1]}")
    assert "2 session(s) sélectionnée(s) sur cette page" in page.inner_text("#compte-selection")
    submit(page, "nav[aria-label='Pages de résultats'] a[rel=next]")
    second_page = page.eval_on_selector_all("#resultats input[name=rowid]", "boxes => boxes.map(b => b.value)")
    assert len(second_page) == 4 and not set(second_page) & set(first_page)
    page.check(f"#ligne-{second_page[0]}")
    assert "3 session(s) sélectionnée(s), dont 2 sur d'autres pages" in page.inner_text("#compte-selection")

    page.select_option("#action", "close_recrutement")
    page.once("dialog", lambda dialog: dialog.accept())  # "Appliquer l'action choisie … ?"
    submit(page, "#appliquer")
    assert "Recrutement fermé sur 3 financement(s)" in page.inner_text("body")
    chosen = {int(first_page[0]), int(first_page[1]), int(second_page[0])}
    assert _ferme(ids) == chosen
    # Back on the same search, nothing is selected any more.
    assert "Cochez des sessions" in page.inner_text("#compte-selection")


def test_i3_remote_picker_asks_the_server_as_the_user_types(live_server, manager_page):
    session = db.session.execute(select(Session).where(Session.contact_id.isnot(None),
                                                       Session.etat == SessionEtat.DIFFUSEE)).scalars().first()
    page = manager_page
    page.goto(f"{live_server}/sessionview/edit/{session.id}")
    options = page.eval_on_selector_all("select#contact option", "options => options.length")
    assert options <= 2  # the blank choice and the selected contact, not the region's contacts
    combo = page.locator("select#contact + .select2 .select2-selection")
    assert combo.get_attribute("aria-label") == "Contact"  # named after the field's label
    page.click("select#contact + .select2 .select2-selection__arrow")
    page.wait_for_selector(".select2-results__option:has-text('Moreau')")  # the first 20, from the server
    page.keyboard.type("lefeb horizon")  # the name and the structure tell two namesakes apart
    page.wait_for_function("""() => {
        const options = [...document.querySelectorAll('.select2-results__option')].map(o => o.textContent);
        return options.length > 0 && options.every(text => text.includes('Horizon'));
    }""")
    offered = page.eval_on_selector_all(".select2-results__option", "options => options.map(o => o.textContent)")
    assert offered and all("Lefebvre" in text and "Horizon" in text for text in offered), offered
    page.click(".select2-results__option:has-text('Lefebvre') >> nth=0")
    chosen = page.eval_on_selector("select#contact", "select => select.selectedOptions[0].textContent")
    assert "Lefebvre" in chosen and "Horizon" in chosen
