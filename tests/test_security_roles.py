"""Security as data (SPEC A1, B5, E11, F15): the role × permission matrix the application really
applies, compared with the README's table; the Gestionnaire cannot reach FAB's user and role
administration nor grant a role; deletes that the rules forbid exist for nobody."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Formation, HistoryEntry, Session, Structure, StructureRight
from app.security.permissions import MENU_ACCESS, PREFIX, ROLE_ADMIN, ROLE_CONTACT, ROLE_GESTIONNAIRE
from app.security.roles import ROLE_PERMISSIONS
from app.views.pickers import NOT_A_CHOICE

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = (ROLE_CONTACT, ROLE_GESTIONNAIRE, ROLE_ADMIN)
# Permissions checked inside a page rather than by a route (a field only managers change).
NON_ROUTE_PERMISSIONS = {("can_codify", "Structure"), ("can_codify", "Session")}


class _Role:
    def __init__(self, name):
        self.name = name


def effective_matrix(app) -> dict[str, dict[str, list[str]]]:
    """resource -> role -> permissions, as FAB decides them for every registered view and API."""
    sm = app.appbuilder.sm
    permissions: dict[str, set[str]] = {}
    for view in app.appbuilder.baseviews:
        permissions.setdefault(view.class_permission_name, set()).update(view.base_permissions or [])
    for permission, resource in NON_ROUTE_PERMISSIONS:
        permissions.setdefault(resource, set()).add(permission)
    matrix = {}
    for resource, names in sorted(permissions.items()):
        row = {role: sorted(n.removeprefix(PREFIX) for n in names
                            if sm._has_access_builtin_roles(_Role(role), n, resource)) for role in ROLES}
        if any(row.values()):
            matrix[resource] = row
    return matrix


def markdown(matrix) -> str:
    lines = ["| resource | " + " | ".join(ROLES) + " |", "|---|---|---|---|"]
    for resource, row in matrix.items():
        lines.append(f"| {resource} | " + " | ".join(", ".join(row[role]) or "–" for role in ROLES) + " |")
    return "\n".join(lines)


def readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- permissions:start -->\n(.*?)\n<!-- permissions:end -->", text, re.S)
    assert match, "the README's security section lost its permission table markers"
    return match.group(1).strip()


def test_r_a1_role_permission_matrix_is_the_readme_table(app):
    table = markdown(effective_matrix(app))
    print("\n" + table)  # the matrix, for `pytest -s`
    assert table == readme_table()


def test_r_a1_roles_are_cumulative_and_name_real_permissions(app):
    contact, gestionnaire, admin = (set(ROLE_PERMISSIONS[r]) for r in ROLES)
    assert contact < gestionnaire < admin
    real = {(perm, view.class_permission_name) for view in app.appbuilder.baseviews
            for perm in (view.base_permissions or [])} | NON_ROUTE_PERMISSIONS
    menus = {item.name for category in app.appbuilder.menu.menu for item in [category, *category.childs]}
    for permission, resource in admin:
        if permission == MENU_ACCESS:
            assert resource in menus, resource
        else:
            assert (permission, resource) in real, (permission, resource)


def _admin_and_manager(app):
    sm = app.appbuilder.sm
    return sm.find_user(username="admin"), sm.find_user(username="gestionnaire"), sm.find_role(ROLE_ADMIN)


@pytest.mark.parametrize("url", [
    "/users/list/", "/users/add", "/users/show/{admin}", "/users/edit/{admin}", "/users/edit/{manager}",
    "/roles/list/", "/roles/add", "/roles/edit/{role}", "/groups/list/", "/resetpassword/form?pk={admin}",
    "/comptes/edit/{admin}", "/comptes/edit/{manager}", "/comptes/show/{admin}",
])
def test_r_b5_gestionnaire_cannot_reach_user_and_role_administration(app, login, url):
    admin, manager, role = _admin_and_manager(app)
    client = login("gestionnaire")
    response = client.get(url.format(admin=admin.id, manager=manager.id, role=role.id))
    assert response.status_code in (403, 404), url


def test_r_b5_gestionnaire_cannot_grant_a_role_nor_edit_an_admin(app, login, reset_demo):
    admin, manager, role = _admin_and_manager(app)
    client = login("gestionnaire")
    posts = [
        (f"/users/edit/{manager.id}", {"first_name": "G", "last_name": "G", "username": "gestionnaire",
                                       "email": "g@example.org", "roles": [role.id], "active": "y"}),
        ("/users/add", {"first_name": "X", "last_name": "X", "username": "pirate", "email": "pirate@example.org",
                        "roles": [role.id], "active": "y", "password": "Pirate!2026", "conf_password": "Pirate!2026"}),
        (f"/users/edit/{admin.id}", {"email": "pirate@example.org"}),
        (f"/comptes/edit/{admin.id}", {"first_name": "A", "last_name": "A", "email": "pirate@example.org",
                                       "active": "y"}),
        (f"/comptes/edit/{manager.id}", {"first_name": "G", "last_name": "G", "email": "g@example.org",
                                         "roles": [role.id], "active": "y"}),
        (f"/roles/edit/{role.id}", {"name": "Admin", "user": [manager.id]}),
        (f"/resetpassword/form?pk={admin.id}", {"password": "Pirate!2026", "conf_password": "Pirate!2026"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code in (403, 404), url
    # a right is granted to a Contact OF account only
    before = db.session.query(StructureRight).count()
    structure = db.session.execute(select(Structure)).scalars().first()
    page = client.post("/structurerightview/add", data={"user": admin.id, "structure": structure.id,
                                                         "niveau": "modification"}).get_data(as_text=True)
    assert NOT_A_CHOICE in html.unescape(page)
    assert db.session.query(StructureRight).count() == before
    # the action of the accounts page loads rows through the same filter (FAB-NOTES G1)
    assert client.post(f"/comptes/action/send_reset/{admin.id}").status_code == 404
    db.session.expire_all()
    admin, manager, role = _admin_and_manager(app)
    assert [r.name for r in manager.roles] == [ROLE_GESTIONNAIRE]
    assert admin.email != "pirate@example.org"
    assert app.appbuilder.sm.find_user(username="pirate") is None


def test_r_b5_gestionnaire_cannot_use_the_security_api(app, api_token):
    admin, manager, role = _admin_and_manager(app)
    headers = api_token("gestionnaire")
    from flask import current_app

    client = current_app.test_client()
    for url in ("/api/v1/security/users/", f"/api/v1/security/users/{admin.id}", "/api/v1/security/roles/",
                "/api/v1/security/permissions/"):
        assert client.get(url, headers=headers).status_code in (401, 403, 404), url
    response = client.put(f"/api/v1/security/users/{manager.id}", headers=headers, json={"roles": [role.id]})
    assert response.status_code in (401, 403, 404)
    db.session.expire_all()
    assert [r.name for r in app.appbuilder.sm.find_user(username="gestionnaire").roles] == [ROLE_GESTIONNAIRE]


def test_r_b5_gestionnaire_manages_contact_accounts(app, login, mailbox, reset_demo):
    """*Comptes des organismes*: the contacts only; deactivation and a reset link."""
    client = login("gestionnaire")
    page = client.get("/comptes/list/").get_data(as_text=True)
    assert "contact.autre" in page and "Camille" in page
    assert ">admin<" not in page and "gestionnaire@" not in page
    other = app.appbuilder.sm.find_user(username="contact.autre")
    response = client.post(f"/comptes/edit/{other.id}", data={
        "first_name": other.first_name, "last_name": other.last_name, "email": "pas-une-adresse"})
    assert "L'adresse e-mail n'est pas valide" in response.get_data(as_text=True)
    assert 'value="pas-une-adresse"' in response.get_data(as_text=True)  # what was typed is kept
    client.post(f"/comptes/action/send_reset/{other.id}")
    assert [m["To"] for m in mailbox.messages] == [other.email]
    assert "/compte/reinitialisation/" in mailbox.messages[0].get_content()
    response = client.post(f"/comptes/edit/{other.id}", data={
        "first_name": other.first_name, "last_name": other.last_name, "email": other.email})  # active unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert app.appbuilder.sm.find_user(username="contact.autre").active is False
    from tests.conftest import PASSWORDS

    client.get("/logout/")
    client.post("/login/", data={"username": "contact.autre", "password": PASSWORDS["contact.autre"]})
    assert "Bienvenue" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_r_a1_contact_has_no_account_administration(login):
    client = login("contact")
    for url in ("/comptes/list/", "/users/list/", "/roles/list/", "/accountrequestview/list/"):
        assert client.get(url).status_code in (302, 403), url


def _rows():
    formation = db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None))).scalars().first()
    session = db.session.execute(select(Session).where(Session.formation_id == formation.id)).scalars().first()
    structure = db.session.get(Structure, formation.structure_id)
    history = db.session.execute(select(HistoryEntry)).scalars().first()
    return formation, session, structure, history


@pytest.mark.parametrize("username", ["contact", "gestionnaire", "admin"])
def test_r_e11_r_f15_no_role_deletes_formations_sessions_structures_or_history(app, login, api_token, username):
    formation, session, structure, history = _rows()
    client = login(username)
    for url in (f"/formationview/delete/{formation.id}", f"/sessionview/delete/{session.id}",
                f"/structureview/delete/{structure.id}", f"/historyentryview/delete/{history.id}"):
        assert client.post(url).status_code == 404, url
    for page in ("/formationview/list/", "/sessionview/list/", "/structureview/list/", "/historyentryview/list/",
                 f"/formationview/show/{formation.id}", f"/sessionview/show/{session.id}"):
        html = client.get(page).get_data(as_text=True)
        assert f"{page.split('/')[1]}/delete/" not in html, page
    headers = api_token(username)
    for url in (f"/api/v1/formation/{formation.id}", f"/api/v1/session/{session.id}",
                f"/api/v1/structure/{structure.id}"):
        assert client.delete(url, headers=headers).status_code in (404, 405), url
    db.session.expire_all()
    assert db.session.get(Formation, formation.id) is not None
    assert db.session.get(Session, session.id) is not None
    assert db.session.get(Structure, structure.id) is not None
    assert db.session.get(HistoryEntry, history.id) is not None


def test_r_a3_of_formateur_reads_the_offer_not_the_exchanges(app, login, reset_demo):
    """The contact's antenna is OF formateur on another organisation's session: he reads that
    session and its formation, never the comments the Carif-Oref addressed to the responsable."""
    from app.models import SessionFormateur
    from app.workflow.history import record

    contact = app.appbuilder.sm.find_user(username="contact")
    own = db.session.execute(select(StructureRight.structure_id).where(StructureRight.user_id == contact.id)).scalars().all()
    shared = db.session.execute(
        select(Session).join(SessionFormateur, SessionFormateur.session_id == Session.id)
        .join(Formation, Formation.id == Session.formation_id)
        .where(SessionFormateur.structure_id.in_(own), Formation.structure_id.notin_(own))).scalars().first()
    assert shared is not None, "the demo has a session where an antenna of the CFA is OF formateur"
    manager = app.appbuilder.sm.find_user(username="gestionnaire")
    record(db.session, shared.formation, "Demande de complément", manager, "Précisez le tarif, merci (privé).")
    record(db.session, shared, "Demande de complément", manager, "Le lieu est à revoir (privé).")
    db.session.commit()

    client = login("contact")
    session_page = client.get(f"/sessionview/show/{shared.id}").get_data(as_text=True)
    assert shared.reference in session_page  # the offer is readable
    formation_page = client.get(f"/formationview/show/{shared.formation_id}").get_data(as_text=True)
    history_list = client.get("/historyentryview/list/?psize_HistoryEntryView=500").get_data(as_text=True)
    for page in (session_page, formation_page, history_list):
        assert "(privé)" not in page
    # the manager (and the responsable) read them: the test would see a leak
    manager_page = login("gestionnaire").get(f"/formationview/show/{shared.formation_id}").get_data(as_text=True)
    assert "Précisez le tarif, merci (privé)." in manager_page


def test_r_a1_each_role_sees_its_own_menu_and_a_database_role_its_grants(app, login):
    """The navbar's menu is rendered once per set of roles (app/views/menu.py): each role sees
    exactly its items whatever was rendered before for another, and a role an administrator
    creates in the database shows what it was granted (FAB's own check, not the cache)."""
    import lxml.html

    from app.security.permissions import MENU_DEPARTEMENTS, MENU_QUEUE, MENU_REGIONS

    def menu(client) -> set[str]:
        page = lxml.html.fromstring(client.get("/").get_data(as_text=True))
        return {" ".join(a.text_content().split()) for a in page.xpath("//ul[@class='nav navbar-nav']//a")}

    manager_menu = menu(login("gestionnaire"))
    contact_menu = menu(login("contact"))
    assert MENU_QUEUE in manager_menu and MENU_QUEUE not in contact_menu
    assert MENU_REGIONS in manager_menu and not {MENU_REGIONS, MENU_DEPARTEMENTS} & contact_menu
    assert menu(login("gestionnaire")) == manager_menu and menu(login("contact")) == contact_menu

    sm = app.appbuilder.sm
    contact = sm.find_user(username="contact")
    role = sm.add_role("Lecteur des territoires")
    grants = [sm.add_permission_view_menu(MENU_ACCESS, name) for name in (MENU_REGIONS, MENU_DEPARTEMENTS)]
    try:
        sm.add_permission_role(role, grants[0])
        contact.roles.append(role)
        db.session.commit()
        assert menu(login("contact")) == contact_menu | {MENU_REGIONS}
        sm.add_permission_role(role, grants[1])  # a later grant shows at once
        assert menu(login("contact")) == contact_menu | {MENU_REGIONS, MENU_DEPARTEMENTS}
    finally:
        contact = sm.find_user(username="contact")
        contact.roles = [r for r in contact.roles if r.name != role.name]
        db.session.commit()
        for grant in grants:
            sm.del_permission_role(role, grant)
        db.session.delete(sm.find_role(role.name))
        db.session.commit()
    assert menu(login("contact")) == contact_menu
