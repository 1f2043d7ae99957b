"""Offre de formation: formations, sessions and the session's child lists (SPEC E, F, K2)."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.models.sqla.filters import FilterEqual
from sqlalchemy import select
from sqlalchemy.orm import Load, joinedload, selectinload

from app.security.permissions import (
    ACTION_ADD,
    ACTION_READ,
    ACTION_CODIFY,
    ACTION_DUPLICATE,
    ACTION_DUPLICATE_NEXT_YEAR,
    ACTION_EDIT,
    ACTION_SET_ETAT,
    EXCLUDED_VIEW_ROUTES,
    NO_DELETE,
    RESOURCE_CYCLE,
    RESOURCE_FINANCEMENT,
    RESOURCE_FORMATION,
    RESOURCE_FORMATION_CERTIFICATION,
    RESOURCE_LIEU,
    RESOURCE_RECRUTEMENT,
    RESOURCE_SESSION,
    RESOURCE_SESSION_FORMATEUR,
    RESOURCE_SESSION_LIEU,
)
from app.extensions import db
from app.models import (
    BlocCompetences,
    Certification,
    CycleAlternance,
    Financement,
    Financeur,
    Formation,
    FormationCertification,
    Lieu,
    Mesure,
    Nomenclature,
    NomenclatureKind,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
    Structure,
)
from app.models.workflow import FormationEtat, HistoryEntry, SessionEtat
from app.checks import (
    certification_link_problems,
    completeness,
    formation_completeness,
    formation_tree_problems,
    habilitation_problems,
    partner_readiness,
    session_record_problems,
)
from app.commands import AlreadyDone, Invalid, Locked
from app.commands.actor import actor_of
from app.commands.bulk import ArchiveFormations, ArchiveSessions, CloseRecrutement, SetEtatDispositif, ids_of
from app.commands.duplicate import DuplicateForNextYear, DuplicateFormation, DuplicateSession
from app.commands.imports import ImportRecrutements
from app.commands.defaults import certification_prefill
from app.commands.records import RECORDS
from app.commands.transition import FireTransition
from app.security import may
from app.security.scope import HIDE_DRAFTS, SCOPE, WRITABLE, current_user, is_manager, scope_clause, scoped
from app.imports.recrutements import (
    COLUMNS as IMPORT_COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportResult,
    LineProblem,
    template_workbook,
)
from app.workflow.drafts import current_draft
from app.workflow.locks import IMPORTED, lock_reason
from app.workflow.purge import purge_notice
from app.workflow.transitions import TRANSITIONS, available
from app.workflow.principal import keep_one_principal

from .base import ScopedModelView, interface, parse_pk
from .pickers import picker_field
from .espace import ESPACE, current_espace
from .offer_pages import FORMATION_CHILDREN, FORMATION_TABS, SESSION_CHILDREN, SESSION_TABS
from .tabs import TabbedRecordMixin, child_permissions, session_arg
from .widgets import format_date, format_rich_text, format_value, history_rows, rich_text_fields
from .structures import kind_filter


MAX_REASONS = 10  # refusals listed after a bulk action; the others are counted


def flash_bulk(result, done: str) -> None:
    """A bulk action's outcome: what changed, then why the other rows did not (the first ten)."""
    flash(done, "success" if result.changed or not result.refused else "warning")
    for reason in result.refused[:MAX_REASONS]:
        flash(f"Non modifié — {reason}", "warning")
    if len(result.refused) > MAX_REASONS:
        flash(f"… et {len(result.refused) - MAX_REASONS} autre(s) session(s) non modifiée(s).", "warning")


def close_recrutement(ids) -> None:
    result = CloseRecrutement(ids, g.user).run()
    flash_bulk(result, f"Recrutement fermé sur {result.changed} financement(s) ; {result.unchanged} l'étaient déjà.")


def set_etat_dispositif(ids, etat_id) -> bool:
    """False when the état is missing (the message says so)."""
    command = SetEtatDispositif(ids, etat_id, g.user)
    try:
        result = command.run()
    except Invalid as refusal:
        flash(str(refusal), "warning")
        return False
    flash_bulk(result, f"État du dispositif « {command.etat.libelle} » appliqué à {result.changed} financement(s).")
    return True


