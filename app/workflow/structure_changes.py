"""Changes of a validated structure by its organisation (SPEC C9, G2–G6).

The organisation's edit of a validated structure record is not written to it: the changed
fields are kept as a *StructureChange* ({field: value}), submitted, and applied when the
Carif-Oref accepts. The validated record stays what everybody sees and exports until then.

What the structure owns follows the same request (C9 for every list): coordonnées added, changed
or removed and changes of existing lieux are kept as operations under the payload's "enfants"
key; documents deposited wait as rows of the request (StructureDocument.change_id). A new lieu is
written at once: nothing publishes it until a session uses it, and that session is validated with
its formation (G2). Contacts of the structure are the Carif-Oref's (C5): the organisation's
requests about them are the `demande_contacts` field, part of the request.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.models.base import utcnow
from app.models import (
    Coordonnee,
    CoordonneeKind,
    Lieu,
    Nomenclature,
    Structure,
    StructureChange,
    StructureChangeEtat,
    StructureDocument,
    StructureEtat,
)

from .diff import display
from .engine import CLOSED, CONTACT, MANAGER, Transition, TransitionRefused, Workflow
from .notify import notify_organisation

# Fields an organisation may change on its validated structure (identity fields are the
# Carif-Oref's: SPEC C2; the Qualiopi flags come from the public list of training organisations: C6).
FIELDS = ("enseigne", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee", "potentiel",
          "demande_particuliere", "demande_contacts")
LISTS = ("infrastructures", "labels", "potentiel_formacodes")
E = StructureChangeEtat


@dataclass(frozen=True)
class ChildList:
    """A list the structure owns whose rows the organisation changes through the request."""

    model: type
    fields: tuple[str, ...]  # what the form changes (the structure is the request's)
    title: str  # French, in the request's diff


CHILDREN = {
    "coordonnee": ChildList(Coordonnee, ("nature", "valeur", "type_libelle", "diffusion", "principal"), "Coordonnée"),
    "lieu": ChildList(Lieu, ("nom", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee",
                             "latitude", "longitude", "telephone", "siret", "uai"), "Lieu"),
}
CHILD_KEY = "enfants"  # the payload's list of operations: {"type", "op", "id", "valeurs"}
CREATE, UPDATE, DELETE = "create", "update", "delete"
OP_LABELS = {CREATE: "ajout", UPDATE: "modification", DELETE: "suppression"}
WAITING = ("Une modification de la fiche est en attente de validation : annulez votre demande de vérification "
           "pour la reprendre.")


# --- effects: (db_session, change, user, comment) ----------------------------------------------------

def _submit(db_session, change, user, comment, **_):
    change.submitted_at = utcnow()


def _accept(db_session, change, user, comment, **_):
    for name, value in proposed_values(db_session, change).items():
        setattr(change.structure, name, value)
    for operation in operations(change):
        _apply(db_session, change.structure, operation)
    change.documents = []  # the deposited documents join the structure's (their change_id is cleared)
    db_session.delete(change)


def _apply(db_session, structure, operation: dict) -> None:
    """One operation on a list of the structure; a row removed meanwhile by the Carif-Oref is skipped."""
    from .principal import keep_one_principal

    child = CHILDREN[operation["type"]]
    if operation["op"] == CREATE:
        row = child.model(structure=structure, **_known(child, operation["valeurs"]))
        db_session.add(row)
    else:
        row = db_session.get(child.model, operation["id"])
        if row is None or row.structure_id != structure.id:
            return
        if operation["op"] == DELETE:
            db_session.delete(row)
            return
        for name, value in _known(child, operation["valeurs"]).items():
            setattr(row, name, value)
    if child.model is Coordonnee:
        keep_one_principal(row, [c for c in structure.coordonnees if c.nature == row.nature])


def _known(child: ChildList, values: dict) -> dict:
    return {name: value for name, value in values.items() if name in child.fields}


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


def operations(change: StructureChange | None) -> list[dict]:
    """The request's operations on the structure's lists, in the order they were made."""
    return list(json.loads(change.payload).get(CHILD_KEY, [])) if change is not None else []


def _open_request(db_session, structure_id: int, author) -> StructureChange:
    """The structure's request in brouillon (made when there is none); refused while it waits."""
    structure = db_session.get(Structure, structure_id)
    change = pending(db_session, structure)
    if change is not None and change.etat == E.EN_ATTENTE:
        raise TransitionRefused(WAITING)
    if change is None:
        change = StructureChange(structure=structure, payload="{}")
        db_session.add(change)
    if change.etat != E.COMPLEMENT:  # completing what the Carif-Oref asked for keeps the request so
        change.etat = E.BROUILLON
    change.author = author
    return change


def _payload(fields: dict, ops: list[dict]) -> str:
    return json.dumps({**fields, **({CHILD_KEY: ops} if ops else {})}, ensure_ascii=False)


