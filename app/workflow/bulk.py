"""Bulk changes of financements (SPEC K2, F16): close recrutement, set the état du dispositif.

Every changed financement goes through the same record check as its form
(app.checks.financement_problems); a row the rules refuse is left unchanged and reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.checks import financement_problems
from app.models import Nomenclature, NomenclatureKind
from app.validators import ERROR

from .history import record
from .locks import lock_reason

FERME = "2"  # LHEO dict-etat-recrutement: 1 ouvert, 2 fermé, 3 suspendu


@dataclass
class BulkResult:
    changed: int = 0
    unchanged: int = 0  # already in the wanted state
    refused: list[str] = field(default_factory=list)  # "100003S : <French reason>"


def _apply(db_session, sessions, attr: str, value, action: str, author) -> BulkResult:
    result = BulkResult()
    for session in sessions:
        reason = lock_reason(session, manager=True)  # finished and archived sessions do not change (F14)
        if reason:
            result.refused.append(f"{session.reference} : {reason}")
            continue
        touched = False
        for financement in session.financements:
            if getattr(financement, attr) is value:
                result.unchanged += 1
                continue
            previous = getattr(financement, attr)
            with db_session.no_autoflush:
                setattr(financement, attr, value)
                errors = [p for p in financement_problems(financement) if p.severity == ERROR]
            if errors:
                setattr(financement, attr, previous)
                result.refused.append(f"{session.reference} : {errors[0].message}")
                continue
            result.changed += 1
            touched = True
        if touched:
            record(db_session, session, action, author, getattr(value, "libelle", None))
    db_session.commit()
    return result


def close_recrutement(db_session, sessions, author=None) -> BulkResult:
    """F16: the état de recrutement of every financement of the sessions becomes *fermé*."""
    ferme = db_session.execute(
        select(Nomenclature).where(Nomenclature.kind == NomenclatureKind.ETAT_RECRUTEMENT, Nomenclature.code == FERME)
    ).scalar_one()
    return _apply(db_session, sessions, "etat_recrutement", ferme, "Fermeture du recrutement", author)



def set_etat_dispositif(db_session, sessions, etat, author=None) -> BulkResult:
    """K2: managers set the état du dispositif of every financement of the sessions."""
    return _apply(db_session, sessions, "etat_dispositif", etat, "Changement de l'état du dispositif", author)