def archive_sessions(ids) -> None:
    result = ArchiveSessions(ids, g.user).run()
    flash_bulk(result, f"{result.changed} session(s) archivée(s) ; {result.unchanged} l'étaient déjà.")


class CloseRecrutementActionMixin:
    """Bulk *Fermer le recrutement* for managers (K2, F16)."""

    @action("close_recrutement", "Fermer le recrutement",
            "Fermer le recrutement de toutes les sessions sélectionnées ?", "fa-lock", single=False)
    def close_recrutement(self, ids):
        close_recrutement(ids)
        return redirect(self.get_redirect())


class SessionBulkMixin:
    """Bulk actions needing a choice or a preview: état du dispositif (K2, managers) and the
    duplication of sessions for next year's rentrée (every copy checked before creation)."""

    @action("set_etat_dispositif", "Changer l'état du dispositif", "", "fa-flag", single=False)
    def set_etat_dispositif_action(self, ids):
        return self.render_etat_page(ids)

    @action("duplicate_next_year", "Dupliquer pour la rentrée suivante", "", "fa-copy", single=False)
    def duplicate_next_year_action(self, ids):
        return redirect(url_for("SessionView.rentree", ids=",".join(str(i) for i in ids_of(ids)[:RENTREE_MAX])))

    @staticmethod
    def _posted_ids() -> list[int]:
        return ids_of(request.values.get("ids", "").split(","))

    def _selected(self, limit: int) -> list:
        ids = self._posted_ids()[:limit]
        if not ids:
            return []
        query = scoped(select(Session).where(Session.id.in_(ids)), Session, write=True).order_by(Session.debut)
        return list(db.session.execute(query).scalars())

    def render_etat_page(self, ids):
        ids = ids_of(ids)
        preview = db.session.execute(scoped(select(Session).where(Session.id.in_(ids[:PREVIEW])), Session,
                                            write=True).order_by(Session.reference)).scalars().all()
        etats = db.session.execute(select(Nomenclature).where(
            Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF).order_by(Nomenclature.ordre)).scalars().all()
        return self.render_template("portal/bulk_etat.html", count=len(ids), sessions=preview, etats=etats,
                                    ids=",".join(str(i) for i in ids))

    @expose("/etat_dispositif", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_SET_ETAT)
    def etat_dispositif(self):
        ids = self._posted_ids()
        if request.method == "POST" and set_etat_dispositif(ids, request.form.get("etat")):
            return redirect(url_for("SessionView.list"))
        return self.render_etat_page(ids)

    @expose("/rentree", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_DUPLICATE_NEXT_YEAR)
    def rentree(self):
        command = DuplicateForNextYear(self._selected(RENTREE_MAX), g.user)
        if request.method == "POST" and command.sessions:
            created, skipped = command.run()
            flash(f"{len(created)} session(s) créée(s) pour la rentrée suivante (brouillons à vérifier et à "
                  f"soumettre) ; {len(skipped)} écartée(s).", "success" if created else "warning")
            return redirect(url_for("SessionView.list"))
        return self.render_template("portal/rentree.html", rows=command.preview(),
                                    ids=",".join(str(s.id) for s in command.sessions))


PREVIEW = 50  # sessions listed on the état du dispositif page; the others are counted
RENTREE_MAX = 500  # the rentrée checks every copy before creating it: a bounded preview


class ArchiveActionMixin:
    """Bulk *Archiver* for managers (K2): archiving never deletes (F15)."""

    @action("archive", "Archiver", "Archiver les lignes sélectionnées ?", "fa-archive", single=False)
    def archive(self, ids):
        if self.datamodel.obj is Session:
            archive_sessions(ids)
        else:
            done, refusals = ArchiveFormations(ids, g.user).run()
            flash(f"{done} formation(s) archivée(s) avec leurs sessions.", "success" if done else "warning")
            for reason in refusals[:MAX_REASONS]:
                flash(f"Non archivée — {reason}", "warning")
        return redirect(self.get_redirect())


RICH_TEXT = RECORDS[Formation].rich_text
SANS_NIVEAU = "1"  # LHEO dict-niveaux: sans niveau spécifique (E2's default niveau d'entrée)


def _siege_filter() -> list:
    return WRITABLE + [["parent_id", FilterEqual, None]]


