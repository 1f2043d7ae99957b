"""*Liens en erreur* (SPEC H5) in headless Chromium: no critical or serious WCAG 2.1 AA violation,
with broken links listed (same helpers as test_accessibility.py)."""
from __future__ import annotations

import pytest

from tests.test_accessibility import _blocking_violations, _report, page  # noqa: F401  (page: a fixture)
from tests.test_browser import live_server, login_as  # noqa: F401  (live_server: a fixture)
from tests.test_links import broken_demo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["contact", "gestionnaire"])
def test_r_h5_broken_links_page_is_accessible(live_server, page, broken_demo, username):  # noqa: F811
    login_as(page, live_server, username)
    response = page.goto(f"{live_server}/liens/erreurs")
    assert response.ok
    assert page.locator("#liens-en-erreur caption").count() == 1
    problems = _blocking_violations(page)
    assert not problems, _report({username: problems})
