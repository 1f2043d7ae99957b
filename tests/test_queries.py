"""A list page costs the same number of SQL queries for 10 and for 100 rows (no N+1)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Certification,
    Financement,
    Formation,
    FormationCertification,
    Lieu,
    Mesure,
    Nomenclature,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
    RightLevel,
    Structure,
    StructureRight,
)
from app.models.workflow import FormationEtat, SessionEtat
from tests.conftest import reload_demo


def _add_volume(app, count: int) -> None:
    """Add `count` CFA sessions (with their children), formations, antennas with a lieu (and the
    contact's right on them)."""
    structure = db.session.execute(select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()
    mesure = db.session.execute(select(Mesure)).scalars().first()
    ico = db.session.execute(select(Nomenclature).where(Nomenclature.code == "MR.09")).scalar_one()
    contact = app.appbuilder.sm.find_user(username="contact")
    for index in range(count):
        # Every row has parents of its own, so that a lazy load per row would show.
        antenna = Structure(raison_sociale=f"Antenne de volume {index}", siret="32945614200010", parent=structure)
        own_lieu = Lieu(nom=f"Lieu de volume {index}", code_postal="14000", ville="Caen")
        antenna.lieux = [own_lieu]
        db.session.add(antenna)
        db.session.add(StructureRight(user=contact, structure=antenna, niveau=RightLevel.MODIFICATION))
        own_formation = Formation(structure=antenna, intitule=f"Formation de volume {index}", objectifs="x")
        session = Session(formation=own_formation, debut=date.today() + timedelta(days=index),
                          fin=date.today() + timedelta(days=index + 30), lieu_inscription=own_lieu)
        session.formateurs = [SessionFormateur(structure=antenna, principal=True)]
        session.lieux = [SessionLieu(lieu=own_lieu, principal=True)]
        session.financements = [Financement(financeur=mesure.financeur, mesure=mesure, nb_places=10)]
        session.recrutements = [Recrutement(modalite=ico, numero=f"ICO-{index}", date_debut=date.today())]
        db.session.add(session)
    db.session.commit()


@pytest.fixture(scope="module")
def volume(app):
    _add_volume(app, 110)
    yield
    reload_demo()


def _queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm caches that are not per-row (FAB menu, permissions)
    with count_queries() as executed:
        response = client.get(url)
    assert response.status_code == 200
    return executed()


CLASS_NAMES = {"formationview": "FormationView", "sessionview": "SessionView",
               "financementview": "FinancementView", "recrutementview": "RecrutementView",
               "structureview": "StructureView", "lieuview": "LieuView"}


@pytest.mark.parametrize("view", ["formationview", "sessionview", "financementview", "recrutementview",
                                  "structureview", "lieuview"])
def test_list_page_query_count_does_not_grow_with_rows(login, count_queries, volume, view):
    for username in ("gestionnaire", "contact"):
        client = login(username)
        name = CLASS_NAMES[view]
        page_10 = client.get(f"/{view}/list/?psize_{name}=10").get_data(as_text=True)
        page_100 = client.get(f"/{view}/list/?psize_{name}=100").get_data(as_text=True)
        assert page_100.count(f"/{view}/show/") >= 100 > page_10.count(f"/{view}/show/") >= 10
        small = _queries_for(client, count_queries, f"/{view}/list/?psize_{name}=10")
        large = _queries_for(client, count_queries, f"/{view}/list/?psize_{name}=100")
        assert small == large, f"{view} as {username}: {small} queries for 10 rows, {large} for 100"


def _add_list_volume(app, count: int) -> None:
    """Rows for the other lists, each with parents of its own: Contact OF accounts (each with a
    right, a contact, a coordonnée and history entries), account requests, and formations
    waiting in the validation queue. Bulk inserts: the ORM is not what is measured here."""
    from datetime import datetime

    from sqlalchemy import insert

    from app.models import AccountRequest, Coordonnee, HistoryEntry, StructureContact
    from app.models.workflow import FormationEtat

    sm = app.appbuilder.sm
    role = sm.find_role("Contact OF")
    antennas = db.session.execute(select(Structure.id).where(Structure.raison_sociale.like("Antenne de volume %"))
                                  .order_by(Structure.id)).scalars().all()[:count]
    now = datetime.now().replace(microsecond=0)
    users = []
    for index, structure_id in enumerate(antennas):
        user = sm.user_model(first_name=f"Prénom{index}", last_name=f"Volume{index:03d}", username=f"volume{index}",
                             email=f"volume{index}@example.org", active=True, password="x", roles=[role])
        db.session.add(user)
        users.append(user)
    db.session.flush()
    pairs = list(zip(antennas, users))
    db.session.execute(insert(StructureRight), [
        {"user_id": user.id, "structure_id": sid, "niveau": RightLevel.VISUALISATION} for sid, user in pairs])
    db.session.execute(insert(Coordonnee), [
        {"structure_id": sid, "nature": "tel", "valeur": f"02310000{index:02d}"[:10], "diffusion": True, "principal": True}
        for index, (sid, _) in enumerate(pairs)])
    db.session.execute(insert(StructureContact), [
        {"structure_id": sid, "nom": f"Contact {index}", "principal": False, "diffusion": True}
        for index, (sid, _) in enumerate(pairs)])
    db.session.execute(insert(HistoryEntry), [
        {"entity": "structure", "entity_id": sid, "at": now, "action": "Modification", "author_id": user.id}
        for sid, user in pairs])
    db.session.execute(insert(AccountRequest), [
        {"siret": "32945614200010", "nda": "28140000014", "nom": f"Demandeur{index}", "prenom": "Jean",
         "telephone": "0231000000", "email": f"demande{index}@example.org", "consentement": True,
         "created_at": now, "structure_id": sid}
        for index, (sid, _) in enumerate(pairs)])
    db.session.execute(Formation.__table__.update().where(Formation.intitule.like("Formation de volume %"))
                       .values(etat=FormationEtat.EN_ATTENTE, submitted_at=now))
    db.session.commit()


# Every list page of the portal: (URL, page-size parameter). `/validation/` is not a FAB list but
# pages the same way.
LIST_PAGES = {
    "formations": ("/formationview/list/", "FormationView"),
    "sessions": ("/sessionview/list/", "SessionView"),
    "financements": ("/financementview/list/", "FinancementView"),
    "recrutements": ("/recrutementview/list/", "RecrutementView"),
    "structures": ("/structureview/list/", "StructureView"),
    "lieux": ("/lieuview/list/", "LieuView"),
    "contacts": ("/structurecontactview/list/", "StructureContactView"),
    "coordonnees": ("/coordonneeview/list/", "CoordonneeView"),
    "history": ("/historyentryview/list/", "HistoryEntryView"),
    "account_requests": ("/accountrequestview/list/", "AccountRequestView"),
    "rights": ("/structurerightview/list/", "StructureRightView"),
    "contact_accounts": ("/comptes/list/", "ContactAccountView"),
    "validation_queue": ("/validation/", "ValidationQueueView"),
}
MAX_LIST_QUERIES = 12


@pytest.fixture(scope="module")
def list_volume(app, volume):
    _add_list_volume(app, 110)
    yield


@pytest.mark.parametrize("page", list(LIST_PAGES))
def test_every_list_page_costs_a_constant_number_of_queries(login, count_queries, list_volume, page):
    url, name = LIST_PAGES[page]
    client = login("gestionnaire")
    small_url, large_url = f"{url}?psize_{name}=10", f"{url}?psize_{name}=100"
    row_link = "/validation/review/" if page == "validation_queue" else url.replace("/list/", "/show/")
    rows_small = client.get(small_url).get_data(as_text=True).count(row_link)
    rows_large = client.get(large_url).get_data(as_text=True).count(row_link)
    assert rows_large >= 100 > rows_small >= 10, f"{page}: {rows_small} and {rows_large} rows"
    small = _queries_for(client, count_queries, small_url)
    large = _queries_for(client, count_queries, large_url)
    assert small == large, f"{page}: {small} queries for 10 rows, {large} for 100"
    assert large <= MAX_LIST_QUERIES, f"{page}: {large} queries"


def test_validation_queue_pages_keep_their_filters(login, list_volume):
    client = login("gestionnaire")
    first = client.get("/validation/?q=volume&type=creation&psize_ValidationQueueView=20").get_data(as_text=True)
    assert first.count("/validation/review/") == 20
    assert "page_ValidationQueueView=1" in first and "q=volume" in first and "type=creation" in first
    last = client.get("/validation/?q=volume&type=creation&psize_ValidationQueueView=20&page_ValidationQueueView=5")
    assert last.get_data(as_text=True).count("/validation/review/") == 10  # 110 waiting formations


MAX_SHOW_QUERIES = 25


def _formation_with_sessions(count: int, children: int = 1) -> Formation:
    """A formation of the CFA with `count` sessions (a third archived), each with `children` formateurs,
    lieux, financements and recrutements of its own (new structures, lieux and users' rows), so
    that a lazy load per session or per child would show."""
    structure = db.session.execute(select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()
    mesures = db.session.execute(select(Mesure).order_by(Mesure.id)).scalars().all()
    ico = db.session.execute(select(Nomenclature).where(Nomenclature.code == "MR.09")).scalar_one()
    formation = Formation(structure=structure, intitule=f"Formation de {count} sessions", objectifs="x")
    certification = db.session.execute(select(Certification).join(Certification.blocs)).scalars().first()
    formation.certifications = [FormationCertification(certification=certification, principal=True)]
    for index in range(count):
        session = Session(formation=formation, debut=date.today() + timedelta(days=index),
                          fin=date.today() + timedelta(days=index + 30))
        if index % 3 == 2:  # archived sessions are in the formation's rules (E3, E7), not checked one by one
            session.etat = SessionEtat.ARCHIVEE
        for child in range(children):
            antenna = Structure(raison_sociale=f"Antenne {count}-{index}-{child}", siret="32945614200010",
                                parent=structure)
            lieu = Lieu(nom=f"Lieu {count}-{index}-{child}", code_postal="14000", ville="Caen", structure=antenna)
            mesure = mesures[(index + child) % len(mesures)]
            session.formateurs.append(SessionFormateur(structure=antenna, principal=child == 0))
            session.lieux.append(SessionLieu(lieu=lieu, principal=child == 0))
            session.financements.append(Financement(financeur=mesure.financeur, mesure=mesure, nb_places=10))
            session.recrutements.append(Recrutement(modalite=ico, numero=f"ICO-{index}-{child}",
                                                    date_debut=date.today()))
            session.lieu_inscription = session.lieu_inscription or lieu
        db.session.add(session)
    db.session.add(formation)
    db.session.commit()
    return formation


@pytest.mark.parametrize("username", ("gestionnaire", "contact"))
def test_formation_page_costs_the_same_queries_for_5_and_200_sessions(login, count_queries, reset_demo, username):
    few, many = _formation_with_sessions(5).id, _formation_with_sessions(200).id
    client = login(username)
    small = _queries_for(client, count_queries, f"/formationview/show/{few}")
    large = _queries_for(client, count_queries, f"/formationview/show/{many}")
    print(f"formation page ({username}): {small} / {large}")
    assert small == large, f"formation page: {small} queries for 5 sessions, {large} for 200"
    assert large <= MAX_SHOW_QUERIES, f"formation page: {large} queries"


@pytest.mark.parametrize("username", ("gestionnaire", "contact"))
def test_session_page_costs_the_same_queries_whatever_its_children(login, count_queries, reset_demo, username):
    one = _formation_with_sessions(1, children=1).sessions[0].id
    many = _formation_with_sessions(2, children=30).sessions[0].id
    client = login(username)
    small = _queries_for(client, count_queries, f"/sessionview/show/{one}")
    large = _queries_for(client, count_queries, f"/sessionview/show/{many}")
    print(f"session page ({username}): {small} / {large}")
    assert small == large, f"session page: {small} queries for 1 child per list, {large} for 30"
    assert large <= MAX_SHOW_QUERIES, f"session page: {large} queries"


def test_review_page_costs_the_same_queries_for_5_and_200_sessions(login, count_queries, reset_demo):
    """The manager's review of a submitted formation checks its sessions from the tree loaded once,
    and offers the code lists through pickers (no list of 1,584 ROME codes in the page)."""
    formations = [_formation_with_sessions(count) for count in (5, 200)]
    for formation in formations:
        formation.etat = FormationEtat.EN_ATTENTE
    db.session.commit()
    client = login("gestionnaire")
    counts = [_queries_for(client, count_queries, f"/validation/review/{f.id}") for f in formations]
    assert counts[0] == counts[1] <= MAX_SHOW_QUERIES, counts
    page = client.get(f"/validation/review/{formations[0].id}").get_data(as_text=True)
    assert page.count("<option") < 50 and 'data-picker-url="/formationview/choix/romes"' in page


def test_sqlite_planner_statistics_survive_the_migrations(tmp_path):
    """SQLite's batch migrations rebuild tables, dropping their statistics; without them the
    dashboard's counts took minutes at regional scale. migrations/env.py analyses after upgrading:
    `flask db upgrade` of a fresh SQLite file leaves the planner's statistics table."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "portail.db"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "REGION_CODE": "28", "REGION_PREFIX": "04"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()


def test_postgresql_connections_plan_each_statement_for_its_values(app):
    """psycopg prepares a statement from its fifth run on a connection and PostgreSQL may then
    use a generic plan, blind to which structure is asked for: a contact's dashboard counts went
    from 130 to 270 ms at regional scale. The portal's connections force a plan per execution and
    run without JIT (POSTGRES_JIT=on keeps the server's JIT); SQLite connections get no option."""
    from flask import Flask
    from sqlalchemy import text

    from app.factory import _engine_options

    def options(uri: str, **config) -> str:
        flask_app = Flask("settings")
        flask_app.config.update(SQLALCHEMY_DATABASE_URI=uri, **config)
        _engine_options(flask_app)
        return (flask_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("connect_args", {}).get("options", "")

    assert options("postgresql+psycopg://portail@db/portail") == "-c plan_cache_mode=force_custom_plan -c jit=off"
    assert options("postgresql+psycopg://portail@db/portail", POSTGRES_JIT="on") == \
        "-c plan_cache_mode=force_custom_plan"
    assert options("sqlite:///instance/portal.db") == ""
    if db.engine.dialect.name == "postgresql":  # and the suite's own connections carry them
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        db.session.rollback()