def _session_heads(path):
    """What the checks read of every session of a formation, running or not: the session's own
    references, its OF formateurs (E3) and financements (E7)."""
    return path.options(
        joinedload(Session.contact), joinedload(Session.type_parcours), joinedload(Session.modalite_enseignement),
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
    return {
        "formation": formation, "subject": subject, "state": state,
        "state_style": STATE_STYLES.get(formation.etat, "default"),
        "published": published, "draft": draft, "purge_notice": purge_notice(db.session, formation),
        "transitions": available(formation, actor) if writable else [],
        "lock": lock_reason(item, manager=manager) if writable else (IMPORTED if formation.importee else ""),
        "imported": imported_notice(formation),
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


class FormationCertificationView(ScopedModelView):
    datamodel = interface(FormationCertification)
    class_permission_name = RESOURCE_FORMATION_CERTIFICATION
    list_title = show_title = "Certifications de la formation"
    add_title = "Ajouter une certification"
    edit_title = "Modifier la certification"
    list_columns = ["certification", "principal"]
    label_columns = {"principal": "Principale"}  # la certification principale
    search_columns = ["principal"]
    show_columns = add_columns = edit_columns = ["formation", "certification", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"formation": WRITABLE}

    def pre_add(self, item):
        if item.formation is not None:
            keep_one_principal(item, item.formation.certifications, "principal")

    pre_update = pre_add

    def pre_delete(self, item):
        super().pre_delete(item)
        problems = certification_link_problems(item, removing=True)
        if problems:
            raise ValueError(" ".join(p.message for p in problems))


def formateurs_lieux(session_id: int):
    """F4, F12: the lieux of the session's OF formateurs (the choices offered first)."""
    return Lieu.structure_id.in_(select(SessionFormateur.structure_id).where(SessionFormateur.session_id == session_id))


def formation_blocs(session_id: int):
    """F9: the blocs of the certifications of the session's formation."""
    return BlocCompetences.certification_id.in_(
        select(FormationCertification.certification_id).join(Session, Session.formation_id ==
                                                              FormationCertification.formation_id)
        .where(Session.id == session_id))


def for_session(form, session_id: int | None, *names) -> None:
    """The pickers of `names` ask for the rows of this session's context."""
    for name in names:
        if session_id is not None and name in form:
            form[name].picker_args = {"session": session_id}


class SessionFormateurView(ScopedModelView):
    datamodel = interface(SessionFormateur)
    class_permission_name = RESOURCE_SESSION_FORMATEUR
    list_title = show_title = "OF formateurs"
    add_title = "Ajouter un OF formateur"
    edit_title = "Modifier l'OF formateur"
    list_columns = ["structure.nom", "principal"]
    label_columns = {"structure.nom": "OF formateur"}
    search_columns = ["principal"]
    show_columns = add_columns = edit_columns = ["session", "structure", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"session": WRITABLE, "structure": WRITABLE}

    def pre_add(self, item):
        if item.session is not None:
            keep_one_principal(item, item.session.formateurs)

    pre_update = pre_add


class SessionLieuView(ScopedModelView):
    datamodel = interface(SessionLieu)
    class_permission_name = RESOURCE_SESSION_LIEU
    list_title = show_title = "Lieux de formation"
    add_title = "Ajouter un lieu de formation"
    edit_title = "Modifier le lieu de formation"
    list_columns = ["lieu.nom", "lieu.code_postal", "lieu.ville", "principal", "a_verifier"]
    label_columns = {"lieu.nom": "Lieu", "lieu.code_postal": "Code postal", "lieu.ville": "Ville"}
    search_columns = ["principal", "a_verifier"]
    show_columns = add_columns = edit_columns = ["session", "lieu", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"session": WRITABLE, "lieu": WRITABLE}
    description_columns = {"lieu": "Les lieux des OF formateurs de la session ; un lieu manquant se crée dans la "
                                   "fiche de la structure (Ma structure › Lieux)."}

    def prefill_add(self, form):
        for_session(form, session_arg(), "lieu")

    def prefill_form(self, form, pk):
        link = db.session.get(SessionLieu, pk)
        for_session(form, link.session_id if link else None, "lieu")

    def picker_context(self, name):
        session_id = session_arg()
        return formateurs_lieux(session_id) if name == "lieu" and session_id else None

    def pre_add(self, item):
        if item.session is not None:
            keep_one_principal(item, item.session.lieux)

    pre_update = pre_add  # the a_verifier flag is cleared on save (app/commands/records.py)


def mesure_financeurs() -> dict[int, int]:
    """{mesure id: financier id}, for the financement form's cascade (F6)."""
    return dict(db.session.execute(select(Mesure.id, Mesure.financeur_id)).all())


class FinancementView(ScopedModelView):
    def may_codify(self) -> bool:
        """État du dispositif (F6) is a session's codification, a permission of the Session resource."""
        return may(ACTION_CODIFY, RESOURCE_SESSION)

    datamodel = interface(Financement)
    class_permission_name = RESOURCE_FINANCEMENT
    list_title = "Financements"
    show_title = "Financement"
    add_title = "Ajouter un financement"
    edit_title = "Modifier le financement"
    list_columns = ["session.reference", "financeur.libelle", "mesure.libelle", "nb_places", "numero_marche", "prix_total"]
    label_columns = {"session.reference": "Session", "financeur.libelle": "Financeur", "mesure.libelle": "Mesure / dispositif"}
    show_columns = add_columns = edit_columns = [
        "session", "financeur", "mesure", "etat_dispositif", "etat_recrutement", "nb_places",
        "numero_marche", "prix_total", "frais_inscription", "frais_materiel", "prix_ht", "tva",
        "prix_ttc", "commentaire", "conditions_prise_en_charge",
    ]
    search_columns = ["session", "financeur", "mesure", "numero_marche", "nb_places", "prix_total"]
    manager_only_columns = ("etat_dispositif",)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "session": WRITABLE,
        "etat_dispositif": kind_filter(NomenclatureKind.ETAT_DISPOSITIF),
        "etat_recrutement": kind_filter(NomenclatureKind.ETAT_RECRUTEMENT),
    }


class RecrutementView(ScopedModelView):
    datamodel = interface(Recrutement)
    class_permission_name = RESOURCE_RECRUTEMENT
    list_title = "Modalités de recrutement"
    show_title = "Modalité de recrutement"
    add_title = "Ajouter une modalité de recrutement"
    edit_title = "Modifier la modalité de recrutement"
    list_columns = ["session.reference", "modalite.libelle", "numero", "date_debut", "heure_debut",
                    "heure_fin", "nb_places", "ville"]
    label_columns = {"session.reference": "Session", "modalite.libelle": "Modalité"}
    show_columns = add_columns = edit_columns = [
        "session", "modalite", "numero", "date_debut", "date_fin", "heure_debut", "heure_fin",
        "nb_places", "a_distance", "url", "ligne", "code_postal", "ville", "commentaire",
    ]
    search_columns = ["session", "modalite", "numero", "date_debut", "code_postal", "ville", "a_distance"]
    base_order = ("date_debut", "asc")
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "session": WRITABLE,
        "modalite": kind_filter(NomenclatureKind.MODALITE_RECRUTEMENT),
    }
    search_form_query_rel_fields = {"modalite": kind_filter(NomenclatureKind.MODALITE_RECRUTEMENT)}


