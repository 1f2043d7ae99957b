"""No page a user reaches shows English (FAB's own strings included)."""
from __future__ import annotations

import re

import lxml.html
import pytest

from app.extensions import db
from app.models import Formation, Session, Structure

ENGLISH = ["List", "Search", "Add", "Edit", "Show", "Delete", "Record Count", "Refresh", "Back", "Save",
           "Login", "Logout", "Profile", "Previous", "Next", "No records found", "Select", "Filter",
           "Equal to", "Contains", "Starts with", "Page size", "Yes", "No", "User", "Role", "Security",
           "Password", "First Name", "Last Name", "Active", "Created", "Changed", "True", "False",
           "None", "Comment", "Name", "Groups", "Cancel"]


def visible_words(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for bad in tree.xpath("//script|//style|//option"):  # options are reference data (ROME labels…)
        bad.drop_tree()
    attributes = " ".join(tree.xpath("//@title|//@placeholder|//input[@type='submit']/@value"))
    return tree.text_content() + " " + attributes


def english_in(html: str) -> list[str]:
    text = visible_words(html)
    return [word for word in ENGLISH if re.search(rf"(?<![\wÀ-ÿ-]){re.escape(word)}(?![\wÀ-ÿ-])", text)]


@pytest.mark.parametrize("username", ["contact", "gestionnaire", "admin"])
def test_pages_show_no_english(login, username):
    client = login(username)
    structure, formation, session = (db.session.query(m).first().id for m in (Structure, Formation, Session))
    urls = ["/", "/structureview/list/", "/formationview/list/", "/sessionview/list/", "/financementview/list/",
            "/recrutementview/list/", "/lieuview/list/", "/certificationview/list/", "/formationview/add",
            "/sessionview/add", "/users/userinfo/", "/resetmypassword/form"]
    if username != "contact":
        urls += [f"/structureview/show/{structure}", f"/formationview/show/{formation}",
                 f"/sessionview/show/{session}", f"/sessionview/edit/{session}", "/nomenclatureview/list/",
                 "/structurerightview/list/", "/historyentryview/list/"]
    if username == "admin":
        urls += ["/users/list/", "/roles/list/", "/groups/list/", "/users/add"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_in(response.get_data(as_text=True)) == [], url


def test_login_page_is_french(client):
    client.get("/logout/")
    html = client.get("/login/").get_data(as_text=True)
    assert english_in(html) == []
    assert "Connexion" in html
