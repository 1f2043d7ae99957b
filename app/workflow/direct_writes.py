"""C8, issue 16: a write made directly to a published record — a diffusée formation or one of its
sessions and their lists, a validated structure or one of its lists — goes into that record's
history, in the write's own transaction: who changed what, and when. Organisations change published
records through drafts and change requests, whose transitions are recorded already; what reaches
a published record directly is the Carif-Oref's edits (and imports)."""
from __future__ import annotations

from sqlalchemy import inspect as sa_inspect

from app.models import (
    Coordonnee,
    FormationEtat,
    Habilitation,
    HistoryEntry,
    Lieu,
    Structure,
    StructureContact,
    StructureDocument,
    StructureEtat,
)

from .locks import owners

ACTION = "Modification directe"
UNRECORDED = {"version", "updated_at", "created_at", "in_draft"}
# The lists a structure owns: their rows belong to the structure's record (its history, its e-mails).
STRUCTURE_LISTS = (Coordonnee, Lieu, StructureContact, StructureDocument, Habilitation)


def published_owner(item) -> tuple[str, int] | None:
    """("formation" | "session" | "structure", id) of the published record `item` belongs to."""
    if isinstance(item, (Structure, *STRUCTURE_LISTS)):
        structure = item if isinstance(item, Structure) else item.structure
        validated = structure is not None and structure.id is not None and structure.etat == StructureEtat.VALIDEE
        return ("structure", structure.id) if validated else None
    formation, session = owners(item)  # the offer's records, as the locks read them
    if formation is None or formation.id is None or formation.draft_of_id is not None \
            or formation.etat != FormationEtat.DIFFUSEE:
        return None
    if session is not None:
        if session.in_draft:
            return None
        return ("session", session.id) if session.id is not None else ("formation", formation.id)
    return "formation", formation.id


def changed_fields(item) -> list[str]:
    """The attributes whose value differs from the saved one (a form writes every field back: an
    empty field saved as None and posted as "" did not change)."""
    state = sa_inspect(item)
    return [attr.key for attr in state.attrs
            if attr.key not in UNRECORDED and not attr.key.endswith("_id") and _differs(attr.history)]


def _differs(history) -> bool:
    if not history.has_changes():
        return False
    before = [*history.deleted, *history.unchanged]
    after = [*history.added, *history.unchanged]
    if len(before) <= 1 and len(after) <= 1:  # a column or a many-to-one
        return _plain(before[0] if before else None) != _plain(after[0] if after else None)
    return {id(row) for row in before} != {id(row) for row in after}  # a list


def _plain(value):
    return None if value == "" else value


def record_direct_write(db_session, item, author, *, created: bool = False, deleted: bool = False,
                        labels=lambda name: name) -> HistoryEntry | None:
    """Add the history entry of this write (before its commit); None when `item` is not published
    or nothing of it changed."""
    owner = published_owner(item)
    if owner is None:
        return None
    if created or deleted:
        comment = f"{'Ajout' if created else 'Suppression'} : {_kind(item)}"
    else:
        fields = ", ".join(str(labels(name)) for name in changed_fields(item))
        if not fields:
            return None
        reference = getattr(item, "reference", None)
        comment = f"{_kind(item).capitalize()}{f' {reference}' if reference else ''} : {fields}"
    entry = HistoryEntry(entity=owner[0], entity_id=owner[1], action=ACTION, comment=comment[:1000],
                         author_id=getattr(author, "id", None))
    db_session.add(entry)
    return entry


def _kind(item) -> str:
    return {"Financement": "financement", "Recrutement": "modalité de recrutement", "SessionLieu": "lieu de formation",
            "SessionFormateur": "OF formateur", "CycleAlternance": "cycle de l'alternance", "Session": "session",
            "FormationCertification": "certification", "Coordonnee": "coordonnée", "Lieu": "lieu",
            "StructureContact": "contact", "Habilitation": "habilitation", "StructureDocument": "document"
            }.get(type(item).__name__, type(item).__name__)
