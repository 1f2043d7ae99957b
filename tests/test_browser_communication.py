"""The communication pages in headless Chromium (SPEC H2–H4): an actualité typed in the formations'
rich-text editor, a thread started with the remote pickers and answered, and axe-core's WCAG 2.1
A/AA rules on every communication page of each side (no critical or serious violation)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Actualite, Memo, Message, MessageThread
from tests.test_accessibility import _blocking_violations, _report, page  # noqa: F401  (page: a fixture)
from tests.test_browser import live_server, login_as, submit  # noqa: F401  (live_server: a fixture)

pytestmark = pytest.mark.browser


def _pick(page, select_id: str, typed: str, expected: str) -> None:
    """Open a remote picker, type, choose the first row holding `expected`."""
    page.click(f"select#{select_id} + .select2 .select2-selection__arrow")
    page.keyboard.type(typed)
    option = page.locator(".select2-results__option", has_text=expected).first
    option.wait_for()
    option.click()


def _check(page, live_server, found: dict, name: str, path: str) -> None:
    response = page.goto(f"{live_server}{path}")
    assert response.ok, f"{path}: HTTP {response.status}"
    if problems := _blocking_violations(page):
        found[f"{name} ({path})"] = problems


def test_r_h2_h3_h4_pages_in_the_browser(live_server, page, mailbox, reset_demo):  # noqa: F811
    found: dict[str, list[str]] = {}
    # H3: the manager types an actualité in the editor (bold), dates in the date pickers.
    login_as(page, live_server, "gestionnaire")
    _check(page, live_server, found, "actualités (gestion)", "/actualites/")
    _check(page, live_server, found, "nouvelle actualité", "/actualites/nouvelle")
    page.fill("#title", "Programme QUALIF 2026")
    page.click("#actualite-form .ql-editor")
    page.keyboard.press("Control+B")
    page.keyboard.type("Attention")
    page.keyboard.press("Control+B")
    page.keyboard.type(" à l'effectif minimal.")
    page.fill("#publication", "01/01/2026")
    page.keyboard.press("Escape")
    page.check("input[name=audience][value=contacts]")
    submit(page, "#actualite-form button[type=submit]")
    db.session.rollback()
    actualite = db.session.execute(select(Actualite)).scalar_one()
    assert actualite.text == "<p><strong>Attention</strong> à l'effectif minimal.</p>"
    _check(page, live_server, found, "actualité", f"/actualites/{actualite.id}")

    # H4 and H2 on the contact's side: the actualité unread, a thread through the pickers, a mémo.
    login_as(page, live_server, "contact")
    _check(page, live_server, found, "actualités", "/actualites/")
    assert page.locator(f"#actualite-{actualite.id} .label", has_text="Non lue").count() == 1
    _check(page, live_server, found, "nouveau message", "/messagerie/nouveau")
    _pick(page, "structure", "BTP", "CFA BTP Normandie")
    page.fill("#subject", "Numéro de marché")
    page.fill("#text", "Merci de corriger le numéro de marché.")
    submit(page, "#conversation-form button[type=submit]")
    db.session.rollback()
    thread = db.session.execute(select(MessageThread)).scalar_one()
    assert page.url.endswith(f"/messagerie/{thread.id}")
    _check(page, live_server, found, "conversation", f"/messagerie/{thread.id}")
    page.fill("#text", "Et la date de fin aussi.")
    submit(page, "#reponse button[type=submit]")
    db.session.rollback()
    assert db.session.execute(select(Message).where(Message.thread_id == thread.id)).scalars().all()[-1].text == \
        "Et la date de fin aussi."
    _check(page, live_server, found, "messagerie", "/messagerie/")
    _check(page, live_server, found, "mes mémos (vide)", "/memos/")
    _check(page, live_server, found, "nouveau mémo", "/memos/nouveau")
    page.fill("#title", "Relancer Qualiopi")
    submit(page, "#memo-form button[type=submit]")
    db.session.rollback()
    memo = db.session.execute(select(Memo)).scalar_one()
    _check(page, live_server, found, "mes mémos", "/memos/")
    _check(page, live_server, found, "mémo", f"/memos/{memo.id}")

    login_as(page, live_server, "gestionnaire")  # the badge, then the thread
    assert page.locator("#messagerie-badge .badge").inner_text() == "1"
    _check(page, live_server, found, "messagerie (gestion)", "/messagerie/")
    assert not found, f"accessibility violations\n{_report(found)}"