def _is_empty(change: StructureChange) -> bool:
    return json.loads(change.payload) == {} and not change.documents


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
    previous draft's fields, keeping its operations on the lists) and leave the structure itself
    as saved. None when nothing differs from the validated record."""
    payload = changes_of(structure)
    change = pending(db_session, structure)
    if change is not None and change.etat == E.EN_ATTENTE:
        raise TransitionRefused(WAITING)
    structure_id = structure.id
    db_session.rollback()  # the structure keeps its validated values
    change = pending(db_session, db_session.get(Structure, structure_id))
    ops = operations(change)
    if not payload and not ops and (change is None or not change.documents):
        if change is not None:
            db_session.delete(change)
            db_session.commit()
        return None
    change = _open_request(db_session, structure_id, author)
    change.payload = _payload(payload, ops)
    db_session.commit()
    return change


# --- the structure's lists ----------------------------------------------------------------------------

def child_type(item) -> str | None:
    return next((name for name, child in CHILDREN.items() if isinstance(item, child.model)), None)


def owner_needs_validation(item, manager: bool) -> bool:
    """Whether this user's change of `item` (a row of a structure's list) waits in the structure's
    request: an organisation's, on a validated structure (as saved: the form may have moved it)."""
    if manager:
        return False
    structure_id = _saved(item, "structure_id") if sa_inspect(item).persistent else None
    structure = item.structure if structure_id is None else sa_inspect(item).session.get(Structure, structure_id)
    return structure is not None and structure.id is not None and _saved(structure, "etat") == StructureEtat.VALIDEE


def stage_child(db_session, item, op: str, author) -> StructureChange | None:
    """Keep the change of a row of the structure's list (`op`: CREATE, UPDATE or DELETE) as an
    operation of the structure's request; nothing of it is written. Its changes in memory are
    rolled back. Returns the request, None when the row then differs from nothing."""
    name, child = child_type(item), CHILDREN[child_type(item)]
    saved = op != CREATE
    structure_id = _saved(item, "structure_id") if saved else item.structure.id
    if saved and item.structure is not None and item.structure.id != structure_id:
        raise TransitionRefused("Une ligne de la structure ne change pas de structure : supprimez-la puis "
                                "ajoutez-la à l'autre structure.")
    values = {field: _json(getattr(item, field)) for field in child.fields}
    before = {field: _json(_saved(item, field)) for field in child.fields} if saved else {}
    row_id = item.id
    db_session.rollback()  # nothing typed is written to the list
    change = _open_request(db_session, structure_id, author)  # refused while the request waits
    fields = {k: v for k, v in json.loads(change.payload).items() if k != CHILD_KEY}
    ops = operations(change)
    if op == CREATE:
        ops.append({"type": name, "op": CREATE, "id": None, "valeurs": values})
    else:
        previous = next((o for o in ops if o["type"] == name and o["id"] == row_id), None)
        ops = [o for o in ops if o is not previous]
        if op == DELETE:
            ops.append({"type": name, "op": DELETE, "id": row_id, "valeurs": {}})
        else:
            merged = {**(previous["valeurs"] if previous and previous["op"] == UPDATE else {}), **values}
            changed = {field: value for field, value in merged.items() if not _same(value, before.get(field))}
            if changed:
                ops.append({"type": name, "op": UPDATE, "id": row_id, "valeurs": changed})
    change.payload = _payload(fields, ops)
    if _is_empty(change):
        db_session.delete(change)
        db_session.commit()
        return None
    db_session.commit()
    return change


def forget(db_session, item) -> None:
    """A row of the structure's list removed outright (by the Carif-Oref): the operations the
    organisation's request holds on it go (none may land on a later row given the same id)."""
    name = child_type(item)
    change = pending(db_session, item.structure) if name and item.structure is not None else None
    ops = operations(change)
    kept = [o for o in ops if not (o["type"] == name and o["id"] == item.id)]
    if change is None or kept == ops:
        return
    fields = {k: v for k, v in json.loads(change.payload).items() if k != CHILD_KEY}
    change.payload = _payload(fields, kept)
    if _is_empty(change):
        db_session.delete(change)


def withdraw(db_session, change: StructureChange, index: int) -> None:
    """Take operation `index` out of a request the organisation still edits (a coordonnée added by
    mistake, a removal changed of mind); the request goes when nothing is left."""
    if change.etat == E.EN_ATTENTE:
        raise TransitionRefused(WAITING)
    payload = json.loads(change.payload)
    ops = payload.pop(CHILD_KEY, [])
    if not 0 <= index < len(ops):
        raise TransitionRefused("Cette opération n'est plus dans la demande.")
    del ops[index]
    change.payload = _payload(payload, ops)
    if _is_empty(change):
        db_session.delete(change)
    db_session.commit()


def stage_document(db_session, document: StructureDocument, author) -> StructureChange:
    """A document deposited on a validated structure waits with the structure's request."""
    change = _open_request(db_session, document.structure.id, author)  # refused while the request waits
    change.documents.append(document)
    db_session.commit()
    return change


