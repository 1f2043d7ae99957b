"""The record tree of a formation or a session loaded once (constant queries), and what the record
pages show from it: checks panels, workflow, history, imported notice."""
from __future__ import annotations

from flask import abort, g, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select
from sqlalchemy.orm import Load, joinedload, selectinload

from app.security.permissions import (ACTION_ADD, ACTION_DUPLICATE, ACTION_EDIT, ACTION_HOLD, RESOURCE_FORMATION,
                                      RESOURCE_MESSAGERIE)
from app.extensions import db
from app.models import (
    Certification,
    CycleAlternance,
    Financement,
    Financeur,
    Formation,
    FormationCertification,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
    StructureContact,
)
from app.models.workflow import FormationEtat, HistoryEntry, SessionEtat
from app.commands.actor import actor_of
from app.security import may
from app.security.scope import current_user, is_manager, scope_clause, scoped
from app.workflow.drafts import current_draft
from app.workflow.locks import IMPORTED, lock_reason
from app.workflow.purge import purge_notice
from app.workflow.suspension import hold_notice
from app.workflow.transitions import available

from .base import parse_pk
from .tabs import TabbedRecordMixin, child_permissions
from .widgets import format_value, history_rows


def _session_heads(path):
    """What the checks read of every session of a formation, running or not: the session's own
    references, its OF formateurs (E3) and financements (E7)."""
    return path.options(
        joinedload(Session.contact),
        joinedload(Session.referent_handicap_contact).joinedload(StructureContact.structure),
        joinedload(Session.referent_mobilite_contact).joinedload(StructureContact.structure),
        joinedload(Session.type_parcours), joinedload(Session.modalite_enseignement),
        joinedload(Session.niveau_entree), joinedload(Session.lieu_inscription), joinedload(Session.validation_blocs),
        selectinload(Session.formateurs).joinedload(SessionFormateur.structure),
        selectinload(Session.financements).options(
            joinedload(Financement.financeur).joinedload(Financeur.mesures),
            joinedload(Financement.mesure), joinedload(Financement.etat_recrutement),
            joinedload(Financement.etat_dispositif)),
    )


def _session_details(path, few=joinedload):
    """The session's other child lists, read by its own checks. `few` loads the short lists
    (rythmes, blocs…): joined with one session, a query each for many (joined with hundreds of
    sessions, their product costs more than the queries saved)."""
    return path.options(
        few(Session.rythmes), few(Session.modalites_pedagogiques), few(Session.blocs),
        few(Session.cycles).joinedload(CycleAlternance.unite_rythme),
        selectinload(Session.lieux).joinedload(SessionLieu.lieu),
        selectinload(Session.recrutements).joinedload(Recrutement.modalite),
    )


def _session_tree(path, few=joinedload):
    """Everything the checks and the page read of a session: its panels cost the same queries
    whatever the number of rows."""
    return _session_details(_session_heads(path), few)


def _formation_heads(path):
    """What the checks read of a formation besides its sessions and its domains."""
    return path.options(
        joinedload(Formation.structure), joinedload(Formation.draft_of),
        selectinload(Formation.certifications).joinedload(FormationCertification.certification)
        .joinedload(Certification.blocs),
    )


# The trees a formation's and a session's pages check, loaded once with loader options.
FORMATION_TREE = (
    _formation_heads(Load(Formation)),
    joinedload(Formation.niveau_entree), joinedload(Formation.niveau_sortie), joinedload(Formation.objectif_general),
    # One formation: its few domain codes joined with it.
    joinedload(Formation.formacodes), joinedload(Formation.nsf), joinedload(Formation.romes),
    _session_heads(selectinload(Formation.sessions)),
    # The Sessions tab lists every session's town (archived ones included).
    selectinload(Formation.sessions).selectinload(Session.lieux).joinedload(SessionLieu.lieu),
)
# The running sessions' other lists (FormationView.load_details): the archived ones, half of a
# formation's sessions at regional scale, are never checked one by one.
RUNNING_SESSION_DETAILS = _session_details(Load(Session), few=selectinload)
SESSION_TREE = (
    _session_tree(Load(Session)),
    # E3 reads the OF formateurs of every session of the formation.
    _formation_heads(joinedload(Session.formation)).selectinload(Formation.sessions)
    .joinedload(Session.formateurs).joinedload(SessionFormateur.structure),
)


def load_running_details(formation) -> None:
    """The running sessions' other lists, into the sessions already loaded with FORMATION_TREE
    (identity map): one query per list whatever the number of sessions."""
    db.session.execute(select(Session).where(Session.formation_id == formation.id,
                                             Session.etat != SessionEtat.ARCHIVEE)
                       .options(RUNNING_SESSION_DETAILS)).scalars().all()


