"""Offre de formation: formations, sessions and the session's child lists (SPEC E, F, K2)."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField

from app.security.permissions import (
    ACTION_ADD,
    ACTION_READ,
    ACTION_DUPLICATE,
    ACTION_EDIT,
    ACTION_HOLD,
    EXCLUDED_VIEW_ROUTES,
    NO_DELETE,
    RESOURCE_FORMATION,
    RESOURCE_LIEU,
    RESOURCE_SESSION,
)
from app.extensions import db
from app.models import (
    Certification,
    Formation,
    FormationCertification,
    Nomenclature,
    NomenclatureKind,
    Session,
    Structure,
)
from app.models.workflow import FormationEtat, SessionEtat
from app.checks import (
    completeness,
    formation_completeness,
    formation_tree_problems,
    habilitation_problems,
    partner_readiness,
    session_record_problems,
)
from app.commands import AlreadyDone, Invalid, Locked
from app.commands.actor import actor_of
from app.commands.duplicate import DuplicateFormation, DuplicateSession
from app.commands.once import FIELD as FORM_TOKEN
from app.commands.imports import ImportRecrutements
from app.commands.defaults import certification_prefill
from app.commands.records import RECORDS
from app.commands.suspension import HOLD, LIFT, SetSuspension
from app.commands.transition import FireTransition
from app.security import may
from app.security.scope import HIDE_DRAFTS, SCOPE, WRITABLE, current_user, is_manager, scoped
from app.imports.recrutements import (
    COLUMNS as IMPORT_COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportResult,
    LineProblem,
    template_workbook,
)
from app.validators.formation import SUSPENSION_MOTIF_MAX
from app.workflow.suspension import TRANSITIONS as SUSPENSION_TRANSITIONS
from app.workflow.transitions import TRANSITIONS, available

from .base import ScopedModelView, interface, parse_pk, show_problems
from .pickers import picker_field
from .espace import ESPACE, current_espace
from .offer_pages import FORMATION_CHILDREN, FORMATION_TABS, SESSION_CHILDREN, SESSION_TABS
from .tabs import session_arg
from .widgets import format_date, format_rich_text, rich_text_fields
from .structures import kind_filter
from .offer_bulk import ArchiveActionMixin, CloseRecrutementActionMixin, SessionBulkMixin
from .offer_children import for_session, formateurs_lieux, formation_blocs
from .offer_tree import FORMATION_TREE, SESSION_TREE, ChecksPanelMixin, load_running_details, visible_sessions




RICH_TEXT = RECORDS[Formation].rich_text
SANS_NIVEAU = "1"  # LHEO dict-niveaux: sans niveau spécifique (E2's default niveau d'entrée)


def _siege_filter() -> list:
    return WRITABLE + [["parent_id", FilterEqual, None]]


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
        ("Contact", {"fields": ["contact", "contact_a_verifier", "contact_autre", "referent_handicap_contact",
                                "referent_handicap", "referent_mobilite_contact", "referent_mobilite"]}),
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
        "contact", "contact_autre", "referent_handicap_contact", "referent_handicap", "referent_mobilite_contact",
        "referent_mobilite", "duree_centre", "duree_entreprise", "duree_hebdomadaire", "duree_indicative",
        "duree_commentaire",
        "prerequis", "type_parcours", "rythmes", "modalite_enseignement", "modalites_pedagogiques",
        "niveau_entree", "niveau_entree_obligatoire", "equipements", "modalites_commentaire",
        "lieu_inscription", "modalites_inscription", "url_session", "validation_blocs", "blocs",
    ]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "formation": WRITABLE,
        "contact": WRITABLE,
        "referent_handicap_contact": WRITABLE,
        "referent_mobilite_contact": WRITABLE,
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
                copy = DuplicateSession(session, g.user, token=request.form.get(FORM_TOKEN)).run()
            except AlreadyDone as done:
                flash(str(done), "info")
                return redirect(url_for("SessionView.edit", pk=done.done_id) if done.done_id
                                else url_for("SessionView.show", pk=session.id))
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



class SuspensionForm(FlaskForm):
    """G1: the reason of a hold (required, checked by app/validators), or a comment when lifting it."""
    motif = TextAreaField("Motif de la mise en suspens", render_kw={"rows": 4, "maxlength": SUSPENSION_MOTIF_MAX},
                          description="Par exemple : habilitation en cours, renouvellement de la fiche RNCP. Il est "
                                      "affiché sur la fiche, enregistré dans l'historique et envoyé à l'organisme.")


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
    search_columns = ["reference", "intitule", "structure", "certifiante", "apprentissage", "etat", "en_suspens"]
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
                result = FireTransition(formation, name, g.user, comment=comment, motif=motif,
                                        token=request.form.get(FORM_TOKEN)).run()
            except AlreadyDone as done:  # the same form sent twice: what the first one made
                flash(str(done), "info")
                return redirect(url_for("FormationView.show", pk=done.done_id or formation.id))
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

    @expose("/suspension/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_HOLD)
    def suspension(self, pk):
        """G1 (managers): put the formation on hold with a reason, or lift the hold."""
        formation = self._scoped_get(pk)
        name = LIFT if formation.en_suspens else HOLD
        transition = SUSPENSION_TRANSITIONS[name]
        form = SuspensionForm()
        form.motif.label.text = "Motif de la mise en suspens" if name == HOLD else "Commentaire (facultatif)"
        form.motif.flags.required = name == HOLD
        if request.method == "POST" and form.validate():
            try:
                SetSuspension(formation, name, g.user, motif=form.motif.data).run()
            except Invalid as invalid:
                formation = self._scoped_get(pk)
                show_problems(form, invalid.problems)
            else:
                flash(transition.done, "success")
                return redirect(url_for("FormationView.show", pk=formation.id))
        return self.render_template("portal/suspension.html", formation=formation, transition=transition, form=form)

    @expose("/duplicate/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_DUPLICATE)
    def duplicate(self, pk):
        """E12: only the Carif-Oref duplicates a formation (a permission of the Gestionnaire)."""
        formation = self._scoped_get(pk)
        if request.method == "POST":
            try:  # NotFound and Forbidden answer 404 and 403 by themselves
                copy = DuplicateFormation(formation, g.user, token=request.form.get(FORM_TOKEN)).run()
            except AlreadyDone as done:
                flash(str(done), "info")
                return redirect(url_for("FormationView.show", pk=done.done_id or formation.id))
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
