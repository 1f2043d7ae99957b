"""50 simulated users on the portal (issue 16 item 6), run by scripts/load_test.py (`make load`).

Contacts of several organisations open their dashboard, search, open their formations, sessions
and structure, and save a session of theirs still being written; managers work the validation
queue, search the region, open records, ask for an Excel export and all edit the same session at
once (each save is accepted or refused as stale, never lost: load_test.py checks the session's
version against the accepted saves). Everyone now and then logs in again, as after the end of a
browser session. Loopback only; the plan (accounts, ids) comes from LOAD_PLAN.
"""
from __future__ import annotations

import itertools
import json
import os
import random

import lxml.html
from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
WORDS = ("bâtiment", "anglais", "soudure", "comptabilité", "cuisine", "logistique", "santé", "numérique")
ACCEPTED, REFUSED = "édition concurrente : enregistrée", "édition concurrente : refusée (périmée)"
SAVES = {ACCEPTED: 0, REFUSED: 0}  # every concurrent save of the run, warm-up included
_contacts = itertools.cycle(PLAN["contacts"])
_addresses = itertools.count(1)
_managers = itertools.cycle(PLAN["managers"])


def form_values(html: str, field: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The action and the values a browser would post for the page's form holding `field`."""
    document = lxml.html.fromstring(html)
    forms = document.xpath(f'//form[.//*[@name="{field}"]]')
    if not forms:
        return None, []
    return forms[0].get("action"), list(forms[0].form_values())


def record(environment, name: str) -> None:
    """A counter in locust's statistics (no request): the accepted and refused concurrent saves."""
    environment.events.request.fire(request_type="CHECK", name=name, response_time=0, response_length=0,
                                    exception=None, context={})


class PortalUser(HttpUser):
    abstract = True
    # A person reads a page or types a form before the next click: 5 to 15 s (LOAD_WAIT="min,max").
    wait_time = between(*(float(v) for v in os.environ.get("LOAD_WAIT", "5,15").split(",")))
    password_key = ""

    def on_start(self):
        # Each simulated person has an address of his own, as behind the reverse proxy the portal
        # is deployed with (PROXY_COUNT=1): the login rate limit counts per person, not for all.
        self.client.headers["X-Forwarded-For"] = f"10.0.{next(_addresses)}.{random.randint(1, 254)}"
        self.log_in()

    @task(1)
    def log_in_again(self):
        """Somebody whose browser session ended logs in again: the login is measured while the
        others work, not only in the arrival of the first minute (whose figures are reset).
        Without logging out, which would end the sessions of the people sharing the account."""
        self.client.cookies.clear()
        self.log_in()

    def log_in(self):
        page = self.client.get("/login/", name="connexion (page)")
        _, values = form_values(page.text, "username")
        values = [(k, v) for k, v in values if k not in ("username", "password")]
        values += [("username", self.account["username"]), ("password", PLAN[self.password_key])]
        response = self.client.post("/login/", data=values, name="connexion", allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"login refused for {self.account['username']}: {response.status_code}")

    def save(self, url: str, field: str, value: str, name: str):
        """GET the edit form, change `field`, POST it back as the browser would; the response."""
        page = self.client.get(url, name=f"{name} (formulaire)")
        action, values = form_values(page.text, field)
        if action is None:
            return None
        values = [(k, value if k == field else v) for k, v in values]
        return self.client.post(url, data=values, name=name, allow_redirects=False)


class Contact(PortalUser):
    weight = 7
    password_key = "contact_password"

    def on_start(self):
        self.account = next(_contacts)
        super().on_start()

    @task(2)
    def dashboard(self):
        self.client.get("/", name="tableau de bord")

    @task(3)
    def search(self):
        if random.random() < 0.5 and self.account["code_postal"]:
            self.client.get(f"/recherche/formations?code_postal={self.account['code_postal'][:2]}*",
                            name="recherche (code postal)")
        else:
            self.client.get(f"/recherche/formations?q={random.choice(WORDS)}", name="recherche rapide")

    @task(3)
    def formation(self):
        if self.account["formations"]:
            self.client.get(f"/formationview/show/{random.choice(self.account['formations'])}", name="formation")

    @task(3)
    def session(self):
        if self.account["sessions"]:
            self.client.get(f"/sessionview/show/{random.choice(self.account['sessions'])}", name="session")

    @task(1)
    def structure(self):
        self.client.get(f"/structureview/show/{self.account['structure']}", name="structure")

    @task(1)
    def save_session(self):
        if self.account["editable_sessions"]:
            session_id = random.choice(self.account["editable_sessions"])
            self.save(f"/sessionview/edit/{session_id}", "prerequis", f"Aucun ({random.randint(1, 10**6)})",
                      "session (enregistrement)")


class Manager(PortalUser):
    weight = 3
    password_key = "manager_password"

    def on_start(self):
        self.account = next(_managers)
        super().on_start()

    @task(2)
    def queue(self):
        self.client.get("/validation/", name="file de validation")

    @task(2)
    def search(self):
        self.client.get(f"/recherche/formations?q={random.choice(WORDS)}", name="recherche rapide")

    @task(2)
    def formation(self):
        self.client.get(f"/formationview/show/{random.choice(self.account['formations'])}", name="formation")

    @task(2)
    def session(self):
        self.client.get(f"/sessionview/show/{random.choice(self.account['sessions'])}", name="session")

    @task(1)
    def export(self):
        self.client.get(f"/recherche/export/excel?q={random.choice(WORDS)}", name="export Excel (demande)")

    @task(2)
    def contended_edit(self):
        response = self.save(f"/sessionview/edit/{PLAN['contended_session']}", "prerequis",
                             f"Version {random.randint(1, 10**9)}", "session (édition concurrente)")
        if response is None:
            return
        outcome = ACCEPTED if response.status_code == 302 else REFUSED
        SAVES[outcome] += 1
        record(self.environment, outcome)


@events.quitting.add_listener
def _write_saves(environment, **kwargs):
    """The counts of concurrent saves, for load_test.py's lost-update check (statistics are reset
    once every user has started; these are not)."""
    with open(os.environ["LOAD_SAVES"], "w", encoding="utf-8") as out:
        json.dump(SAVES, out)