class ChecksPanelMixin(TabbedRecordMixin):
    """The record's page: state and workflow, its checks (errors and warnings of the rules,
    completeness, partner readiness — app/checks), then its tabs (app/views/tabs.py), all read
    from the tree loaded once."""

    # Loader options of the record's tree: loaded once, before the checks read it.
    show_load_options: tuple = ()

    def load_details(self, item) -> None:
        """Hook: load more of the tree after the record (the same queries whatever its size)."""

    def heading(self, item) -> str:
        return str(item)

    def page_extras(self, item, writable: bool) -> dict:
        """Hook: what a page's own tab templates need (a formation's sessions…)."""
        return {}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        model = self.datamodel.obj
        query = db.session.query(model).filter(model.id == parse_pk(pk)).options(*self.show_load_options)
        item = self._base_filters.apply_all(query).one_or_none()
        if item is None:
            abort(404)
        self.load_details(item)
        self.update_redirect()
        # Managers change every row (no scope clause): no query to ask.
        writable = (scope_clause(model, write=True) is None or
                    scoped(db.session.query(model.id).filter(model.id == item.id), model, write=True).first()
                    is not None)
        wf = workflow_context(item, writable)
        page = self.page_context(item, writable, wf["lock"])
        return self.render_template(
            "portal/record_page.html", page=page, view_name=type(self).__name__, heading=self.heading(item),
            checks=self.checks_for(item), wf=wf, history=history_of(item),
            may_edit=may(ACTION_EDIT, self.class_permission_name),
            label_of=lambda name: self.label_columns.get(name, name), value_of=self.value_of,
            shown_fields=set(self.edit_columns or []) | {n for t in page.tabs for g in t.groups for n in g.readonly},
            child_rows=child_rows, child_permissions=child_permissions,
            tab_counts={tab.key: sum(len(getattr(item, key)) for key in tab.children) if tab.children else None
                        for tab in page.tabs},
            extra_child_links=self.extra_child_links(item), **self.page_extras(item, writable))

    def extra_child_links(self, item) -> dict:
        return {}

    def value_of(self, item, name: str):
        """A field as the page shows it: the view's formatter, else dates, booleans and lists in
        French, relations by their name."""
        value = getattr(item, name, None)
        formatter = (self.formatters_columns or {}).get(name)
        if formatter is not None and formatter is not format_value:
            return formatter(value)
        if isinstance(value, bool):
            return "Oui" if value else "Non"
        if isinstance(value, (list, tuple, set)):
            return ", ".join(str(v) for v in value)
        return format_value(value)


def visible_sessions(formation) -> set[int] | None:
    """The ids of the formation's sessions the user may read — a formateur reading another
    organisation's formation sees only his (A3); None: all (a manager's scope has no clause, no
    query to ask). Once per request and formation."""
    if scope_clause(Session, write=False) is None:
        return None
    known = g.setdefault("_visible_sessions", {})
    if formation.id not in known:
        known[formation.id] = set(db.session.execute(scoped(
            select(Session.id).where(Session.formation_id == formation.id), Session, write=False)).scalars())
    return known[formation.id]


def child_rows(item, child) -> list:
    """A child list as shown: the principal row first, then in the order they were added."""
    return sorted(getattr(item, child.key), key=lambda row: (not getattr(row, "principal", False), row.id or 0))


STATE_STYLES = {FormationEtat.DIFFUSEE: "success", FormationEtat.EN_ATTENTE: "info", FormationEtat.COMPLEMENT: "warning",
                FormationEtat.NON_DIFFUSEE: "danger", FormationEtat.ARCHIVEE: "default"}


def workflow_context(item, writable: bool) -> dict:
    """State, available transitions, draft links and lock message for a formation or session page."""
    manager = is_manager(current_user())
    formation = item if isinstance(item, Formation) else item.formation
    published = formation.draft_of
    draft = current_draft(db.session, formation) if published is None else None
    actor = actor_of(current_user())
    subject = "Formation" if item is formation else f"Session {item.reference}"
    state = item.etat_libelle if item is formation else f"{item.etat_libelle} (formation : {formation.etat_libelle})"
    extra = []
    if isinstance(item, Session) and writable:
        extra.append(("Dupliquer la session", url_for("SessionView.duplicate", pk=item.id), "fa-copy"))
    if isinstance(item, Formation) and may(ACTION_DUPLICATE, RESOURCE_FORMATION) and formation.draft_of_id is None:
        extra.append(("Dupliquer la formation", url_for("FormationView.duplicate", pk=item.id), "fa-copy"))
    if (isinstance(item, Formation) and formation.draft_of_id is None and may(ACTION_HOLD, RESOURCE_FORMATION)
            and (formation.en_suspens or formation.etat != FormationEtat.ARCHIVEE)):  # G1, managers
        extra.append(("Lever la suspension" if formation.en_suspens else "Mettre en suspens",
                      url_for("FormationView.suspension", pk=item.id), "fa-play" if formation.en_suspens else "fa-pause"))
    if writable and not manager and may(ACTION_ADD, RESOURCE_MESSAGERIE):  # H4: a question about this formation
        extra.append(("Écrire au Carif-Oref", url_for("MessagerieView.add", formation=(published or formation).id),
                      "fa-envelope"))
    return {
        "formation": formation, "subject": subject, "state": state,
        "state_style": STATE_STYLES.get(formation.etat, "default"),
        "published": published, "draft": draft, "purge_notice": purge_notice(db.session, formation),
        "transitions": available(formation, actor) if writable else [],
        "lock": lock_reason(item, manager=manager) if writable else (IMPORTED if formation.importee else ""),
        "imported": imported_notice(formation),
        "on_hold": hold_notice(formation),
        "extra": extra,
    }


def imported_notice(formation) -> str:
    """G7, J4: where an imported formation comes from, shown on its pages and its sessions'."""
    if not formation.importee:
        return ""
    source = f"du flux « {formation.source} »" if formation.source else "d'un autre système"
    when = f" le {formation.importee_le:%d/%m/%Y à %H:%M}" if formation.importee_le else ""
    numero = f" (n° {formation.source_numero} dans ce flux)" if formation.source_numero else ""
    return f"Formation importée {source}{when}{numero} : elle n'est jamais soumise à validation."


def history_of(item) -> list:
    """History of the published formation (a draft shows its published formation's) or session."""
    if isinstance(item, Formation):
        entity, entity_id = "formation", (item.draft_of_id or item.id)
    else:
        entity, entity_id = "session", (item.draft_of_id or item.id)
    query = select(HistoryEntry).where(HistoryEntry.entity == entity, HistoryEntry.entity_id == entity_id)
    return history_rows(db.session.execute(
        scoped(query, HistoryEntry, write=False).order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())).scalars())

