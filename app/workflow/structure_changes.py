"""Changes of a validated structure by its organisation (SPEC C9, G2–G6).

The organisation's edit of a validated structure record is not written to it: the changed
fields are kept as a *StructureChange* ({field: value}), submitted, and applied when the
Carif-Oref accepts. The validated record stays what everybody sees and exports until then.
Coordonnées, contacts and lieux are separate lists, outside this request.
"""
from __future__ import annotations

import json

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.models.base import utcnow
from app.models import Nomenclature, Structure, StructureChange, StructureChangeEtat, StructureEtat

from .diff import display
from .engine import CLOSED, CONTACT, MANAGER, Transition, TransitionRefused, Workflow
from .notify import notify_organisation

# Fields an organisation may change on its validated structure (identity fields are the
# Carif-Oref's: SPEC C2; the Qualiopi flags come from the public list of training organisations: C6).
FIELDS = ("enseigne", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee", "potentiel",
          "demande_particuliere", "demande_contacts")
LISTS = ("infrastructures", "labels", "potentiel_formacodes")
E = StructureChangeEtat


# --- effects: (db_session, change, user, comment) ----------------------------------------------------

def _submit(db_session, change, user, comment, **_):
    change.submitted_at = utcnow()


def _accept(db_session, change, user, comment, **_):
    for name, value in proposed_values(db_session, change).items():
        setattr(change.structure, name, value)
    db_session.delete(change)


def _drop(db_session, change, user, comment, **_):
    db_session.delete(change)


_EVERYONE = frozenset({CONTACT, MANAGER})

# A request begins in *brouillon* when the organisation saves its edit (`stage`); accepting,
# dropping or refusing it closes it (the row goes, the history stays on the structure).
STRUCTURE_CHANGE_WORKFLOW = Workflow.declare(
    Transition("submit", "Soumettre pour validation", frozenset({E.BROUILLON, E.COMPLEMENT}), E.EN_ATTENTE,
               _EVERYONE, effect=_submit, history="Soumission de la modification de la fiche", style="primary"),
    Transition("cancel", "Annuler ma demande de vérification", frozenset({E.EN_ATTENTE}), E.BROUILLON, _EVERYONE,
               history="Annulation de la demande de vérification de la fiche"),
    Transition("drop", "Supprimer ma demande", frozenset({E.BROUILLON, E.COMPLEMENT}), CLOSED, _EVERYONE,
               effect=_drop, history="Suppression de la demande de modification de la fiche", style="danger"),
    Transition("accept", "Valider", frozenset({E.EN_ATTENTE}), CLOSED, frozenset({MANAGER}), effect=_accept,
               history="Validation de la modification de la fiche", notify=True, style="success"),
    Transition("ask_information", "Demander un complément d'information", frozenset({E.EN_ATTENTE}), E.COMPLEMENT,
               frozenset({MANAGER}), history="Demande de complément sur la fiche", comment_required=True,
               notify=True, style="warning"),
    Transition("reject", "Refuser", frozenset({E.EN_ATTENTE}), CLOSED, frozenset({MANAGER}), effect=_drop,
               history="Refus de la modification de la fiche", comment_required=True, notify=True, style="danger"),
    states=E.LABELS, initial=E.BROUILLON, history_entity="structure", history_subject=lambda c: c.structure,
    refused="Action impossible : la demande est « {state} ».", notify=notify_organisation,
)
TRANSITIONS = STRUCTURE_CHANGE_WORKFLOW.transitions


def needs_validation(structure: Structure, manager: bool) -> bool:
    """Whether this user's edit of `structure` becomes a change request instead of a write."""
    return not manager and structure.id is not None and _saved(structure, "etat") == StructureEtat.VALIDEE


def _saved(item, attr):
    history = sa_inspect(item).attrs[attr].history
    return history.deleted[0] if history.deleted else getattr(item, attr)


def _saved_list(item, attr) -> list:
    history = sa_inspect(item).attrs[attr].history
    if history.has_changes():
        return list(history.unchanged) + list(history.deleted)
    return list(getattr(item, attr))


def pending(db_session, structure: Structure) -> StructureChange | None:
    return db_session.execute(select(StructureChange).where(StructureChange.structure_id == structure.id)).scalar_one_or_none()


def changes_of(structure: Structure) -> dict:
    """The fields the form changed on `structure` (in memory), as JSON-ready values."""
    payload = {}
    for name in FIELDS:
        new, old = getattr(structure, name), _saved(structure, name)
        if new != old and not (new in (None, "") and old in (None, "")):
            payload[name] = new
    for name in LISTS:
        new = sorted(n.id for n in getattr(structure, name))
        if new != sorted(n.id for n in _saved_list(structure, name)):
            payload[name] = new
    return payload


def stage(db_session, structure: Structure, author) -> StructureChange | None:
    """Keep the form's changes of `structure` as its pending change request (replacing the
    previous draft) and leave the structure itself as saved. None when nothing changed."""
    payload = changes_of(structure)
    change = pending(db_session, structure)
    if change is not None and change.etat == E.EN_ATTENTE:
        raise TransitionRefused("Une modification de la fiche est en attente de validation : annulez votre "
                                "demande de vérification pour la reprendre.")
    structure_id = structure.id
    db_session.rollback()  # the structure keeps its validated values
    structure = db_session.get(Structure, structure_id)
    change = pending(db_session, structure)
    if not payload:
        if change is not None:
            db_session.delete(change)
            db_session.commit()
        return None
    if change is None:
        change = StructureChange(structure=structure)
        db_session.add(change)
    change.payload = json.dumps(payload, ensure_ascii=False)
    change.etat = E.BROUILLON
    change.author = author
    db_session.commit()
    return change


def proposed_values(db_session, change: StructureChange) -> dict:
    """{field: value} with the lists loaded as Nomenclature rows (to fill the form or apply)."""
    values = json.loads(change.payload)
    for name in LISTS:
        if name in values:
            ids = [i for i in values[name] if isinstance(i, int)]
            values[name] = list(db_session.execute(select(Nomenclature).where(Nomenclature.id.in_(ids))).scalars()) if ids else []
    return {name: value for name, value in values.items() if name in FIELDS or name in LISTS}


def diff(db_session, change: StructureChange, labels=lambda name: name) -> list[tuple[str, str, str]]:
    """(label, validated value, proposed value) for each changed field."""
    structure = change.structure
    return [(labels(name), display(getattr(structure, name) if name in FIELDS else list(getattr(structure, name))),
             display(value)) for name, value in proposed_values(db_session, change).items()]


def available(change: StructureChange | None, actor: str) -> list[Transition]:
    return STRUCTURE_CHANGE_WORKFLOW.available(change, actor) if change is not None else []


def fire(db_session, name: str, change: StructureChange, user, actor: str, comment: str | None = None) -> None:
    STRUCTURE_CHANGE_WORKFLOW.fire(db_session, name, change, user, actor, comment)