class CycleAlternanceView(ScopedModelView):
    datamodel = interface(CycleAlternance)
    class_permission_name = RESOURCE_CYCLE
    list_title = show_title = "Cycles de l'alternance"
    add_title = "Ajouter une année de cycle"
    edit_title = "Modifier l'année de cycle"
    list_columns = ["annee", "effectif_minimal", "capacite_simultanee", "capacite_cumulee",
                    "unites_centre", "unites_entreprise"]
    search_columns = ["annee", "effectif_minimal", "capacite_simultanee", "capacite_cumulee"]
    show_columns = add_columns = edit_columns = [
        "session", "annee", "type_cycle", "type_alternance", "effectif_minimal",
        "capacite_simultanee", "capacite_cumulee", "unite_rythme", "unites_centre", "unites_entreprise",
    ]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "session": WRITABLE,
        "type_cycle": kind_filter(NomenclatureKind.TYPE_CYCLE),
        "type_alternance": kind_filter(NomenclatureKind.TYPE_ALTERNANCE),
        "unite_rythme": kind_filter(NomenclatureKind.UNITE_RYTHME),
    }


class SessionView(ChecksPanelMixin, SessionBulkMixin, CloseRecrutementActionMixin, ArchiveActionMixin, ScopedModelView):
    datamodel = interface(Session)
    class_permission_name = RESOURCE_SESSION
    exclude_route_methods = EXCLUDED_VIEW_ROUTES | NO_DELETE  # archived, never deleted (E11, F15)
    base_filters = SCOPE + HIDE_DRAFTS + ESPACE
    list_title = "Sessions"
    show_title = "Session"
    add_title = "Créer une session"
    edit_title = "Modifier la session"
    list_columns = ["reference", "formation.intitule", "debut", "fin", "etat_libelle"]
    search_columns = ["reference", "formation", "debut", "fin", "etat"]
    order_columns = ["reference", "debut", "fin"]
    base_order = ("debut", "desc")
    show_fieldsets = [
        ("Session", {"fields": ["reference", "formation", "etat_libelle", "debut", "fin",
                                "a_la_demande", "entree_sortie_permanente"]}),
        ("Contact", {"fields": ["contact", "contact_a_verifier", "contact_autre", "referent_handicap",
                                "referent_mobilite"]}),
        ("Durée", {"fields": ["duree_centre", "duree_entreprise", "duree_totale", "duree_hebdomadaire",
                              "duree_indicative", "duree_commentaire"]}),
        ("Modalités", {"fields": ["prerequis", "type_parcours", "rythmes", "modalite_enseignement",
                                  "modalites_pedagogiques", "niveau_entree", "niveau_entree_obligatoire",
                                  "equipements", "modalites_commentaire"]}),
        ("Inscription", {"fields": ["lieu_inscription", "modalites_inscription", "url_session"]}),
        ("Blocs de compétences", {"fields": ["validation_blocs", "blocs"]}),
    ]
    # A session is created with its dates (from its formation's page); the OF formateur, lieu,
    # lieu d'inscription and contact are defaulted (F3–F5, app/commands/defaults.py), the rest is
    # filled in its page's tabs.
    add_columns = ["formation", "debut", "fin", "a_la_demande", "entree_sortie_permanente", "duree_centre",
                   "duree_entreprise"]
    edit_columns = [
        "formation", "debut", "fin", "a_la_demande", "entree_sortie_permanente",
        "contact", "contact_autre", "referent_handicap", "referent_mobilite",
        "duree_centre", "duree_entreprise", "duree_hebdomadaire", "duree_indicative", "duree_commentaire",
        "prerequis", "type_parcours", "rythmes", "modalite_enseignement", "modalites_pedagogiques",
        "niveau_entree", "niveau_entree_obligatoire", "equipements", "modalites_commentaire",
        "lieu_inscription", "modalites_inscription", "url_session", "validation_blocs", "blocs",
    ]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "formation": WRITABLE,
        "contact": WRITABLE,
        "lieu_inscription": WRITABLE,
        "type_parcours": kind_filter(NomenclatureKind.TYPE_PARCOURS),
        "rythmes": kind_filter(NomenclatureKind.RYTHME),
        "modalite_enseignement": kind_filter(NomenclatureKind.MODALITE_ENSEIGNEMENT),
        "modalites_pedagogiques": kind_filter(NomenclatureKind.MODALITE_PEDAGOGIQUE),
        "niveau_entree": kind_filter(NomenclatureKind.NIVEAU),
        "validation_blocs": kind_filter(NomenclatureKind.VALIDATION_BLOCS),
    }
    tabs, child_lists = SESSION_TABS, SESSION_CHILDREN
    required_columns = ("debut", "fin")  # F1
    show_after_add = True
    show_load_options = SESSION_TREE

    def heading(self, session) -> str:
        return f"Session {session.reference} — {session.formation.intitule}"

    def prefill_form(self, form, pk):
        for_session(form, pk, "lieu_inscription", "blocs")

    def picker_context(self, name):
        session_id = session_arg()
        if not session_id:
            return None
        return {"lieu_inscription": formateurs_lieux, "blocs": formation_blocs}.get(name, lambda _: None)(session_id)

    def visible_tabs(self, session):
        """The cycles tab is for apprentissage (F8) or a session that already has cycles."""
        return tuple(t for t in self.tabs if t.key != "cycles" or session.formation.apprentissage or session.cycles)

    def extra_child_links(self, session) -> dict:
        """(label, url, icon, in a dialog): the Excel import of recrutements; for each OF formateur,
        a new lieu at its address, added to the session (F3, F4)."""
        lieux = [(f"Créer un lieu à l'adresse de {link.structure}",
                  url_for("LieuView.add", _flt_0_structure=link.structure_id, session=session.id), "fa-map-marker",
                  True) for link in sorted(session.formateurs, key=lambda f: not f.principal)
                 if may(ACTION_ADD, RESOURCE_LIEU)]
        return {"recrutements": [("Importer des modalités de recrutement (Excel)",
                                  url_for("SessionView.import_recrutements", pk=session.id), "fa-upload", False)],
                "lieux": lieux}

    @staticmethod
    def checks_for(session) -> dict:
        record = session_record_problems(session)
        return {
            "problems": record,
            "completeness": completeness(session),
            "readiness": [{"title": "", "partners": partner_readiness(session, record=record)}],
        }

    # Import of the recrutement calendar from Excel (app/imports): write scope (the endpoint is a
    # write endpoint in app/security/scope.py), same checks as the form.
    @expose("/import_recrutements/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def import_recrutements(self, pk):
        session = self._scoped_get(pk)
        result = None
        if request.method == "POST":
            upload = request.files.get("fichier")
            content = upload.read(MAX_BYTES + 1) if upload is not None and upload.filename else None
            try:
                result = ImportRecrutements(session, content, g.user).run()
            except (Locked, Invalid) as refused:
                result = ImportResult(problems=[LineProblem(0, "", str(refused))])
            else:
                if result.created:
                    flash(f"{result.created} modalité(s) de recrutement importée(s).", "success")
                    for warning in result.warnings:
                        flash(f"Ligne {warning.line} : {warning.message}", "warning")
                    return redirect(url_for("SessionView.show", pk=session.id))
        return self.render_template("portal/import_recrutements.html", offer_session=session, result=result,
                                    columns=IMPORT_COLUMNS, max_rows=MAX_ROWS)

    @expose("/duplicate/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def duplicate(self, pk):
        """F14: a copy with everything but the dates; lieux and contact to be checked."""
        session = self._scoped_get(pk)
        if request.method == "POST":
            try:  # NotFound and Forbidden answer 404 and 403 by themselves
                copy = DuplicateSession(session, g.user).run()
            except AlreadyDone as done:
                flash(str(done), "info")
                return redirect(url_for("SessionView.edit", pk=done.done_id))
            except (Locked, Invalid) as refused:
                flash(str(refused), "danger")
                return redirect(url_for("SessionView.show", pk=session.id))
            flash("Session dupliquée : renseignez ses dates, vérifiez ses lieux et son contact, puis soumettez "
                  "la formation pour validation.", "success")
            return redirect(url_for("SessionView.edit", pk=copy.id))
        return self.render_template(
            "portal/confirm_action.html", title="Dupliquer la session",
            question=f"Dupliquer la session {session.reference} ({session.formation.intitule}) ? Tout est copié sauf "
                     "les dates et les modalités de recrutement ; les lieux et le contact seront à vérifier.",
            back=url_for("SessionView.show", pk=session.id))

    @expose("/import_recrutements_modele")
    @has_access
    @permission_name(ACTION_EDIT)
    def import_recrutements_template(self):
        return Response(template_workbook(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="modalites-recrutement.xlsx"'})



class FormationView(ChecksPanelMixin, ArchiveActionMixin, ScopedModelView):
    datamodel = interface(Formation)
    class_permission_name = RESOURCE_FORMATION
    exclude_route_methods = EXCLUDED_VIEW_ROUTES | NO_DELETE  # archived, never deleted (E11, F15)
    base_filters = SCOPE + HIDE_DRAFTS + ESPACE

    def prefill_add(self, form):
        """A new formation belongs to the espace structure's siège (E1, A4); its niveau d'entrée is
        *sans niveau spécifique* until the organisation says otherwise (E2)."""
        espace = current_espace()
        if espace is not None and "structure" in form:
            form.structure.data = espace.parent or espace
        elif "structure" in form:  # no espace chosen: the only siège the user may create under, if one
            sieges = db.session.execute(scoped(select(Structure).where(Structure.parent_id.is_(None)), Structure,
                                               write=True).limit(2)).scalars().all()
            if len(sieges) == 1 and not is_manager(current_user()):
                form.structure.data = sieges[0]
        if "niveau_entree" in form and form.niveau_entree.data is None:
            form.niveau_entree.data = db.session.execute(select(Nomenclature).where(
                Nomenclature.kind == NomenclatureKind.NIVEAU, Nomenclature.code == SANS_NIVEAU)).scalar_one_or_none()

    def change_requestable(self, formation) -> bool:
        return formation.etat == FormationEtat.DIFFUSEE and formation.draft_of_id is None

    # E2: a certifiante formation is created from its certification, chosen in the form.
    extra_pickers = {"certification": Certification}
    full_add_template = "portal/modal_form.html"  # the portal's form: required fields marked, fields grouped

    def process_form(self, form, is_created):
        if is_created and "certification" in form:
            g._portal_certification = form.certification.data

    def pre_add(self, item):
        """The certification chosen at creation becomes the formation's principal one (E2)."""
        certification = getattr(g, "_portal_certification", None)
        if certification is not None and not item.certifications:
            item.certifiante = True
            item.certifications = [FormationCertification(certification=certification, principal=True)]

    @expose("/certification/<pk>")
    @has_access
    @permission_name(ACTION_READ)
    def certification(self, pk):
        """What a certification pre-fills in a new formation's form (E2): its intitulé, niveau de
        sortie, objectifs and contenu (its blocs), and a warning when it ends (F2)."""
        from .pickers import certification_label

        certification = db.session.get(Certification, parse_pk(pk)) or abort(404)
        return jsonify(certification_prefill(certification, certification_label(certification)))
    list_title = "Formations"
    show_title = "Formation"
    add_title = "Créer une formation"
    edit_title = "Modifier la formation"
    list_columns = ["reference", "intitule", "structure.nom", "certifiante", "etat_libelle"]
    search_columns = ["reference", "intitule", "structure", "certifiante", "apprentissage", "etat"]
    order_columns = ["reference", "intitule"]
    show_fieldsets = [
        ("Formation", {"fields": ["reference", "intitule", "complement_intitule", "structure", "etat_libelle", "certifiante",
                                  "apprentissage", "duree_cycle"]}),
        ("Contenu", {"fields": ["objectifs", "contenu", "resultats", "niveau_entree", "niveau_sortie",
                                "objectif_general"]}),
        ("Domaines", {"fields": ["formacodes", "nsf", "romes", "mots_cles", "metiers_vises"]}),
        ("Présentation", {"fields": ["plus_formation", "url_video", "url_brochure", "url_page"]}),
    ]
    # Creation: certifiante? its certification (pre-fills the rest, E2), then the formation itself.
    add_columns = ["structure", "certifiante", "certification", "intitule", "complement_intitule", "apprentissage",
                   "duree_cycle", "niveau_entree", "niveau_sortie", "objectifs", "contenu", "resultats"]
    edit_columns = [
        "structure", "intitule", "complement_intitule", "certifiante", "apprentissage", "duree_cycle", "objectifs",
        "contenu", "resultats", "niveau_entree", "niveau_sortie", "objectif_general", "formacodes",
        "nsf", "romes", "mots_cles", "metiers_vises", "plus_formation", "url_video", "url_brochure",
        "url_page",
    ]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "structure": _siege_filter(),
        "niveau_entree": kind_filter(NomenclatureKind.NIVEAU),
        "niveau_sortie": kind_filter(NomenclatureKind.NIVEAU),
        "objectif_general": kind_filter(NomenclatureKind.OBJECTIF_GENERAL),
        "formacodes": kind_filter(NomenclatureKind.FORMACODE),
        "nsf": kind_filter(NomenclatureKind.NSF),
        "romes": kind_filter(NomenclatureKind.ROME),
    }
    tabs, child_lists = FORMATION_TABS, FORMATION_CHILDREN
    required_columns = ("structure", "intitule", "objectifs")
    show_after_add = True
    remote_columns = ("formacodes", "nsf", "romes")  # code lists of hundreds or thousands of codes: pickers
    formatters_columns = {name: format_rich_text for name in RICH_TEXT}
    show_load_options = FORMATION_TREE

    def heading(self, formation) -> str:
        return f"Formation {formation.reference} — {formation.intitule}"

    def page_extras(self, formation, writable: bool) -> dict:
        sessions = sorted(formation.sessions, key=lambda s: (s.etat == SessionEtat.ARCHIVEE, s.debut or date.max, s.id))
        visible = visible_sessions(formation)
        return {"sessions": [s for s in sessions if visible is None or s.id in visible],
                "may_add_session": writable and may(ACTION_ADD, RESOURCE_SESSION)}

    def load_details(self, formation) -> None:
        load_running_details(formation)
    edit_form_extra_fields = rich_text_fields(RICH_TEXT)
    add_form_extra_fields = {**rich_text_fields(RICH_TEXT), "certification": picker_field(
        "FormationView", "certification", Certification, "Certification",
        "Code RNCP, RS ou mots de l'intitulé ; l'intitulé, le niveau de sortie, les objectifs et le contenu "
        "sont pré-remplis à partir du référentiel (modifiables).")}

    # Workflow (app/workflow/transitions.py): a confirmation page with a comment, then `fire`.
    @expose("/transition/<name>/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def transition(self, name, pk):
        formation = self._scoped_get(pk)
        transition = TRANSITIONS.get(name) or abort(404)
        actor = actor_of(g.user)
        comment = request.form.get("commentaire", "")
        motifs = db.session.execute(select(Nomenclature).where(
            Nomenclature.kind == NomenclatureKind.MOTIF_ARCHIVAGE).order_by(Nomenclature.ordre)).scalars().all()
        motif = next((m for m in motifs if str(m.id) == request.form.get("motif")), None)
        error = None
        if request.method == "POST":
            try:
                result = FireTransition(formation, name, g.user, comment=comment, motif=motif).run()
            except Invalid as refused:
                formation = self._scoped_get(pk)
                error = str(refused)
            else:
                flash(transition.done, "success")
                return redirect(url_for("FormationView.show", pk=result.id))
        elif transition not in available(formation, actor):
            error = f"Action impossible : la formation est « {formation.etat_libelle} »."
        return self.render_template("portal/transition.html", formation=formation, transition=transition,
                                    error=error, comment=comment, motifs=motifs, motif=motif)

    @expose("/duplicate/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_DUPLICATE)
    def duplicate(self, pk):
        """E12: only the Carif-Oref duplicates a formation (a permission of the Gestionnaire)."""
        formation = self._scoped_get(pk)
        if request.method == "POST":
            try:  # NotFound and Forbidden answer 404 and 403 by themselves
                copy = DuplicateFormation(formation, g.user).run()
            except AlreadyDone as done:
                flash(str(done), "info")
                return redirect(url_for("FormationView.show", pk=done.done_id))
            except Invalid as refused:
                flash(str(refused), "danger")
                return redirect(url_for("FormationView.show", pk=formation.id))
            flash("Formation dupliquée : la copie est en cours de création, avec ses sessions sans dates.", "success")
            return redirect(url_for("FormationView.show", pk=copy.id))
        return self.render_template(
            "portal/confirm_action.html", title="Dupliquer la formation",
            question=f"Dupliquer la formation {formation.reference} ({formation.intitule}) et ses sessions en cours ?",
            back=url_for("FormationView.show", pk=formation.id))

    @staticmethod
    def checks_for(formation) -> dict:
        # A formateur reading another organisation's formation (A3) sees only his sessions.
        # None: every session (a manager's scope has no clause, no query to ask).
        visible = visible_sessions(formation)
        live = [s for s in formation.sessions if s.etat != SessionEtat.ARCHIVEE and (visible is None or s.id in visible)]
        # Each session checked once, the formation's habilitations read once (not per session).
        records = {s.id: session_record_problems(s) for s in live}
        habilitation = habilitation_problems(formation)
        return {
            "problems": formation_tree_problems(formation, session_ids=visible, records=records,
                                                habilitation=habilitation),
            "completeness": formation_completeness(formation),
            "readiness": [
                {"title": f"Session {s.reference} ({format_date(s.debut)} – {format_date(s.fin)})",
                 "partners": partner_readiness(s, record=records[s.id], habilitation=habilitation)}
                for s in live
            ],
        }

    full_edit_template = "appbuilder/general/model/edit_cascade.html"
