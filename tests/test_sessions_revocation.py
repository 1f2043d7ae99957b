"""Sessions and API tokens ended server-side (app/security/sessions.py): a password change, a
deactivation, a withdrawn role or a logout ends the other sessions, access tokens and refresh
tokens of the user; old links never switch a deactivated account back on; the REST login is
slowed per address like the page login."""
from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from flask import current_app

from app.extensions import db
from tests.conftest import PASSWORDS

ROOT = Path(__file__).resolve().parents[1]
NEW_PASSWORD = "Nouveau#2027"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def user(username):
    db.session.expire_all()
    return current_app.appbuilder.sm.find_user(username=username)


def logged_in(client) -> bool:
    return "Bienvenue" in text(client.get("/"))


def copied_session(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert logged_in(thief)
    return thief


def tokens(client, username, password=None) -> tuple[dict, dict]:
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": password or PASSWORDS[username], "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    access = {"Authorization": f"Bearer {response.json['access_token']}"}
    refresh = {"Authorization": f"Bearer {response.json['refresh_token']}"}
    assert client.get("/api/v1/formation/", headers=access).status_code == 200
    return access, refresh


def assert_tokens_refused(app, access, refresh) -> None:
    client = app.test_client()  # no session cookie: the tokens alone
    answer = client.get("/api/v1/formation/", headers=access)
    assert answer.status_code == 401 and "reconnectez-vous" in answer.json["message"]
    assert client.post("/api/v1/security/refresh", headers=refresh).status_code == 401


def admin_edit(app, username, **changes):
    """The Admin's user form (FAB's /users/edit), with the user's current values unless changed."""
    target = user(username)
    data = {"first_name": target.first_name, "last_name": target.last_name, "username": target.username,
            "email": target.email, "roles": [str(r.id) for r in target.roles]}
    if target.active:
        data["active"] = "y"
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    admin = app.test_client()
    admin.post("/login/", data={"username": "admin", "password": PASSWORDS["admin"]})
    response = admin.post(f"/users/edit/{target.id}", data=data)
    assert response.status_code == 302, text(response)
    return admin


def test_r_b4_own_password_change_ends_the_other_sessions_and_tokens(app, login, reset_demo):
    client = login("contact")
    thief = copied_session(app, client)
    access, refresh = tokens(app.test_client(), "contact")

    response = client.post("/resetmypassword/form", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)  # the session that changed the password goes on
    assert not logged_in(thief)
    assert thief.get("/formationview/list/").status_code == 302  # to the login page
    assert_tokens_refused(app, access, refresh)
    tokens(app.test_client(), "contact", NEW_PASSWORD)  # new tokens work


def test_r_b4_manager_password_reset_ends_every_session_and_token(app, login, reset_demo):
    client = login("contact.autre")
    access, refresh = tokens(app.test_client(), "contact.autre")
    admin = app.test_client()
    admin.post("/login/", data={"username": "admin", "password": PASSWORDS["admin"]})
    response = admin.post(f"/resetpassword/form?pk={user('contact.autre').id}",
                          data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(admin)  # the manager's own session is untouched
    assert not logged_in(client)
    assert "Votre session a été fermée" in text(client.get("/login/"))  # the user is told why
    assert_tokens_refused(app, access, refresh)


def test_r_b4_reset_link_ends_every_session_and_token(app, login, client, mailbox, reset_demo):
    browser = login("contact.autre")
    access, refresh = tokens(app.test_client(), "contact.autre")
    stranger = app.test_client()
    stranger.post("/compte/mot-de-passe-oublie", data={"email": "contact.autre@demo.carif-oref.example"})
    link = re.search(r"http://localhost(/compte/reinitialisation/\S+)", mailbox.messages[-1].get_content()).group(1)
    page = text(stranger.post(link, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}))
    assert "Votre mot de passe est enregistré" in page
    assert not logged_in(browser)
    assert_tokens_refused(app, access, refresh)


def test_deactivation_ends_every_session_and_token_even_once_reactivated(app, login, reset_demo):
    client = login("contact")
    thief = copied_session(app, client)
    access, refresh = tokens(app.test_client(), "contact")
    admin_edit(app, "contact", active=None)
    assert user("contact").active is False
    assert not logged_in(client) and not logged_in(thief)
    assert_tokens_refused(app, access, refresh)

    admin_edit(app, "contact", active="y")  # switched on again: the old session and tokens stay dead
    assert not logged_in(thief)
    assert_tokens_refused(app, access, refresh)
    assert logged_in(login("contact"))


def test_logout_ends_every_session_and_token(app, login):
    client = login("contact.autre")
    thief = copied_session(app, client)
    access, refresh = tokens(app.test_client(), "contact.autre")
    client.get("/logout/")
    assert not logged_in(client)
    assert not logged_in(thief)  # the copied cookie died with the logout
    assert_tokens_refused(app, access, refresh)
    assert logged_in(login("contact.autre"))


def test_r_a2_withdrawn_role_ends_the_sessions_a_name_change_does_not(app, login, reset_demo):
    sm = current_app.appbuilder.sm
    client = login("gestionnaire")
    first_name = user("gestionnaire").first_name
    contact_role, manager_role = sm.find_role("Contact OF"), sm.find_role("Gestionnaire")
    try:
        admin_edit(app, "gestionnaire", first_name="Claire-Marie")
        assert logged_in(client)  # nothing about access changed
        admin_edit(app, "gestionnaire", roles=[str(contact_role.id)])  # Gestionnaire withdrawn
        assert not logged_in(client)
        assert user("gestionnaire").roles == [contact_role]
    finally:  # reset_demo restores passwords, not names and roles
        manager = user("gestionnaire")
        manager.first_name, manager.roles = first_name, [manager_role]
        db.session.commit()


def test_r_b3_r_b4_old_links_never_reactivate_a_deactivated_account(app, client, mailbox, reset_demo):
    from app.accounts import ACTIVATION, make_link_token

    client.post("/compte/mot-de-passe-oublie", data={"email": "contact.autre@demo.carif-oref.example"})
    reset = re.search(r"http://localhost(/compte/reinitialisation/\S+)", mailbox.messages[-1].get_content()).group(1)
    activation = f"/compte/activation/{make_link_token(user('contact.autre'), ACTIVATION)}"
    admin_edit(app, "contact.autre", active=None)

    for link in (reset, activation):
        page = client.get(link)
        assert page.status_code == 400 and "Ce compte a été désactivé par le Carif-Oref" in text(page)
        answer = client.post(link, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
        assert "Ce compte a été désactivé" in text(answer) and "Votre mot de passe est enregistré" not in text(answer)
    assert user("contact.autre").active is False
    client.post("/login/", data={"username": "contact.autre", "password": NEW_PASSWORD})
    assert not logged_in(client)
    client.post("/login/", data={"username": "contact.autre", "password": PASSWORDS["contact.autre"]})
    assert not logged_in(client)


def test_r_b3_an_account_never_activated_still_activates(app, client, reset_demo):
    """An account created switched off (not yet activated) is switched on by its activation link."""
    from werkzeug.security import generate_password_hash

    from app.accounts import ACTIVATION, make_link_token

    sm = current_app.appbuilder.sm
    newcomer = sm.user_model(username="nouveau@horizon.example", email="nouveau@horizon.example",
                             first_name="Noé", last_name="Nouveau", active=False,
                             password=generate_password_hash("x"), roles=[sm.find_role("Contact OF")])
    db.session.add(newcomer)
    db.session.commit()
    link = f"/compte/activation/{make_link_token(newcomer, ACTIVATION)}"
    page = text(client.post(link, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}))
    assert "Votre mot de passe est enregistré" in page
    assert user("nouveau@horizon.example").active is True
    client.post("/login/", data={"username": "nouveau@horizon.example", "password": NEW_PASSWORD})
    assert logged_in(client)


REST_LIMIT_SCRIPT = textwrap.dedent("""
    import os, tempfile
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "limit.db")
    from app.factory import create_app
    app = create_app(WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT="3 per 5 minute", MAIL_SUPPRESS_SEND=True)
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    client = app.test_client()
    body = {"username": "x", "password": "y", "provider": "db"}
    logins = [client.post("/api/v1/security/login", json=body).status_code for _ in range(4)]
    last = client.post("/api/v1/security/login", json=body)
    other = client.post("/api/v1/security/login", json=body, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
    print(logins, last.status_code, "Trop de tentatives" in last.json["message"], other)
""")


def test_rest_login_is_slowed_per_address_like_the_page_login():
    result = subprocess.run([sys.executable, "-c", REST_LIMIT_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[401, 401, 401, 429] 429 True 401"
