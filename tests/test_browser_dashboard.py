"""The tableau de bord and the pilotage in headless Chromium: each chart's table carries the
figures its SVG draws (same bars, labels and values), a counter opens the search that lists its
count, and axe-core finds no critical or serious WCAG 2.1 A/AA violation (same fixtures as
test_browser.py and test_accessibility.py)."""
from __future__ import annotations

import pytest

from tests.test_accessibility import _blocking_violations, _report, page  # noqa: F401  (page: a fixture)
from tests.test_browser import live_server, login_as, submit  # noqa: F401  (live_server: a fixture)

pytestmark = pytest.mark.browser

CHARTS = ("etats", "departements", "dispositifs", "mois", "file")


def _svg_bars(page, key) -> list[tuple[str, int]]:
    return page.eval_on_selector_all(
        f"#graphique-{key} svg rect.barre",
        "rects => rects.map(r => [r.querySelector('title').textContent, r.getAttribute('width')])")


def _table(page, key) -> list[tuple[str, int]]:
    return page.eval_on_selector_all(
        f"#chiffres-{key} tbody tr",
        "rows => rows.filter(r => r.querySelector('th')).map(r => "
        "[r.querySelector('th').innerText.trim(), parseInt(r.querySelector('td').innerText, 10)])")


def test_r_h1_chart_tables_match_their_svg_figures(live_server, page):
    login_as(page, live_server, "gestionnaire")
    submit(page, "#lien-pilotage")
    assert page.url.endswith("/pilotage")
    for key in CHARTS:
        svg = _svg_bars(page, key)
        table = _table(page, key)
        assert table, key
        # one bar per row, in the same order, the bar's title is "label : value"
        assert [title for title, _ in svg] == [f"{label} : {value}" for label, value in table], key
        # bar lengths follow the values: the longest bar is the largest value
        widths = [float(width) for _, width in svg]
        values = [value for _, value in table]
        if max(values):
            assert widths.index(max(widths)) == values.index(max(values)), key
            assert all(w == 0 for w, v in zip(widths, values) if v == 0), key
        # the svg is an image named for assistive technologies
        assert page.get_attribute(f"#graphique-{key} svg", "role") == "img"
        assert page.get_attribute(f"#graphique-{key} svg", "aria-label")
    # a row of the état chart opens the search reporting its figure
    label, value = next((label, value) for label, value in _table(page, "etats") if value)
    submit(page, f"#chiffres-etats tbody tr th a:text-is('{label}')")
    assert page.get_attribute("#nombre-resultats", "data-total") == str(value)


@pytest.mark.parametrize("username,url", [("gestionnaire", "/"), ("gestionnaire", "/pilotage"), ("contact", "/")])
def test_r_h1_dashboard_pages_pass_axe(live_server, page, username, url):
    login_as(page, live_server, username)
    page.goto(f"{live_server}{url}")
    assert page.locator("#tableau-de-bord, #graphique-etats").count() >= 1
    problems = _blocking_violations(page)
    assert not problems, _report({url: problems})


def test_r_h1_counter_opens_its_search_in_the_browser(live_server, page):
    login_as(page, live_server, "contact")
    value = page.get_attribute("#compteur-diffusees", "data-valeur")
    submit(page, "#compteur-diffusees")
    assert page.get_attribute("#nombre-resultats", "data-total") == value
    assert page.locator("#etat_formation").input_value() == "diffusee"
    assert page.locator("#par").input_value() == "formations"
