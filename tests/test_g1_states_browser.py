"""G1 on hold in Chromium: the manager's page to put a formation on hold (with the French message
under its field when the reason is missing) and the formation page's banner pass axe's WCAG 2.1 AA
rules. Same fixtures as test_accessibility.py."""
from __future__ import annotations

import pytest

from tests.helpers import formation_like
from tests.test_accessibility import _blocking_violations, page  # noqa: F401  (page: a fixture)
from tests.test_browser import live_server, login_as, submit  # noqa: F401  (live_server: a fixture)

pytestmark = pytest.mark.browser


def test_r_g1_on_hold_pages_are_accessible(live_server, page, reset_demo, mailbox):  # noqa: F811
    formation = formation_like("Bureautique%")
    login_as(page, live_server, "gestionnaire")
    page.goto(f"{live_server}/formationview/show/{formation.id}")
    submit(page, "a:has-text('Mettre en suspens')")
    assert _blocking_violations(page) == []
    submit(page, "#confirmer")  # no reason
    assert "Indiquez le motif de la mise en suspens" in page.inner_text("#motif-erreurs")
    assert page.get_attribute("#motif", "aria-invalid") == "true"
    assert _blocking_violations(page) == []
    page.fill("#motif", "Habilitation en cours de renouvellement")
    submit(page, "#confirmer")
    assert "Habilitation en cours de renouvellement" in page.inner_text("#en-suspens")
    assert _blocking_violations(page) == []
