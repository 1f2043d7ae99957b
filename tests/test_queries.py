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
    Structure,
)


def _add_sessions(count: int) -> None:
    """Add `count` sessions (with a financement and a recruitment each) to the CFA's formations."""
    formation = db.session.execute(select(Formation).where(Formation.intitule.like("Électricien%"))).scalar_one()
    structure = formation.structure
    lieu = db.session.execute(select(Lieu).where(Lieu.structure_id == structure.id)).scalars().first()
    mesure = db.session.execute(select(Mesure)).scalars().first()
    ico = db.session.execute(select(Nomenclature).where(Nomenclature.code == "MR.09")).scalar_one()
    for index in range(count):
        session = Session(formation=formation, debut=date.today() + timedelta(days=index), fin=date.today() + timedelta(days=index + 30),
                          lieu_inscription=lieu)
        session.formateurs = [SessionFormateur(structure=structure, principal=True)]
        session.lieux = [SessionLieu(lieu=lieu, principal=True)]
        session.financements = [Financement(financeur=mesure.financeur, mesure=mesure, nb_places=10)]
        session.recrutements = [Recrutement(modalite=ico, numero=f"ICO-{index}", date_debut=date.today())]
        db.session.add(session)
        db.session.add(Formation(structure=structure, intitule=f"Formation de volume {index}", objectifs="x"))
    db.session.commit()


def _queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm caches that are not per-row (FAB menu, permissions)
    with count_queries() as executed:
        response = client.get(url)
    assert response.status_code == 200
    return executed()


@pytest.mark.parametrize("view", ["formationview", "sessionview", "financementview", "recrutementview",
                                  "structureview", "lieuview"])
def test_list_page_query_count_does_not_grow_with_rows(login, count_queries, reset_demo, view):
    for username in ("gestionnaire", "contact"):
        client = login(username)
        url_10 = f"/{view}/list/?psize_{view}=10"
        url_100 = f"/{view}/list/?psize_{view}=100"
        _add_sessions(100) if username == "gestionnaire" and view == "formationview" else None
        small, large = _queries_for(client, count_queries, url_10), _queries_for(client, count_queries, url_100)
        assert small == large, f"{view} as {username}: {small} queries for 10 rows, {large} for 100"
