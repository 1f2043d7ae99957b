"""A list page costs the same number of SQL queries for 10 and for 100 rows (no N+1)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Financement,
    Formation,
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
