"""Row-level isolation: the only place that decides which rows a user may see or change (A2, A3).

Managers and administrators see everything except other users' personal rows (notifications,
mémos, read marks: OWNED). A contact OF sees the structures he holds a right on, their formations and sessions, and —
read-only — the sessions (and their formations) where one of his structures is OF formateur. He
changes only what belongs to the structures he holds a *modification* right on. Rights are read
with a sub-select in the same query, so a withdrawn right takes effect on the next request.
The messagerie's threads follow their structure; contacts read the actualités on air only.
"""
from __future__ import annotations

from typing import Callable

from flask import g, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, union
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.models import (
    Actualite,
    ActualiteRead,
    BlocCompetences,
    Certification,
    CycleAlternance,
    Coordonnee,
    Departement,
    Financement,
    Financeur,
    Formation,
    FormationCertification,
    Habilitation,
    HistoryEntry,
    Lieu,
    Memo,
    Mesure,
    Message,
    MessageThread,
    MessageThreadRead,
    Nomenclature,
    Notification,
    Recrutement,
    Region,
    RightLevel,
    Session,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
    StructureDocument,
    StructureRight,
)

from .permissions import MANAGER_ROLES, ROLE_CONTACT

# Endpoints that change data even when reached with GET (their forms lead to a write).
WRITE_ENDPOINTS = frozenset({"add", "edit", "delete", "action", "action_post", "import_recrutements", "transition",
                             "change_transition", "confirm",
                             "duplicate", "pick"})  # pick: a form's choices


def current_user():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def is_manager(user) -> bool:
    return user is not None and any(role.name in MANAGER_ROLES for role in user.roles)


def is_write_request() -> bool:
    """Whether the current request may lead to a change (edit form, POST, PUT, DELETE…)."""
    if not has_request_context():
        return True
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
    return endpoint in WRITE_ENDPOINTS


def structure_ids(user, write: bool):
    """Sub-select of the ids of the structures the user holds a right on."""
    stmt = select(StructureRight.structure_id).where(StructureRight.user_id == user.id)
    if write:
        stmt = stmt.where(StructureRight.niveau == RightLevel.MODIFICATION)
    return stmt


def _formation_clause(ids, write: bool) -> ColumnElement:
    own = Formation.structure_id.in_(ids)
    if write:
        # Formations imported from partner flows are read-only for contacts (G7).
        return own & Formation.importee.is_(False)
    as_formateur = Formation.id.in_(
        select(Session.formation_id)
        .join(SessionFormateur, SessionFormateur.session_id == Session.id)
        .where(SessionFormateur.structure_id.in_(ids))
    )
    return or_(own, as_formateur)


def _session_clause(ids, write: bool) -> ColumnElement:
    own = Session.formation_id.in_(select(Formation.id).where(_formation_clause(ids, True) if write
                                                             else Formation.structure_id.in_(ids)))
    if write:
        return own
    as_formateur = Session.id.in_(
        select(SessionFormateur.session_id).where(SessionFormateur.structure_id.in_(ids))
    )
    return or_(own, as_formateur)


def _by_structure(model) -> Callable:
    return lambda ids, write: model.structure_id.in_(ids)


def _by_formation(model) -> Callable:
    return lambda ids, write: model.formation_id.in_(
        select(Formation.id).where(_formation_clause(ids, write))
    )


def _by_session(model) -> Callable:
    return lambda ids, write: model.session_id.in_(
        select(Session.id).where(_session_clause(ids, write))
    )


def _history_clause(ids, write: bool) -> ColumnElement:
    if write:
        return false()  # history is written by the workflow only
    # The exchanges with the Carif-Oref belong to the responsable: an organisation that is only OF
    # formateur on a session sees the offer, not the history of the formation or of its sessions.
    owned = select(Formation.id).where(Formation.structure_id.in_(ids))
    return or_(
        (HistoryEntry.entity == "structure") & HistoryEntry.entity_id.in_(ids),
        (HistoryEntry.entity == "formation") & HistoryEntry.entity_id.in_(owned),
        (HistoryEntry.entity == "session")
        & HistoryEntry.entity_id.in_(select(Session.id).where(Session.formation_id.in_(owned))),
    )


def _message_clause(ids, write: bool) -> ColumnElement:
    return Message.thread_id.in_(select(MessageThread.id).where(MessageThread.structure_id.in_(ids)))


