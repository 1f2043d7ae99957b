"""Bulk changes of the lists (SPEC K2, F16, F15, E11) as set operations: whatever the number of
selected sessions, each chunk of ids costs one scoped read of the columns the rules need, one
UPDATE … WHERE id IN (…) and one INSERT … SELECT of the history rows, in one transaction.

Which rows may change is decided per row by the same function as every other entry point
(`locks.session_frozen`, F14/F15: a finished or archived session does not change); the rows it
refuses are left alone and reported. The état de recrutement and the état du dispositif are
constrained by no other rule (app/validators/financement.py checks neither).

No lost update (issue 16): every UPDATE raises the rows' version (a form loaded before is then
refused instead of putting the old value back), and when the selection came with the versions the
list showed (`seen`), a selected session changed since refuses the whole action (Changed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, literal, or_, select, update

from app.models import Financement, HistoryEntry, Nomenclature, NomenclatureKind, Session
from app.models.base import utcnow
from app.models.workflow import SessionEtat

from .locks import session_frozen

FERME = "2"  # LHEO dict-etat-recrutement: 1 ouvert, 2 fermé, 3 suspendu
CHUNK = 500  # ids per statement: far below every driver's parameter limit
HISTORY_ARCHIVED = "Archivage"
HISTORY_CLOSED = "Fermeture du recrutement"
HISTORY_ETAT = "Changement de l'état du dispositif"


class OutOfScope(Exception):
    """A selected id the user may not change (or that does not exist): nothing is written."""


class Changed(Exception):
    """Selected rows changed since the user saw them (their version differs): nothing is written."""

    def __init__(self, references: list[str]):
        super().__init__(", ".join(references))
        self.references = references


@dataclass
class BulkResult:
    changed: int = 0
    unchanged: int = 0  # already in the wanted state
    refused: list[str] = field(default_factory=list)  # "100003S : <French reason>"


def chunks(ids) -> list[list[int]]:
    ordered = sorted({int(i) for i in ids})
    return [ordered[start:start + CHUNK] for start in range(0, len(ordered), CHUNK)]


def _sessions(db_session, chunk: list[int], within, seen: dict[int, int] | None = None):
    """(id, reference, etat, fin, version) of the chunk's sessions the user may change; OutOfScope
    when one is missing, Changed when one's version is not the one in `seen` ({id: version} the
    user saw). `within(select)` applies the write scope (app/security/scope.py)."""
    rows = db_session.execute(within(select(Session.id, Session.reference, Session.etat, Session.fin,
                                            Session.version).where(Session.id.in_(chunk)))).all()
    if len(rows) != len(chunk):
        raise OutOfScope()
    changed = [row.reference for row in rows if row.id in (seen or {}) and seen[row.id] != row.version]
    if changed:
        raise Changed(sorted(changed))
    return rows


def _history(db_session, ids: list[int], action: str, author, comment: str | None) -> None:
    """One history row per session, inserted by the database from the ids (no row loaded)."""
    if not ids:
        return
    db_session.execute(insert(HistoryEntry).from_select(
        ["entity", "entity_id", "at", "action", "comment", "author_id"],
        select(literal("session"), Session.id, literal(utcnow()), literal(action), literal(comment),
               literal(getattr(author, "id", None))).where(Session.id.in_(ids))))


def _open(rows, result: BulkResult, today: date) -> list[int]:
    """The rows the rules let change; the others are reported."""
    allowed = []
    for row in rows:
        reason = session_frozen(row.etat, row.fin, today)
        if reason:
            result.refused.append(f"{row.reference} : {reason}")
        else:
            allowed.append(row.id)
    return allowed


def _set_financements(db_session, session_ids, within, column, value_id: int, action: str, author,
                      comment: str | None, today: date | None = None, seen=None) -> BulkResult:
    result, today = BulkResult(), today or date.today()
    differs = or_(column.is_(None), column != value_id)
    for chunk in chunks(session_ids):
        allowed = _open(_sessions(db_session, chunk, within, seen), result, today)
        if not allowed:
            continue
        result.unchanged += db_session.execute(select(func.count()).select_from(Financement).where(
            Financement.session_id.in_(allowed), column == value_id)).scalar_one()
        touched = db_session.execute(select(Financement.session_id.distinct()).where(
            Financement.session_id.in_(allowed), differs)).scalars().all()
        if touched:
            result.changed += db_session.execute(update(Financement).where(
                Financement.session_id.in_(touched), differs)
                .values({column.key: value_id, Financement.version.key: Financement.version + 1})
                .execution_options(synchronize_session=False)).rowcount
            _history(db_session, touched, action, author, comment)
    db_session.commit()
    return result


def close_recrutement(db_session, session_ids, within, author=None, seen=None) -> BulkResult:
    """F16: the état de recrutement of every financement of the sessions becomes *fermé*."""
    ferme = db_session.execute(select(Nomenclature.id).where(
        Nomenclature.kind == NomenclatureKind.ETAT_RECRUTEMENT, Nomenclature.code == FERME)).scalar_one()
    return _set_financements(db_session, session_ids, within, Financement.etat_recrutement_id, ferme,
                             HISTORY_CLOSED, author, None, seen=seen)


def set_etat_dispositif(db_session, session_ids, within, etat, author=None, seen=None) -> BulkResult:
    """K2: managers set the état du dispositif of every financement of the sessions."""
    return _set_financements(db_session, session_ids, within, Financement.etat_dispositif_id, etat.id,
                             HISTORY_ETAT, author, etat.libelle, seen=seen)


def archive_sessions(db_session, session_ids, within, author=None, comment: str | None = None,
                     commit: bool = True, seen=None) -> BulkResult:
    """F15, K2: the sessions become *archivée* (never deleted); already archived ones are counted
    unchanged."""
    result = BulkResult()
    for chunk in chunks(session_ids):
        rows = _sessions(db_session, chunk, within, seen)
        to_archive = [row.id for row in rows if row.etat != SessionEtat.ARCHIVEE]
        result.unchanged += len(rows) - len(to_archive)
        if to_archive:
            result.changed += db_session.execute(update(Session).where(
                Session.id.in_(to_archive), Session.etat != SessionEtat.ARCHIVEE)
                .values(etat=SessionEtat.ARCHIVEE, version=Session.version + 1, updated_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount
            _history(db_session, to_archive, HISTORY_ARCHIVED, author, comment)
    if commit:
        db_session.commit()
    return result
