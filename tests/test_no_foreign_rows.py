"""Row isolation in every widget (SPEC A2, A3; FAB-NOTES G13): no list, form, drop-down, related
list, REST `_info` or `related` answer shows a contact the rows of another organisation.

What is foreign is computed here with plain SQL on the structure rights, independently of
app/security/scope.py (checking the scope with itself would prove nothing): the structures the
user holds no right on, their formations, sessions, lieux and contacts, minus what the SPEC lets
him read (A3: the sessions where one of his structures is OF formateur, with their formation and
what those pages show), and the other users of the portal.
"""
from __future__ import annotations

import html
import json
import re

import pytest
from flask_appbuilder import ModelView
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from app.extensions import db
from app.models import Formation, Lieu, Session, Structure
from app.security.scope import scoped

CONTACTS = ("contact", "contact.autre")


def _rows(sql: str, **params) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(sql), params).all()]


def _ids(sql: str, **params) -> set[int]:
    return {row[0] for row in _rows(sql, **params)}


def _strings(rows) -> set[str]:
    return {str(value).strip() for row in rows for value in row if value is not None and str(value).strip()}


def _in(ids: set[int]) -> str:
    return "(" + ",".join(str(i) for i in ids) + ")" if ids else "(NULL)"


def visible_and_foreign(app, username: str) -> tuple[set[str], set[str]]:
    """(strings the user may read, identifying strings of rows he must never see)."""
    users = app.appbuilder.sm.user_model.__tablename__
    user_id = _ids(f"SELECT id FROM {users} WHERE username = :u", u=username).pop()
    rights = _ids("SELECT structure_id FROM structure_right WHERE user_id = :u", u=user_id)
    own_formations = _ids(f"SELECT id FROM formation WHERE structure_id IN {_in(rights)}")
    trained = _ids(f"SELECT session_id FROM session_formateur WHERE structure_id IN {_in(rights)}")
    sessions = _ids(f"SELECT id FROM session WHERE formation_id IN {_in(own_formations)}") | trained
    formations = own_formations | _ids(f"SELECT formation_id FROM session WHERE id IN {_in(trained)}")
    # A3: the pages of a session he trains in show its formation's structure and formateurs,
    # its lieux and its contact.
    structures = rights | _ids(f"SELECT structure_id FROM formation WHERE id IN {_in(formations)}") | _ids(
        f"SELECT structure_id FROM session_formateur WHERE session_id IN {_in(sessions)}")
    lieux = _ids(f"SELECT id FROM lieu WHERE structure_id IN {_in(rights)}") | _ids(
        f"SELECT lieu_id FROM session_lieu WHERE session_id IN {_in(sessions)}") | _ids(
        f"SELECT lieu_inscription_id FROM session WHERE id IN {_in(sessions)} AND lieu_inscription_id IS NOT NULL")
    contacts = _ids(f"SELECT id FROM structure_contact WHERE structure_id IN {_in(rights)}") | _ids(
        f"SELECT contact_id FROM session WHERE id IN {_in(sessions)} AND contact_id IS NOT NULL")
    colleagues = {user_id} | _ids(f"SELECT user_id FROM structure_right WHERE structure_id IN {_in(rights)}")

    def split(sql: str, visible_ids: set[int]) -> tuple[set[str], set[str]]:
        inside = _strings(_rows(f"{sql} WHERE id IN {_in(visible_ids)}"))
        outside = _strings(_rows(f"{sql} WHERE id NOT IN {_in(visible_ids)}"))
        return inside, outside

    parts = [
        split("SELECT reference, intitule FROM formation", formations),
        split("SELECT reference FROM session", sessions),
        split("SELECT reference, raison_sociale, enseigne, siret, ville FROM structure", structures),
        split("SELECT nom, ville FROM lieu", lieux),
        split("SELECT nom || ' ' || prenom, prenom || ' ' || nom, email FROM structure_contact", contacts),
        split(f"SELECT first_name || ' ' || last_name, email FROM {users}", colleagues),
    ]
    visible = set().union(*(inside for inside, _ in parts))
    foreign = set().union(*(outside for _, outside in parts))
    visible |= _strings(_rows(f"SELECT valeur FROM coordonnee WHERE structure_id IN {_in(structures)}"))
    foreign |= _strings(_rows(f"SELECT valeur FROM coordonnee WHERE structure_id NOT IN {_in(structures)}"))
    # Usernames that are not plain words ("contact.autre"); "admin" or "contact" are everywhere.
    foreign |= {name for (name,) in _rows(f"SELECT username FROM {users} WHERE id NOT IN {_in(colleagues)}")
                if not name.isalpha()}
    # Public reference data is for everyone (a formation may be named like its certification).
    visible |= _strings(_rows("SELECT intitule, code_rncp, code_rs FROM certification"))
    for table, columns in (("nomenclature", "libelle"), ("bloc_competences", "libelle"), ("mesure", "libelle"),
                           ("financeur", "libelle"), ("departement", "nom"), ("region", "nom")):
        visible |= _strings(_rows(f"SELECT {columns} FROM {table}"))
    # A string the user may legitimately read elsewhere proves nothing (same town, same name).
    foreign = {f for f in foreign if len(f) >= 3 and not any(f in v for v in visible)}
    return visible, foreign


