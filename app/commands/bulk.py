"""Bulk actions of the lists and of the search (SPEC K2, F16, F15, E11): thin commands over
app/workflow/bulk.py, which changes any number of sessions as set operations (chunks of ids, one
UPDATE and one INSERT … SELECT of history each) in one transaction, and reports the rows the rules
left alone. They take ids (or rows, for convenience): a selection of 10,000 sessions is never
loaded as objects.

No lost update (issue 16): given the versions the list showed (`seen`, {id: version}), a selected
row changed since refuses the whole action (Stale, nothing written); every row written gets a new
version, so a form loaded before is refused instead of putting the old value back."""
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
from app.security.scope import scoped
from app.workflow import bulk

from ._access import require_permission
from .exceptions import NotFound, Stale, refused
from .transition import FireTransitions

NOTHING_SELECTED = "Aucune ligne sélectionnée."
CHOOSE_ETAT = "Choisissez un état du dispositif et des sessions."
SHOWN_REFERENCES = 10


def changed_since(references: list[str]) -> Stale:
    """The refusal of a bulk action some selected rows of which changed since the list was shown."""
    shown = ", ".join(references[:SHOWN_REFERENCES]) + (" …" if len(references) > SHOWN_REFERENCES else "")
    return Stale(f"Rien n'a été modifié : des lignes sélectionnées ont changé depuis l'affichage de la liste "
                 f"({shown}). Rechargez la page, vérifiez-les, puis recommencez.")


def ids_of(rows_or_ids) -> list[int]:
    """Ids of rows or ids as given (strings from a form included); anything else is dropped."""
    ids = []
    for value in rows_or_ids:
        value = getattr(value, "id", value)
        if str(value).isdecimal() and int(value) < 2**31:
            ids.append(int(value))
    return ids


class _SessionsCommand:
    """A bulk change of sessions: the permission, a selection, the user's write scope."""

    action = ""

    def __init__(self, sessions, user, seen: dict[int, int] | None = None):
        self.ids, self.user = ids_of(sessions), user
        self.seen = dict(seen or {})  # {id: version} the list showed (none: not compared)

    def within(self, statement):
        return scoped(statement, Session, write=True, user=self.user)

    def validate(self) -> None:
        require_permission(self.user, self.action, RESOURCE_SESSION)
        if not self.ids:
            raise refused(NOTHING_SELECTED)

    def run(self) -> bulk.BulkResult:
        self.validate()
        try:
            return self.apply()
        except bulk.OutOfScope:
            db.session.rollback()
            raise NotFound() from None
        except bulk.Changed as changed:
            db.session.rollback()
            raise changed_since(changed.references) from None

    def apply(self) -> bulk.BulkResult:
        raise NotImplementedError


class CloseRecrutement(_SessionsCommand):
    """F16: the recrutement of every financement of the sessions becomes *fermé*."""

    action = ACTION_CLOSE_RECRUTEMENT

    def apply(self) -> bulk.BulkResult:
        return bulk.close_recrutement(db.session, self.ids, self.within, author=self.user, seen=self.seen)


class SetEtatDispositif(_SessionsCommand):
    """K2: the état du dispositif (a code of its list, by id) of every financement of the sessions."""

    action = ACTION_SET_ETAT

    def __init__(self, sessions, etat_id, user, seen: dict[int, int] | None = None):
        super().__init__(sessions, user, seen)
        self.etat_id, self.etat = etat_id, None

    def validate(self) -> None:
        require_permission(self.user, self.action, RESOURCE_SESSION)
        etat_id = str(self.etat_id or "")
        if etat_id.isdecimal() and int(etat_id) < 2**31:
            self.etat = db.session.execute(select(Nomenclature).where(
                Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF, Nomenclature.id == int(etat_id))).scalar_one_or_none()
        if self.etat is None or not self.ids:
            raise refused(CHOOSE_ETAT, "etat")

    def apply(self) -> bulk.BulkResult:
        return bulk.set_etat_dispositif(db.session, self.ids, self.within, self.etat, author=self.user,
                                        seen=self.seen)


class ArchiveSessions(_SessionsCommand):
    """F15, K2: archive sessions (never deleted)."""

    action = ACTION_ARCHIVE

    def apply(self) -> bulk.BulkResult:
        return bulk.archive_sessions(db.session, self.ids, self.within, author=self.user, seen=self.seen)


class ArchiveFormations:
    """E11, K2: each formation through the workflow's *Archiver* transition (its sessions archived
    with it, the history written, the organisation told by e-mail); returns (done, refusals)."""

    def __init__(self, formations, user, seen: dict[int, int] | None = None):
        self.ids, self.user = ids_of(formations), user
        self.seen = dict(seen or {})

    def run(self) -> tuple[int, list[str]]:
        require_permission(self.user, ACTION_ARCHIVE, RESOURCE_FORMATION)
        if not self.ids:
            raise refused(NOTHING_SELECTED)
        formations = []
        for chunk in bulk.chunks(self.ids):
            found = db.session.execute(scoped(select(Formation).where(Formation.id.in_(chunk)), Formation,
                                              write=True, user=self.user)).scalars().all()
            if len(found) != len(chunk):
                raise NotFound()
            formations += found
        changed = sorted(f.reference for f in formations if f.id in self.seen and self.seen[f.id] != f.version)
        if changed:
            raise changed_since(changed)
        return FireTransitions(formations, "archive", self.user).run()
