"""Security headers on every answer, redirects that never leave the site, links that never follow
a forged Host header (app/security/headers.py, PortalAuthDBView in app/security/manager.py)."""
from __future__ import annotations

import html
import re
from unittest import mock
from urllib.parse import quote

import pytest
from flask import abort

from tests.conftest import PASSWORDS

def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_hardened(response) -> str:
    """The headers every answer carries; returns the Content-Security-Policy."""
    for name, value in BASE_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.path)
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in response.headers.get("Permissions-Policy", ""), feature
    policy = response.headers.get("Content-Security-Policy", "")
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
                      "default-src 'self'", "style-src 'self'"):
        assert directive in policy, directive
    assert re.search(r"script-src 'self' 'nonce-[\w-]{20,}'(;|$)", policy), policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
    server = response.headers.get("Server", "")
    assert "werkzeug" not in server.lower() and "python" not in server.lower()
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests
    return policy


def test_pages_error_pages_api_static_and_redirects_carry_the_headers(app, client, login, api_token):
    client.get("/logout/")
    assert_hardened(client.get("/login/"))
    redirect = client.get("/formationview/list/")
    assert redirect.status_code == 302
    assert_hardened(redirect)
    assert_hardened(client.get("/static/appbuilder/js/ab.js"))
    assert_hardened(client.get("/api/v1/formation/"))  # 401 JSON
    not_found = client.get("/cette-page-n-existe-pas")
    assert not_found.status_code == 404 and "Cette page n'existe pas" in text(not_found)
    assert_hardened(not_found)

    contact = login("contact")
    assert_hardened(contact.get("/"))
    forbidden = contact.get("/users/list/")
    assert forbidden.status_code in (302, 403)
    assert_hardened(forbidden)

    headers = api_token("contact")
    listing = client.get("/api/v1/formation/", headers=headers)
    assert listing.status_code == 200 and listing.is_json
    assert_hardened(listing)


def test_403_and_500_pages_carry_the_headers(app, login):
    client = login("contact")

    def forbidden():
        abort(403)

    def broken():
        raise RuntimeError("boom")

    with mock.patch.dict(app.view_functions, {"HomeView.index": forbidden}):
        response = client.get("/")
    assert response.status_code == 403 and "Vous n'avez pas accès" in text(response)
    assert_hardened(response)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # TESTING re-raises; production shows the 500 page
    try:
        with mock.patch.dict(app.view_functions, {"HomeView.index": broken}):
            response = client.get("/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500 and "Une erreur inattendue" in text(response)
    assert_hardened(response)


def test_every_inline_script_carries_the_answers_nonce(login):
    client = login("contact")
    for url in ("/", "/formationview/list/", "/sessionview/list/"):
        response = client.get(url)
        nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
        page = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts, url
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag, (url, tag)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), url  # no inline event handler either
    other = client.get("/").headers["Content-Security-Policy"]
    assert other != client.get("/").headers["Content-Security-Policy"]  # a new nonce per answer


def test_hsts_only_when_cookies_are_secure(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = client.get("/login/")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/login/").headers


OFF_SITE_TARGETS = [
    "//evil.example/",
    "///evil.example/",
    "\\\\evil.example/",
    "/\\evil.example/",
    "\\/evil.example/",
    "http://evil.example/",
    "https://evil.example/formationview/list/",
    "http:evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "%2F%2Fevil.example/",
    "/%2F%2Fevil.example/",
    "/%2F/evil.example/",
    "/%5Cevil.example/",
    "%5C%5Cevil.example/",
    "/%255C%255Cevil.example/",
    " //evil.example/",
    "\t//evil.example/",
    "\n/\\evil.example/",
    "\x00//evil.example/",
    "http://localhost@evil.example/",
    "http://localhost\\@evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
def test_login_next_never_leaves_the_site(app, target):
    client = app.test_client()
    url = f"/login/?next={quote(target, safe='')}"
    response = client.post(url, data={"username": "contact", "password": PASSWORDS["contact"]})
    assert response.status_code == 302 and response.headers["Location"] == "/", target
    again = client.get(url)  # already logged in: FAB sends the user straight to `next`
    assert again.status_code == 302 and again.headers["Location"] == "/", target


def test_login_next_keeps_a_path_of_the_site(app):
    client = app.test_client()
    protected = client.get("/formationview/list/")  # FAB's own next= is an absolute address of the site
    login_url = protected.headers["Location"]
    response = client.post(login_url, data={"username": "contact", "password": PASSWORDS["contact"]})
    assert response.headers["Location"] == "/formationview/list/"
    response = client.get("/login/?next=" + quote("/sessionview/list/?psize_SessionView=20", safe=""))
    assert response.headers["Location"] == "/sessionview/list/?psize_SessionView=20"


@pytest.mark.parametrize("target", ["/\\evil.example/", "//evil.example/", "https://evil.example/"])
def test_other_redirects_with_a_user_target_stay_on_the_site(login, target):
    client = login("contact")  # the espace selector sends back to the page it was chosen on
    response = client.post("/espace/choisir", data={"espace": "", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_forged_host_is_refused(client):
    response = client.get("/login/", headers={"Host": "evil.example"})
    assert response.status_code == 400 and "Adresse du site non reconnue" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"


def test_r_b4_forged_host_never_reaches_an_emailed_link(app, client, mailbox, reset_demo):
    email = "contact.autre@demo.carif-oref.example"
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = client.post("/compte/mot-de-passe-oublie", data={"email": email}, headers=forged)
    assert response.status_code == 400 and mailbox.messages == []

    trusted = app.config["TRUSTED_HOSTS"]
    app.config["TRUSTED_HOSTS"] = None  # e.g. a proxy that forwards any Host: the link still ignores it
    try:
        response = client.post("/compte/mot-de-passe-oublie", data={"email": email}, headers=forged)
    finally:
        app.config["TRUSTED_HOSTS"] = trusted
    assert response.status_code == 200
    body = mailbox.messages[-1].get_content()
    assert "evil.example" not in body
    assert re.search(r"http://localhost/compte/reinitialisation/\S+", body)


def test_r_g5_decision_email_links_ignore_the_request_host(app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Formation
    from app.workflow.notify import message_for

    formation = db.session.execute(select(Formation).limit(1)).scalar_one()
    with app.test_request_context("/", base_url="http://evil.example"):
        _, body = message_for(formation, "Formation validée", None)
    assert f"http://localhost/formationview/show/{formation.id}" in body and "evil.example" not in body
    _, body = message_for(formation, "Formation validée", None)  # a nightly job: no request at all
    assert f"http://localhost/formationview/show/{formation.id}" in body