def readable(body: str) -> str:
    """The text as a reader gets it: JSON and JavaScript escapes (FAB's search form ships its
    fields as JSON, \\u00e9…) and HTML entities decoded."""
    body = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), body)
    return html.unescape(body.replace('\\"', '"').replace("\\/", "/"))


def leaks(body: str, foreign: set[str]) -> set[str]:
    body = readable(body)
    return {value for value in foreign if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", body)}


def json_text(response) -> str:
    try:
        return json.dumps(response.get_json(silent=True), ensure_ascii=False)
    except (TypeError, ValueError):
        return response.get_data(as_text=True)


def model_views(app) -> list[ModelView]:
    return [view for view in app.appbuilder.baseviews if isinstance(view, ModelView)]


def pages_for(app, username: str) -> list[str]:
    """Every list and add page, the edit page of a row he may change and the show page of each
    row he may read, for every registered ModelView."""
    user = app.appbuilder.sm.find_user(username=username)
    urls = ["/"]
    for view in model_views(app):
        base = view.route_base
        model = view.datamodel.obj
        urls += [f"{base}/list/", f"{base}/add"]
        readable = db.session.execute(scoped(select(model.id), model, write=False, user=user)
                                      .order_by(model.id).limit(30)).scalars().all()
        writable = db.session.execute(scoped(select(model.id), model, write=True, user=user)
                                      .order_by(model.id).limit(2)).scalars().all()
        if not readable:  # a view the contact cannot use: its first row (403/404 expected)
            readable = db.session.execute(select(model.id).order_by(model.id).limit(1)).scalars().all()
        urls += [f"{base}/show/{pk}" for pk in readable]
        urls += [f"{base}/edit/{pk}" for pk in writable or readable[:1]]
    return urls


def api_urls() -> list[str]:
    models = {"structure": Structure, "formation": Formation, "session": Session}
    urls = ["/api/v1/_openapi"]
    for resource, model in models.items():
        urls += [f"/api/v1/{resource}/_info", f"/api/v1/{resource}/_info?q=(keys:!(add_columns,edit_columns))",
                 f"/api/v1/{resource}/"]
        urls += [f"/api/v1/{resource}/related/{relation.key}" for relation in sa_inspect(model).relationships]
    return urls


@pytest.mark.parametrize("username", CONTACTS)
def test_r_a2_r_a3_no_page_form_or_api_answer_shows_foreign_rows(app, login, api_token, username):
    _, foreign = visible_and_foreign(app, username)
    assert len(foreign) >= 10, foreign  # formations, sessions, structures, lieux, users of others

    client = login(username)
    found: dict[str, set[str]] = {}
    statuses = {}
    for url in pages_for(app, username):
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code in (200, 302, 403, 404), f"{url}: {response.status_code}"
        if response.status_code == 200:
            if hit := leaks(response.get_data(as_text=True), foreign):
                found[url] = hit
    headers = api_token(username)
    for url in api_urls():
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 403, 404, 405), f"{url}: {response.status_code}"
        if response.status_code == 200:
            if hit := leaks(json_text(response), foreign):
                found[url] = hit
    assert not found, "\n".join(f"{url}: {sorted(hit)}" for url, hit in found.items())
    # The crawl did reach the contact's pages (not only refusals).
    assert sum(code == 200 for code in statuses.values()) >= 30


@pytest.mark.parametrize("username", CONTACTS)
def test_r_a2_r_a3_the_foreign_rows_are_there_for_the_manager(app, login, username):
    """The strings searched above are real: the manager's lists show them (the test can fail)."""
    _, foreign = visible_and_foreign(app, username)
    client = login("gestionnaire")
    shown = set()
    for url in ("/formationview/list/", "/sessionview/list/", "/structureview/list/", "/lieuview/list/",
                "/structurecontactview/list/", "/structurerightview/list/"):
        response = client.get(url)
        assert response.status_code == 200, url
        shown |= leaks(response.get_data(as_text=True), foreign)
    references = {f for f in foreign if re.fullmatch(r"\d+[FSO]", f)}
    assert references and references <= shown
    assert len(shown) >= len(foreign) // 2, sorted(foreign - shown)


