"""Accessibility of the main pages in headless Chromium: axe-core (app/static/vendor/axe.min.js,
installed by `make assets`) runs the WCAG 2.0 and 2.1 A/AA rules on every main page of each demo
role, and no page may have a critical or serious violation. Same fixtures as test_browser.py.

The page's Content-Security-Policy stays on: axe's source is evaluated through the DevTools
protocol (page.evaluate), which the policy does not govern, whereas a <script> added to the page
(add_script_tag) would be refused for want of the answer's nonce."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_browser import ARGS, CHROMIUM, live_server, login_as  # noqa: F401  (live_server: a fixture)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "app" / "static" / "vendor" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
# axe's best practices on the page's structure, every violation counted: one <main>, an <h1>, all
# content in landmarks (RGAA 9.1, 12.6). Not heading-order: FAB's accordions (search, fieldsets,
# related lists) are h4 titles under the page's h1.
STRUCTURE = ["landmark-one-main", "landmark-no-duplicate-main", "page-has-heading-one", "region"]

# (name, address or "first link to follow on that page", roles that open it)
ALL = ("contact", "gestionnaire", "admin")
MANAGERS = ("gestionnaire", "admin")
PAGES = [
    ("accueil", "/", ALL),
    ("recherche de formations", "/recherche/formations", ALL),
    ("formations", "/formationview/list/", ALL),
    ("sessions", "/sessionview/list/", ALL),
    ("structures", "/structureview/list/", ALL),
    ("lieux", "/lieuview/list/", ALL),
    ("contacts", "/structurecontactview/list/", ALL),
    ("financements", "/financementview/list/", ALL),
    ("recrutements", "/recrutementview/list/", ALL),
    ("fiche formation", ("/formationview/list/", "a[href*='/formationview/show/']"), ALL),
    ("fiche session", ("/sessionview/list/", "a[href*='/sessionview/show/']"), ALL),
    ("fiche structure", ("/structureview/list/", "a[href*='/structureview/show/']"), ALL),
    ("nouvelle formation", "/formationview/add", ALL),
    ("nouvelle session", "/sessionview/add", ALL),
    ("file de validation", "/validation/", MANAGERS),
    ("examen d'une demande", ("/validation/", "a[href*='/validation/review/']"), MANAGERS),
    ("demandes de compte", "/accountrequestview/list/", MANAGERS),
    ("droits sur les structures", "/structurerightview/list/", ALL),
    ("historique", "/historyentryview/list/", ALL),
]
ANONYMOUS_PAGES = [("connexion", "/login/"), ("demande de compte", "/compte/demande")]


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is required (make browser-deps)"
    assert AXE.is_file(), "axe-core is missing: run `make assets`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="fr-FR")
        yield context.new_page()
        browser.close()


def _open(page, live_server, target) -> None:
    if isinstance(target, tuple):  # a record page: the first one its list links to
        list_url, link = target
        page.goto(f"{live_server}{list_url}")
        target = page.locator(link).first.get_attribute("href")
    response = page.goto(target if target.startswith("http") else f"{live_server}{target}")
    assert response.ok, f"{target}: HTTP {response.status}"


def _blocking_violations(page) -> list[str]:
    """axe's critical and serious violations of the page, one readable line per node."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    run = "(options) => axe.run(document, options).then(r => r.violations)"
    violations = [v for v in page.evaluate(run, {"runOnly": {"type": "tag", "values": WCAG_A_AA}})
                  if v["impact"] in BLOCKING]
    violations += page.evaluate(run, {"runOnly": {"type": "rule", "values": STRUCTURE}})
    return [f"{v['impact']} {v['id']} ({v['help']}): {' '.join(map(str, node['target']))}{_contrast(node)} — "
            f"{' '.join(node['html'].split())[:160]}"
            for v in violations for node in v["nodes"]]


def _contrast(node) -> str:
    """The colours axe measured, for a contrast failure."""
    data = next((check.get("data") for check in node.get("any", []) if isinstance(check.get("data"), dict)), None)
    if not data or "contrastRatio" not in data:
        return ""
    return f" [{data.get('fgColor')} on {data.get('bgColor')}: {data.get('contrastRatio')}:1]"


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in found.items())


@pytest.mark.parametrize("username", ALL)
def test_wcag21_aa_main_pages_have_no_critical_or_serious_violation(live_server, page, username):
    login_as(page, live_server, username)
    found, opened = {}, 0
    for name, target, roles in PAGES:
        if username not in roles:
            continue
        _open(page, live_server, target)
        opened += 1
        if problems := _blocking_violations(page):
            found[f"{name} ({page.url})"] = problems
    assert opened >= 15
    assert not found, f"{username}: accessibility violations\n{_report(found)}"


def test_wcag21_aa_public_pages_have_no_critical_or_serious_violation(live_server, page):
    page.goto(f"{live_server}/logout/")
    found = {}
    for name, target in ANONYMOUS_PAGES:
        _open(page, live_server, target)
        assert "input" in page.content()
        if problems := _blocking_violations(page):
            found[f"{name} ({page.url})"] = problems
    assert not found, f"anonymous: accessibility violations\n{_report(found)}"