PENDING_LABELS = {UPDATE: "Modification en attente de validation", DELETE: "Suppression en attente de validation"}


def pending_label(item) -> str:
    """What the organisation's request holds on this row of a structure's list (the lists of
    coordonnées and lieux say it next to the row, whose validated values they show): "" when
    nothing. The open requests of the user's structures are read once per request (one query
    whatever the rows listed)."""
    from flask import g, has_request_context  # noqa: PLC0415 - request-level cache only

    from app.extensions import db  # noqa: PLC0415
    from app.security.scope import scope_clause  # noqa: PLC0415

    name = child_type(item)
    if name is None or not has_request_context():
        return ""
    if "_pending_operations" not in g:
        readable = scope_clause(Structure, write=False)
        statement = select(StructureChange)
        if readable is not None:
            statement = statement.where(StructureChange.structure_id.in_(select(Structure.id).where(readable)))
        g._pending_operations = {(o["type"], o["id"]): o["op"] for change in db.session.execute(statement).scalars()
                                 for o in operations(change) if o.get("id") is not None}
    return PENDING_LABELS.get(g._pending_operations.get((name, item.id)), "")


def staged_values(db_session, item) -> dict:
    """The values an organisation's pending request gives a row of the structure's list (to fill its form)."""
    name = child_type(item)
    change = pending(db_session, item.structure) if name and item.structure is not None else None
    operation = next((o for o in operations(change) if o["type"] == name and o["id"] == item.id and o["op"] == UPDATE),
                     None)
    return _known(CHILDREN[name], operation["valeurs"]) if operation else {}


def _same(a, b) -> bool:
    return a == b or (a in (None, "") and b in (None, ""))


def _json(value):
    if isinstance(value, Decimal):  # a decimal field's value, the column's float
        return float(value)
    return value if value is None or isinstance(value, (str, bool, int, float)) else str(value)


def proposed_values(db_session, change: StructureChange) -> dict:
    """{field: value} with the lists loaded as Nomenclature rows (to fill the form or apply)."""
    values = json.loads(change.payload)
    for name in LISTS:
        if name in values:
            ids = [i for i in values[name] if isinstance(i, int)]
            values[name] = list(db_session.execute(select(Nomenclature).where(Nomenclature.id.in_(ids))).scalars()) if ids else []
    return {name: value for name, value in values.items() if name in FIELDS or name in LISTS}


@dataclass(frozen=True)
class DiffRow:
    label: str
    before: str
    after: str
    operation: int | None = None  # index of the operation on a list, on its first row (to withdraw it)


def diff(db_session, change: StructureChange, labels=lambda name: name) -> list[DiffRow]:
    """Each changed field (validated value, proposed value), then each operation on the
    structure's lists and each document deposited."""
    structure = change.structure
    rows = [DiffRow(labels(name), display(getattr(structure, name) if name in FIELDS else list(getattr(structure, name))),
                    display(value)) for name, value in proposed_values(db_session, change).items()]
    for index, operation in enumerate(operations(change)):
        for position, (label, before, after) in enumerate(_operation_rows(db_session, operation, labels)):
            rows.append(DiffRow(label, before, after, index if position == 0 else None))
    rows += [DiffRow("Document déposé", "", f"{document.nom} ({document.taille // 1024 + 1} Ko)")
             for document in change.documents]
    return rows


def _operation_rows(db_session, operation: dict, labels) -> list[tuple[str, str, str]]:
    child = CHILDREN[operation["type"]]
    values = operation["valeurs"]
    if operation["op"] == CREATE:
        return [(f"{child.title} ajouté{'e' if child.model is Coordonnee else ''}", "", _summary(child, values))]
    row = db_session.get(child.model, operation["id"])
    if row is None:  # removed meanwhile: nothing to apply, the organisation may withdraw it
        return [(f"{child.title} supprimé{'e' if child.model is Coordonnee else ''} entre-temps", "", "")]
    current = {field: getattr(row, field) for field in child.fields}
    if operation["op"] == DELETE:
        return [(f"{child.title} supprimé{'e' if child.model is Coordonnee else ''}", _summary(child, current), "")]
    title = f"{child.title} « {_summary(child, current)} »"
    return [(f"{title} : {labels(name)}", display(current[name]), display(value))
            for name, value in _known(child, values).items()]


def _summary(child: ChildList, values: dict) -> str:
    if child.model is Coordonnee:
        return f"{CoordonneeKind.LABELS.get(values.get('nature'), values.get('nature') or '')} {values.get('valeur') or ''}".strip()
    return " – ".join(str(values[name]) for name in ("nom", "ville") if values.get(name))


def available(change: StructureChange | None, actor: str) -> list[Transition]:
    return STRUCTURE_CHANGE_WORKFLOW.available(change, actor) if change is not None else []


def fire(db_session, name: str, change: StructureChange, user, actor: str, comment: str | None = None) -> None:
    STRUCTURE_CHANGE_WORKFLOW.fire(db_session, name, change, user, actor, comment)