def test_g13_relation_filters_are_remote_pickers(app):
    """FAB renders a relation search filter as a drop-down of every row of the related table: a
    relation filter must be a remote picker (app/views/pickers.py)."""
    from app.views.pickers import RemoteSelectField, RemoteSelectMultipleField

    offenders, pickers = [], 0
    for view in model_views(app):
        relations = {r.key: r.mapper.class_.__name__ for r in sa_inspect(view.datamodel.obj).relationships}
        for name in view.search_columns:
            if name not in relations:
                continue
            field_class = vars(view.search_form)[name].field_class
            if issubclass(field_class, (RemoteSelectField, RemoteSelectMultipleField)):
                pickers += 1
            else:  # even a short code list: a list page renders no drop-down it may not use
                offenders.append(f"{type(view).__name__}.{name}")
    assert not offenders
    assert pickers >= 10


def test_r_a3_history_names_the_carif_oref_not_its_staff(login):
    """A contact reads that the Carif-Oref validated his formation; only managers read who did."""
    from tests.helpers import formation_like

    macon = formation_like("Titre professionnel maçon%")
    for username, author in (("contact", "Carif-Oref"), ("gestionnaire", "Gaëlle Gestionnaire")):
        page = login(username).get(f"/formationview/show/{macon.id}").get_data(as_text=True)
        history = page.split('id="historique"', 1)[1]
        assert "Validation de la fiche" in history and f"<td>{author}</td>" in history, username
    assert "Gaëlle Gestionnaire" not in login("contact").get("/historyentryview/list/").get_data(as_text=True)


def test_r_a3_refusals_do_not_name_the_foreign_row(app, login, api_token, reset_demo):
    """A form or API call naming another organisation's row is refused without showing it."""
    _, foreign = visible_and_foreign(app, "contact")
    greta = db.session.execute(select(Structure).where(Structure.raison_sociale == "GRETA du Cotentin")).scalar_one()
    formation = db.session.execute(select(Formation).where(Formation.structure_id == greta.id)).scalars().first()
    lieu = db.session.execute(select(Lieu).where(Lieu.structure_id == greta.id)).scalars().first()
    user = app.appbuilder.sm.find_user(username="contact")
    session = db.session.execute(scoped(select(Session.id), Session, write=True, user=user)).scalars().first()
    structure = db.session.execute(scoped(select(Structure.id), Structure, write=True, user=user)).scalars().first()
    client = login("contact")
    for url, data in (("/sessionview/add", {"formation": formation.id, "debut": "01/09/2030", "fin": "30/06/2031"}),
                      ("/sessionlieuview/add", {"session": session, "lieu": lieu.id}),
                      (f"/structureview/edit/{structure}", {"parent": greta.id})):
        response = client.post(url, data=data)
        assert response.status_code in (200, 302, 404), url
        assert not leaks(response.get_data(as_text=True), foreign), url
    response = client.post("/api/v1/session/", json={"formation_id": formation.id}, headers=api_token("contact"))
    assert response.status_code == 422 and not leaks(json_text(response), foreign)


def picker_urls(app) -> list[str]:
    """Every remote picker of every model view (app/views/pickers.py), for a form and for a
    filter, listed whole (first pages) and searched."""
    from wtforms.fields.core import UnboundField

    from app.views.pickers import RemoteSelectField, RemoteSelectMultipleField

    urls = []
    for view in model_views(app):
        for form, suffix in ((view.add_form, ""), (view.edit_form, ""), (view.search_form, "/filtre")):
            for name, unbound in vars(form or object).items():
                if isinstance(unbound, UnboundField) and issubclass(
                        unbound.field_class, (RemoteSelectField, RemoteSelectMultipleField)):
                    base = f"{view.route_base}/choix/{name}{suffix}"
                    urls += [base, f"{base}?page=2", f"{base}?q=a", f"{base}?q=formation", f"{base}?q=1"]
    return sorted(set(urls))


@pytest.mark.parametrize("username", CONTACTS)
def test_r_a3_remote_pickers_answer_only_scoped_rows(app, login, username):
    """What a picker suggests while the contact types is his scope only (I3 pickers, A3)."""
    _, foreign = visible_and_foreign(app, username)
    client = login(username)
    urls = picker_urls(app)
    assert len(urls) >= 50
    found, answered = {}, 0
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), f"{url}: {response.status_code}"
        if response.status_code == 200:
            answered += len(response.get_json()["results"])
            if hit := leaks(json_text(response), foreign):
                found[url] = hit
    assert not found, "\n".join(f"{url}: {sorted(hit)}" for url, hit in found.items())
    assert answered >= 20  # the pickers did answer his own rows
