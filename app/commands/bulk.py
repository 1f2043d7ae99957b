"""Bulk actions of the lists (SPEC K2, F16, E11): thin commands over app/workflow/bulk.py and
archive.py, which check each financement with the form's rules and report the rows left alone."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Formation, Nomenclature, NomenclatureKind, Session
from app.security.permissions import (
    ACTION_ARCHIVE,
    ACTION_CLOSE_RECRUTEMENT,
    ACTION_SET_ETAT,
    RESOURCE_FORMATION,
    RESOURCE_SESSION,
)
from app.workflow import archive, bulk

from ._access import require_permission, require_writable
from .exceptions import refused

NOTHING_SELECTED = "Aucune ligne sélectionnée."
CHOOSE_ETAT = "Choisissez un état du dispositif et des sessions."
ARCHIVED = {Formation: RESOURCE_FORMATION, Session: RESOURCE_SESSION}  # model → resource of its permission


class CloseRecrutement:
    """F16: the recrutement of every financement of the sessions becomes *fermé*."""

    def __init__(self, sessions, user):
        self.sessions, self.user = list(sessions), user

    def validate(self) -> None:
        if not self.sessions:
            raise refused(NOTHING_SELECTED)
        require_permission(self.user, ACTION_CLOSE_RECRUTEMENT, RESOURCE_SESSION)
        require_writable(self.sessions, self.user)

    def run(self) -> bulk.BulkResult:
        self.validate()
        return bulk.close_recrutement(db.session, self.sessions, author=self.user)


class SetEtatDispositif:
    """K2: the état du dispositif (a code of its list, by id) of every financement of the sessions."""

    def __init__(self, sessions, etat_id, user):
        self.sessions, self.etat_id, self.user = list(sessions), etat_id, user
        self.etat = None

    def validate(self) -> None:
        require_permission(self.user, ACTION_SET_ETAT, RESOURCE_SESSION)
        etat_id = str(self.etat_id or "")
        if etat_id.isdigit() and int(etat_id) < 2**31:
            self.etat = db.session.execute(select(Nomenclature).where(
                Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF, Nomenclature.id == int(etat_id))).scalar_one_or_none()
        if self.etat is None or not self.sessions:
            raise refused(CHOOSE_ETAT, "etat")
        require_writable(self.sessions, self.user)

    def run(self) -> bulk.BulkResult:
        self.validate()
        return bulk.set_etat_dispositif(db.session, self.sessions, self.etat, author=self.user)


class ArchiveRecords:
    """Archive formations and/or sessions (never deleted, F15); returns how many were archived."""

    def __init__(self, items, user):
        self.items, self.user = list(items), user

    def validate(self) -> None:
        if not self.items:
            raise refused(NOTHING_SELECTED)
        for model in {type(item) for item in self.items}:
            require_permission(self.user, ACTION_ARCHIVE, ARCHIVED.get(model, ""))
        require_writable(self.items, self.user)

    def run(self) -> int:
        self.validate()
        return archive.archive(db.session, self.items, author=self.user)
