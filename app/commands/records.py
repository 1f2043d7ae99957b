"""What each model needs when one of its records is saved, declared once for every door (forms,
REST API, imports): its record check (app/checks), its rich-text columns, the values derived on
save, the parent whose scope a new record must be in (FAB-NOTES G3), and where a checked change
goes instead of the record (a validated structure's change request, C9). SaveRecord applies it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app
from sqlalchemy import inspect as sa_inspect

from app.checks import (
    certification_link_problems,
    contact_problems,
    coordonnee_problems,
    cycle_problems,
    financement_problems,
    formateur_problems,
    formation_problems,
    lieu_problems,
    lieu_removal_problems,
    recrutement_problems,
    session_lieu_problems,
    session_problems,
    structure_problems,
)
from app.checks.partners import TYPE_CYCLE_FORMATION_INITIALE
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
    StructureDocument,
)
from app.extensions import db
from app.security.scope import is_manager
from app.validators import Problem, check_created_by_carif, compute_duree_totale, prix_ttc
from app.workflow import structure_changes
from app.workflow.engine import TransitionRefused

from . import defaults
from .exceptions import refused


@dataclass(frozen=True)
class Diversion:
    """A checked save kept elsewhere instead of written: what to tell the user (French) and the
    row that keeps it (None when nothing differed from the record)."""

    message: str
    kept: Any = None


@dataclass(frozen=True)
class Record:
    check: Callable[..., list[Problem]] | None = None  # (item) -> problems, the rules of app/checks
    # (item, user) -> problems of the rules that depend on who saves (a region's setting, E1)
    check_author: Callable[..., list[Problem]] | None = None
    rich_text: tuple[str, ...] = ()  # sanitised before writing (app/checks/richtext.py)
    derive: Callable[[Any, bool], None] | None = None  # (item, created): values computed on save
    parent: str | None = None  # many-to-one relation whose row the user must be able to change
    # (item, created, user) -> Diversion when the change is kept elsewhere, None to write it;
    # raises Invalid when it can be neither.
    divert: Callable[[Any, bool, Any], Diversion | None] | None = None
    # (item) -> problems when the row is removed (app/commands/delete.py)
    removal: Callable[..., list[Problem]] | None = None


def _session_derived(session, created: bool) -> None:
    session.duree_totale = compute_duree_totale(session.duree_centre, session.duree_entreprise)
    if created:
        defaults.session_defaults(session)  # F3, F4, F5, F12
    else:
        session.contact_a_verifier = False  # saving a duplicated session is checking its contact (F14)
    defaults.validated_blocs(session)  # F9


def _financement_derived(financement, created: bool) -> None:
    if financement.prix_ttc is None:  # F6: TTC = HT × (1 + taux de TVA) when the organisation left it empty
        financement.prix_ttc = prix_ttc(financement.prix_ht, financement.tva)


def _recrutement_derived(recrutement, created: bool) -> None:
    defaults.recrutement_number(recrutement)  # F13


def _session_lieu_derived(link, created: bool) -> None:
    if not created:
        link.a_verifier = False  # saved by the organisation: checked (F14 duplication)


def _restricted() -> bool:
    return bool(current_app.config.get("INITIAL_FORMATIONS_BY_CARIF"))


def _saved(item, attr):
    """The value `attr` had when loaded (None for a new row)."""
    history = sa_inspect(item).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return None if sa_inspect(item).transient or sa_inspect(item).pending else getattr(item, attr)


def _formation_by_carif(formation, user) -> list[Problem]:
    """E1 per region: an organisation does not make a formation en apprentissage."""
    return check_created_by_carif("apprentissage", "apprentissage", restricted=_restricted(),
                                  by_manager=is_manager(user), becomes=bool(formation.apprentissage),
                                  already=bool(_saved(formation, "apprentissage")))


def _cycle_by_carif(cycle, user) -> list[Problem]:
    """E1 per region: a formation is scolaire when a session has a formation initiale cycle; an
    organisation adds such cycles only to a formation that has one already."""
    if not _restricted() or is_manager(user) or cycle.session is None or cycle.session.formation is None:
        return []
    initiale = lambda c: c.type_cycle is not None and c.type_cycle.code == TYPE_CYCLE_FORMATION_INITIALE  # noqa: E731
    others = [c for s in cycle.session.formation.sessions for c in s.cycles if c is not cycle and c.id != cycle.id]
    return check_created_by_carif("scolaire", "type_cycle", restricted=True, by_manager=False,
                                  becomes=initiale(cycle), already=any(initiale(c) for c in others))


STRUCTURE_HELD = ("Modifications enregistrées en brouillon : la fiche validée reste inchangée jusqu'à la validation "
                  "du Carif-Oref. Cliquez sur « Soumettre pour validation ».")
STRUCTURE_UNCHANGED = "Aucune modification par rapport à la fiche validée."


def _structure_change(structure, created: bool, user) -> Diversion | None:
    """C9: an organisation's edit of its validated structure becomes the structure's change request
    (app/workflow/structure_changes.py); the validated record stays as it is until the Carif-Oref
    accepts. Managers' saves, new structures and structures not yet validated are written."""
    # No autoflush: a query (the user's roles, a lazy list) must not write the edit before it is
    # read as a change and rolled back.
    with db.session.no_autoflush:
        if created or not structure_changes.needs_validation(structure, is_manager(user)):
            return None
        try:
            change = structure_changes.stage(db.session, structure, user)
        except TransitionRefused as refusal:  # a request already waits for validation
            db.session.rollback()
            raise refused(str(refusal)) from None
    return Diversion(STRUCTURE_HELD if change is not None else STRUCTURE_UNCHANGED, change)