def actualite_on_air(today=None) -> ColumnElement:
    """Actualités published and not expired today (H3): from their publication day until the day
    before their expiry."""
    from datetime import date

    today = today or date.today()
    return (Actualite.publication <= today) & (Actualite.expiration.is_(None) | (Actualite.expiration > today))


# Personal rows: their owner's alone, whoever else asks (managers included).
OWNED: dict[type, Callable] = {
    Notification: lambda user: Notification.user_id == user.id,
    Memo: lambda user: Memo.user_id == user.id,  # H2: mémos, private to their author
    ActualiteRead: lambda user: ActualiteRead.user_id == user.id,
    MessageThreadRead: lambda user: MessageThreadRead.user_id == user.id,
}

# model -> function(structure ids sub-select, write) -> WHERE clause
SCOPES: dict[type, Callable] = {
    Structure: lambda ids, write: Structure.id.in_(ids),
    Coordonnee: _by_structure(Coordonnee),
    StructureContact: _by_structure(StructureContact),
    Lieu: _by_structure(Lieu),
    Habilitation: _by_structure(Habilitation),
    StructureDocument: _by_structure(StructureDocument),
    Formation: _formation_clause,
    FormationCertification: _by_formation(FormationCertification),
    Session: _session_clause,
    SessionFormateur: _by_session(SessionFormateur),
    SessionLieu: _by_session(SessionLieu),
    Financement: _by_session(Financement),
    Recrutement: _by_session(Recrutement),
    CycleAlternance: _by_session(CycleAlternance),
    HistoryEntry: _history_clause,
    # H4: a structure's threads with the Carif-Oref; a contact starts and answers them with a
    # modification right on the structure, reads them with any right.
    MessageThread: _by_structure(MessageThread),
    Message: _message_clause,
    # H3: contacts read the actualités on air (both audiences are theirs); managers write them.
    Actualite: lambda ids, write: false() if write else actualite_on_air(),
}


def espace_clause(model, espace: Structure) -> ColumnElement | None:
    """Rows of `model` belonging to an espace structure (A4): its own and its antennas'
    structures, the formations it is responsible for, and the sessions it trains in; None for
    other models. A narrowing, not a permission: `scope_clause(…, espace=)` combines both."""
    trains = select(SessionFormateur.session_id).where(SessionFormateur.structure_id == espace.id)
    if model is Structure:
        return or_(Structure.id == espace.id, Structure.parent_id == espace.id)
    # As one set of ids (a UNION) rather than an OR: PostgreSQL then starts from the espace's few
    # thousand rows by their indexes instead of filtering the region's (the dashboard, `make load`).
    if model is Formation:
        return Formation.id.in_(union(
            select(Formation.id).where(Formation.structure_id == espace.id),
            select(Session.formation_id).where(Session.id.in_(trains))))
    if model is Session:
        return Session.id.in_(union(
            select(Session.id).join(Formation, Formation.id == Session.formation_id)
            .where(Formation.structure_id == espace.id), trains))
    return None


def scope_clause(model, write: bool | None = None, user=None, espace=None) -> ColumnElement | None:
    """WHERE clause limiting `model` to what the user may see (or change when `write`), and to
    the rows of `espace` (a structure, the chosen espace of A4) when given: a contact works in
    the espace of a structure he holds a right on, any other shows him no row.

    None means "no restriction" (managers). Models without a scope are refused to contacts.
    """
    user = user if user is not None else current_user()
    if write is None:
        write = is_write_request()
    if user is None:
        return false()
    scope = _scope(model, write, user)
    rows = espace_clause(model, espace) if espace is not None else None
    if rows is None:
        return scope
    if scope is None:
        return rows
    holds = exists().where(StructureRight.user_id == user.id, StructureRight.structure_id == espace.id)
    if not write and model in (Formation, Session):
        # The espace's formations and sessions are all in the read scope of a contact holding a
        # right on it (its own, or where it trains): his right is tested once instead of the
        # scope's sub-selects on every row (a contact's dashboard and search, `make load`).
        return and_(rows, holds)
    return and_(scope, rows, holds)


def _scope(model, write: bool, user) -> ColumnElement | None:
    if model in OWNED:
        return OWNED[model](user)
    if is_manager(user):
        return None
    if model is StructureRight:
        return false() if write else StructureRight.user_id == user.id
    scope = SCOPES.get(model)
    if scope is None:
        return false()
    return scope(structure_ids(user, write), write)


