"""What each model needs when one of its records is saved, declared once for every door (forms,
REST API, imports): its record check (app/checks), its rich-text columns, the values derived on
save, and the parent whose scope a new record must be in (FAB-NOTES G3). SaveRecord applies it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from app.checks import (
    certification_link_problems,
    contact_problems,
    coordonnee_problems,
    cycle_problems,
    financement_problems,
    formateur_problems,
    formation_problems,
    lieu_problems,
    recrutement_problems,
    session_lieu_problems,
    session_problems,
    structure_problems,
)
from app.models import (
    Coordonnee,
    CycleAlternance,
    Financement,
    Formation,
    FormationCertification,
    Lieu,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
)
from app.validators import Problem, compute_duree_totale


@dataclass(frozen=True)
class Record:
    check: Callable[..., list[Problem]] | None = None  # (item) -> problems, the rules of app/checks
    rich_text: tuple[str, ...] = ()  # sanitised before writing (app/checks/richtext.py)
    derive: Callable[[Any, bool], None] | None = None  # (item, created): values computed on save
    parent: str | None = None  # many-to-one relation whose row the user must be able to change


def _session_derived(session, created: bool) -> None:
    session.duree_totale = compute_duree_totale(session.duree_centre, session.duree_entreprise)
    if not created:
        session.contact_a_verifier = False  # saving a duplicated session is checking its contact (F14)


def _session_lieu_derived(link, created: bool) -> None:
    if not created:
        link.a_verifier = False  # saved by the organisation: checked (F14 duplication)


RECORDS: dict[type, Record] = {
    Structure: Record(check=structure_problems),
    Coordonnee: Record(check=coordonnee_problems, parent="structure"),
    StructureContact: Record(check=contact_problems, parent="structure"),
    Lieu: Record(check=lieu_problems, parent="structure"),
    # E1 (the siège carrying the NDA) is part of formation_problems, on the `structure` field.
    Formation: Record(check=formation_problems, rich_text=("objectifs", "contenu", "resultats"), parent="structure"),
    FormationCertification: Record(check=certification_link_problems, parent="formation"),
    Session: Record(check=session_problems, derive=_session_derived, parent="formation"),
    SessionFormateur: Record(check=formateur_problems, parent="session"),
    SessionLieu: Record(check=session_lieu_problems, derive=_session_lieu_derived, parent="session"),
    Financement: Record(check=financement_problems, parent="session"),
    Recrutement: Record(check=recrutement_problems, parent="session"),
    CycleAlternance: Record(check=cycle_problems, parent="session"),
}

NO_RULES = Record()


def record_of(model, check: Callable | None = None) -> Record:
    """The model's declaration; models outside the offer (accounts…) bring their own check."""
    return RECORDS.get(model) or (Record(check=check) if check is not None else NO_RULES)
