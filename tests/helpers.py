"""Lookups of demo rows shared by the tests (names from app/demo)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Formation, Nomenclature, NomenclatureKind, Session, Structure


def structure(name: str) -> Structure:
    return db.session.execute(select(Structure).where(Structure.raison_sociale == name)).scalar_one()


def nomenclature(kind: str, code: str) -> Nomenclature:
    return db.session.execute(
        select(Nomenclature).where(Nomenclature.kind == kind, Nomenclature.code == code)
    ).scalar_one()


def formacode_id(code: str = "70322") -> int:
    return nomenclature(NomenclatureKind.FORMACODE, code).id


def formation_like(pattern: str) -> Formation:
    return db.session.execute(select(Formation).where(Formation.intitule.like(pattern))).scalars().first()


def sessions_of(formation: Formation) -> list[Session]:
    return list(db.session.execute(select(Session).where(Session.formation_id == formation.id)).scalars())