def scoped(query, model, write: bool | None = None, user=None, espace=None):
    """Apply the user's scope (and the espace's narrowing, when given) to a SQLAlchemy query or
    select() of `model`."""
    clause = scope_clause(model, write=write, user=user, espace=espace)
    if clause is None:
        return query
    return query.filter(clause) if hasattr(query, "filter") else query.where(clause)


class RowScopeFilter(BaseFilter):
    """FAB base filter applying `scope_clause` to the view's model (list, show, edit, delete,
    related lists, REST API, form dropdowns)."""

    name = "Périmètre de l'utilisateur"
    arg_name = None

    def apply(self, query, value):
        return scoped(query, self.model)


class WritableScopeFilter(BaseFilter):
    """Limits a form dropdown to rows the user may change (e.g. the structure of a new lieu)."""

    name = "Périmètre modifiable"
    arg_name = None

    def apply(self, query, value):
        return scoped(query, self.model, write=True)


SCOPE = [["id", RowScopeFilter, lambda: None]]
WRITABLE = [["id", WritableScopeFilter, lambda: None]]


class HideDraftsInListsFilter(BaseFilter):
    """Lists, searches and the REST list show the published offer: the copies held by a
    *Demande de modification* (drafts) are reached from their published formation's page, the
    manager's queue, and the related lists of the draft itself."""

    name = "Hors brouillons"
    arg_name = None

    def apply(self, query, value):
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1] if has_request_context() else ""
        if endpoint not in ("list", "get_list"):
            return query
        if self.model is Formation:
            return query.filter(Formation.draft_of_id.is_(None))
        if self.model is Session:
            return query.filter(Session.in_draft.is_(False))
        return query


HIDE_DRAFTS = [["id", HideDraftsInListsFilter, lambda: None]]


# Reference data is public: anyone may read it and pick it in a form (SPEC D).
PUBLIC = frozenset({Nomenclature, Certification, BlocCompetences, Financeur, Mesure, Departement, Region})


class ChoiceScopeFilter(BaseFilter):
    """The rows a form drop-down, a search filter or a REST `_info`/`related` answer may offer:
    public reference data, else the user's scope (what he may change, on a write request)."""

    name = "Choix du périmètre"
    arg_name = None

    def apply(self, query, value):
        return query if self.model in PUBLIC else scoped(query, self.model)


CHOICES = [["id", ChoiceScopeFilter, lambda: None]]


def choice_filters(model, given: dict | None = None) -> dict:
    """FAB `*_query_rel_fields` for every relation of `model`: CHOICES, then the field's own
    filters. FAB fills a relation field with every row of the related table otherwise (G13)."""
    filters = {name: list(value) for name, value in (given or {}).items()}
    for relation in sa_inspect(model).relationships:
        filters[relation.key] = CHOICES + filters.get(relation.key, [])
    return filters


def visible_user_ids(user=None) -> set[int] | None:
    """The accounts whose names the user may read: all (None) for managers; for a contact,
    himself and the holders of a right on one of his structures. Once per request."""
    user = user if user is not None else current_user()
    if user is None:
        return set()
    if is_manager(user):
        return None
    cache = g.setdefault("_visible_user_ids", {}) if has_request_context() else {}
    if user.id not in cache:
        colleagues = select(StructureRight.user_id).where(StructureRight.structure_id.in_(structure_ids(user, False)))
        cache[user.id] = {user.id, *db.session.execute(colleagues).scalars()}
    return cache[user.id]


def contact_accounts(query, user_model, user=None):
    """The accounts a manager administers: Contact OF accounts holding no manager role. Admin and
    Gestionnaire accounts are FAB's administration, the Admin's alone; contacts see none."""
    user = user if user is not None else current_user()
    if not is_manager(user):
        return query.filter(false())
    role = user_model.roles.property.mapper.class_
    return query.filter(user_model.roles.any(role.name == ROLE_CONTACT),
                        ~user_model.roles.any(role.name.in_(MANAGER_ROLES)))


class ContactAccountsFilter(BaseFilter):
    """FAB base filter of the managers' account list and of the user drop-down of rights."""

    name = "Comptes des organismes"
    arg_name = None

    def apply(self, query, value):
        return contact_accounts(query, self.model)


CONTACT_ACCOUNTS = [["id", ContactAccountsFilter, lambda: None]]