CHILD_HELD = ("Modification enregistrée dans la demande de modification de la fiche : la fiche validée reste "
              "inchangée jusqu'à la validation du Carif-Oref. Cliquez sur « Soumettre pour validation » sur la fiche "
              "structure.")
CHILD_UNCHANGED = "Aucune modification par rapport à la fiche validée."
DOCUMENT_HELD = ("Document déposé avec la demande de modification de la fiche : il rejoindra les documents de la "
                 "structure à la validation du Carif-Oref. Cliquez sur « Soumettre pour validation » sur la fiche "
                 "structure.")


def _held(stage) -> Diversion | None:
    """Run a staging of the structure's request; a request waiting for validation refuses it."""
    with db.session.no_autoflush:
        try:
            return stage()
        except TransitionRefused as refusal:
            db.session.rollback()
            raise refused(str(refusal)) from None


def _structure_child_change(item, created: bool, user) -> Diversion | None:
    """C9 for the structure's lists: an organisation's new or changed coordonnée, or changed lieu,
    of a validated structure waits in the structure's request (a new lieu is written: its session
    is validated with it)."""
    if (created and isinstance(item, Lieu)) or not structure_changes.owner_needs_validation(item, is_manager(user)):
        return None
    op = structure_changes.CREATE if created else structure_changes.UPDATE
    return _held(lambda: _diversion(structure_changes.stage_child(db.session, item, op, user), CHILD_HELD))


def _structure_document(document, created: bool, user) -> Diversion | None:
    if not created or not structure_changes.owner_needs_validation(document, is_manager(user)):
        return None
    return _held(lambda: Diversion(DOCUMENT_HELD, structure_changes.stage_document(db.session, document, user)))


def _diversion(change, message: str) -> Diversion:
    return Diversion(message if change is not None else CHILD_UNCHANGED, change)


def deletion_held(item, user) -> Diversion | None:
    """C9: an organisation's removal of a row of its validated structure's list waits in the request
    (app/commands/delete.py)."""
    if structure_changes.child_type(item) is None or not structure_changes.owner_needs_validation(item, is_manager(user)):
        return None
    return _held(lambda: _diversion(structure_changes.stage_child(db.session, item, structure_changes.DELETE, user),
                                    CHILD_HELD))


RECORDS: dict[type, Record] = {
    Structure: Record(check=structure_problems, divert=_structure_change),
    Coordonnee: Record(check=coordonnee_problems, parent="structure", divert=_structure_child_change),
    StructureContact: Record(check=contact_problems, parent="structure"),
    Lieu: Record(check=lieu_problems, parent="structure", divert=_structure_child_change, removal=lieu_removal_problems),
    StructureDocument: Record(parent="structure", divert=_structure_document),
    # E1 (the siège carrying the NDA) is part of formation_problems, on the `structure` field.
    Formation: Record(check=formation_problems, rich_text=("objectifs", "contenu", "resultats"), parent="structure",
                      check_author=_formation_by_carif),
    FormationCertification: Record(check=certification_link_problems, parent="formation",
                                   removal=lambda link: certification_link_problems(link, removing=True)),
    Session: Record(check=session_problems, derive=_session_derived, parent="formation"),
    SessionFormateur: Record(check=formateur_problems, parent="session"),
    SessionLieu: Record(check=session_lieu_problems, derive=_session_lieu_derived, parent="session"),
    Financement: Record(check=financement_problems, derive=_financement_derived, parent="session"),
    Recrutement: Record(check=recrutement_problems, derive=_recrutement_derived, parent="session"),
    CycleAlternance: Record(check=cycle_problems, parent="session", check_author=_cycle_by_carif),
}

NO_RULES = Record()


def record_of(model, check: Callable | None = None) -> Record:
    """The model's declaration; models outside the offer (accounts…) bring their own check."""
    return RECORDS.get(model) or (Record(check=check) if check is not None else NO_RULES)
