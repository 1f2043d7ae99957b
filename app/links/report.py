"""The records with a broken link that a user sees (SPEC H5 → H1's *Erreur liens site internet*):
his row scope (app/security/scope.py) and, when one is chosen, his espace structure
(app/views/espace.py), limited to the records his structures own (record_conditions). The counter and the list
(`/liens/erreurs`) are built from the same clauses, so they always agree."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal, select, union_all

from app.extensions import db
from app.models import Formation, Structure
from app.security.scope import current_user, scope_clause

from .sources import KINDS, broken_link_details, broken_links, listed

CURRENT = object()  # "the request's user / espace"


def _who(user, espace):
    if user is CURRENT:
        user = current_user()
    if espace is CURRENT:
        from app.views.espace import current_espace

        espace = current_espace()
    return user, espace


def _structure_conditions(user, espace) -> list:
    from app.security.scope import espace_clause

    conditions = []
    scope = scope_clause(Structure, write=False, user=user)
    if scope is not None:
        conditions.append(scope)
    if espace is not None:
        conditions.append(espace_clause(Structure, espace))
    return conditions


def record_conditions(model, user, espace) -> list:
    """WHERE conditions of `model`'s records with a broken link, as `user` sees them in `espace`.

    A link is its owner's to correct: a formation is listed to the users who see its responsable
    structure (a contact: the structures he holds a right on; in an espace: the espace and its
    antennas), not to an organisation that is only OF formateur on one of its sessions."""
    conditions = [broken_links(model), listed(model)]
    owners = _structure_conditions(user, espace)
    if model is Structure:
        return conditions + owners
    scope = scope_clause(model, write=False, user=user)
    if scope is not None:
        conditions.append(scope)
    if owners:
        conditions.append(Formation.structure_id.in_(select(Structure.id).where(*owners)))
    return conditions


def _kinds(kind: str | None) -> list[str]:
    return [kind] if kind in KINDS else list(KINDS)


def count_statement(user=CURRENT, espace=CURRENT, kind: str | None = None):
    user, espace = _who(user, espace)
    counts = [select(func.count()).select_from(KINDS[k]).where(*record_conditions(KINDS[k], user, espace))
              .scalar_subquery() for k in _kinds(kind)]
    total = counts[0]
    for count in counts[1:]:
        total = total + count
    return select(total)


def broken_links_count(user=CURRENT, espace=CURRENT, kind: str | None = None) -> int:
    """How many structures and formations (`kind`: only "formation" or "structure") have a broken
    link, in one query. In a request, the current user and espace by default."""
    return db.session.execute(count_statement(user, espace, kind)).scalar() or 0


@dataclass
class BrokenLink:
    field: str
    url: str
    status: int | None
    reason: str | None
    checked_at: datetime
    coordonnee_id: int | None


@dataclass
class BrokenRecord:
    kind: str  # "formation" | "structure"
    id: int
    reference: str | None
    name: str
    structure: str
    links: list[BrokenLink] = field(default_factory=list)


def _rows_statement(user, espace, kinds: list[str]):
    parts = []
    if "formation" in kinds:
        parts.append(select(literal("formation").label("kind"), Formation.id.label("id"), Formation.reference.label("reference"),
                            Formation.intitule.label("name"), Structure.nom.label("structure"))
                     .join(Structure, Structure.id == Formation.structure_id)
                     .where(*record_conditions(Formation, user, espace)))
    if "structure" in kinds:
        parts.append(select(literal("structure").label("kind"), Structure.id.label("id"), Structure.reference.label("reference"),
                            Structure.nom.label("name"), Structure.nom.label("structure"))
                     .where(*record_conditions(Structure, user, espace)))
    return union_all(*parts).subquery("broken_records")


def broken_records(user=CURRENT, espace=CURRENT, kind: str | None = None, page: int = 1,
                   per_page: int = 50) -> tuple[int, list[BrokenRecord]]:
    """(how many, this page's records with their broken links): three queries whatever the page."""
    user, espace = _who(user, espace)
    kinds = _kinds(kind)
    total = db.session.execute(count_statement(user, espace, kind)).scalar() or 0
    rows = _rows_statement(user, espace, kinds)
    records = [BrokenRecord(r.kind, r.id, r.reference, r.name, r.structure) for r in db.session.execute(
        select(rows).order_by(rows.c.structure, rows.c.kind.desc(), rows.c.name, rows.c.id)
        .limit(per_page).offset((page - 1) * per_page))]
    by_key = {(r.kind, r.id): r for r in records}
    parts = []
    for k in kinds:
        ids = [r.id for r in records if r.kind == k]
        if ids:
            parts += [part.add_columns(literal(k).label("kind")) for part in broken_link_details(k, ids)]
    if parts:
        details = union_all(*parts).subquery("broken_links")
        for d in db.session.execute(select(details).order_by(details.c.field, details.c.url)):
            by_key[(d.kind, d.record_id)].links.append(
                BrokenLink(d.field, d.url, d.status, d.reason, d.checked_at, d.coordonnee_id))
    return total, records


