"""Offre de formation: formations, sessions and the session's child lists (SPEC E, F, K2)."""
from __future__ import annotations

from flask import Response, flash, g, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.models.sqla.filters import FilterEqual

from app.extensions import db
from app.models import (
    CycleAlternance,
    Financement,
    Formation,
    FormationCertification,
    NomenclatureKind,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
)
from app.models.workflow import SessionEtat
from app.checks import (
    certification_link_problems,
    completeness,
    formation_completeness,
    formation_record_problems,
    partner_readiness,
    session_record_problems,
    cycle_problems,
    financement_problems,
    formateur_problems,
    formation_problems,
    recrutement_problems,
    session_lieu_problems,
    session_problems,
)
from app.security.scope import WRITABLE, scoped
from app.validators import compute_duree_totale
from app.workflow.archive import archive
from app.imports.recrutements import (
    COLUMNS as IMPORT_COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportResult,
    LineProblem,
    import_recrutements,
    template_workbook,
)
from app.workflow.bulk import close_recruitment
from app.workflow.principal import keep_one_principal

from .base import ScopedModelView, interface
from .widgets import format_date, format_rich_text, rich_text_fields
from .structures import kind_filter


class CloseRecruitmentActionMixin:
    """Bulk *Fermer le recrutement* for managers (K2, F16), through the financement checks."""

    @action("close_recruitment", "Fermer le recrutement",
            "Fermer le recrutement de toutes les sessions sélectionnées ?", "fa-lock", single=False)
    def close_recruitment(self, items):
        sessions = items if isinstance(items, list) else [items]
        result = close_recruitment(db.session, sessions, author=g.user)
        flash(f"Recrutement fermé sur {result.changed} financement(s) ; {result.unchanged} l'étaient déjà.",
              "success")
        for reason in result.refused:
            flash(f"Non modifié — {reason}", "warning")
        return redirect(self.get_redirect())


class ArchiveActionMixin:
    """Bulk *Archiver* for managers (K2): archiving never deletes (F15)."""

    @action("archive", "Archiver", "Archiver les lignes sélectionnées ?", "fa-archive", single=False)
    def archive(self, items):
        items = items if isinstance(items, list) else [items]
        count = archive(db.session, items, author=g.user)
        flash(f"{count} enregistrement(s) archivé(s).", "success")
        return redirect(self.get_redirect())


RICH_TEXT = ("objectifs", "contenu", "resultats")


def _siege_filter() -> list:
    return WRITABLE + [["parent_id", FilterEqual, None]]


class ChecksPanelMixin:
    """The record's page shows its checks: errors and warnings of the rules, completeness and
    partner readiness (all from app/checks)."""

    show_template = "portal/show_checks.html"

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self._scoped_get(pk)
        widgets = self._show(item.id)
        model = type(item)
        writable = scoped(db.session.query(model.id).filter(model.id == item.id), model, write=True).first()
        return self.render_template(
            self.show_template, pk=item.id, title=self.show_title, widgets=widgets,
            related_views=self._related_views, checks=self.checks_for(item), writable=writable is not None,
        )


class FormationCertificationView(ScopedModelView):
    datamodel = interface(FormationCertification)
    list_title = show_title = "Certifications de la formation"
    add_title = "Ajouter une certification"
    edit_title = "Modifier la certification"
    list_columns = ["certification", "principale"]
    show_columns = add_columns = edit_columns = ["formation", "certification", "principale"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"formation": WRITABLE}
    record_check = staticmethod(certification_link_problems)

    def pre_add(self, item):
        if item.formation is not None:
            keep_one_principal(item, item.formation.certifications, "principale")

    pre_update = pre_add

    def pre_delete(self, item):
        problems = certification_link_problems(item, removing=True)
        if problems:
            raise ValueError(" ".join(p.message for p in problems))


class SessionFormateurView(ScopedModelView):
    datamodel = interface(SessionFormateur)
    list_title = show_title = "OF formateurs"
    add_title = "Ajouter un OF formateur"
    edit_title = "Modifier l'OF formateur"
    list_columns = ["structure.raison_sociale", "principal"]
    label_columns = {"structure.raison_sociale": "OF formateur"}
    show_columns = add_columns = edit_columns = ["session", "structure", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"session": WRITABLE, "structure": WRITABLE}
    record_check = staticmethod(formateur_problems)

    def pre_add(self, item):
        if item.session is not None:
            keep_one_principal(item, item.session.formateurs)

    pre_update = pre_add


class SessionLieuView(ScopedModelView):
    datamodel = interface(SessionLieu)
    list_title = show_title = "Lieux de formation"
    add_title = "Ajouter un lieu de formation"
    edit_title = "Modifier le lieu de formation"
    list_columns = ["lieu.nom", "lieu.code_postal", "lieu.ville", "principal"]
    label_columns = {"lieu.nom": "Lieu", "lieu.code_postal": "Code postal", "lieu.ville": "Ville"}
    show_columns = add_columns = edit_columns = ["session", "lieu", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"session": WRITABLE, "lieu": WRITABLE}
    record_check = staticmethod(session_lieu_problems)

    def pre_add(self, item):
        if item.session is not None:
            keep_one_principal(item, item.session.lieux)

    pre_update = pre_add


class FinancementView(ScopedModelView):
    datamodel = interface(Financement)
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
    search_columns = ["financeur", "mesure", "numero_marche", "etat_recrutement", "session"]
    manager_only_columns = ("etat_dispositif",)
    record_check = staticmethod(financement_problems)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "session": WRITABLE,
        "etat_dispositif": kind_filter(NomenclatureKind.ETAT_DISPOSITIF),
        "etat_recrutement": kind_filter(NomenclatureKind.ETAT_RECRUTEMENT),
    }


class RecrutementView(ScopedModelView):
    datamodel = interface(Recrutement)
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
    search_columns = ["modalite", "date_debut", "ville", "session"]
    base_order = ("date_debut", "asc")
    record_check = staticmethod(recrutement_problems)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "session": WRITABLE,
        "modalite": kind_filter(NomenclatureKind.MODALITE_RECRUTEMENT),
    }


class CycleAlternanceView(ScopedModelView):
    datamodel = interface(CycleAlternance)
    list_title = show_title = "Cycles de l'alternance"
    add_title = "Ajouter une année de cycle"
    edit_title = "Modifier l'année de cycle"
    list_columns = ["annee", "effectif_minimal", "capacite_simultanee", "capacite_cumulee",
                    "unites_centre", "unites_entreprise"]
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
    record_check = staticmethod(cycle_problems)


class SessionView(ChecksPanelMixin, CloseRecruitmentActionMixin, ArchiveActionMixin, ScopedModelView):
    datamodel = interface(Session)
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
        ("Contact", {"fields": ["contact", "contact_autre", "referent_handicap", "referent_mobilite"]}),
        ("Durée", {"fields": ["duree_centre", "duree_entreprise", "duree_totale", "duree_hebdomadaire",
                              "duree_indicative", "duree_commentaire"]}),
        ("Modalités", {"fields": ["prerequis", "type_parcours", "rythmes", "modalite_enseignement",
                                  "modalites_pedagogiques", "niveau_entree", "niveau_entree_obligatoire",
                                  "equipements", "modalites_commentaire"]}),
        ("Inscription", {"fields": ["lieu_inscription", "modalites_inscription", "url_session"]}),
        ("Blocs de compétences", {"fields": ["validation_blocs", "blocs"]}),
    ]
    add_columns = edit_columns = [
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
    related_views = [
        SessionFormateurView, SessionLieuView, FinancementView, RecrutementView, CycleAlternanceView,
    ]
    edit_template = "appbuilder/general/model/edit_cascade.html"
    record_check = staticmethod(session_problems)

    @staticmethod
    def checks_for(session) -> dict:
        return {
            "problems": session_record_problems(session),
            "completeness": completeness(session),
            "readiness": [{"title": "", "partners": partner_readiness(session)}],
            "links": [("Importer des modalités de recrutement (Excel)",
                       url_for("SessionView.import_recrutements", pk=session.id), "fa-upload")],
        }

    # Import of the recruitment calendar from Excel (app/imports): write scope (the endpoint is a
    # write endpoint in app/security/scope.py), same checks as the form.
    @expose("/import_recrutements/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def import_recrutements(self, pk):
        session = self._scoped_get(pk)
        result = None
        if request.method == "POST":
            upload = request.files.get("fichier")
            if upload is None or not upload.filename:
                result = ImportResult(problems=[LineProblem(0, "", "Choisissez un fichier Excel (.xlsx).")])
            else:
                result = import_recrutements(db.session, session, upload.read(MAX_BYTES + 1), author=g.user)
                if result.created:
                    flash(f"{result.created} modalité(s) de recrutement importée(s).", "success")
                    for warning in result.warnings:
                        flash(f"Ligne {warning.line} : {warning.message}", "warning")
                    return redirect(url_for("SessionView.show", pk=session.id))
        return self.render_template("portal/import_recrutements.html", offer_session=session, result=result,
                                    columns=IMPORT_COLUMNS, max_rows=MAX_ROWS)

    @expose("/import_recrutements_modele")
    @has_access
    @permission_name("edit")
    def import_recrutements_template(self):
        return Response(template_workbook(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="modalites-recrutement.xlsx"'})

    def pre_add(self, item):
        item.duree_totale = compute_duree_totale(item.duree_centre, item.duree_entreprise)

    pre_update = pre_add


class FormationView(ChecksPanelMixin, ArchiveActionMixin, ScopedModelView):
    datamodel = interface(Formation)
    list_title = "Formations"
    show_title = "Formation"
    add_title = "Créer une formation"
    edit_title = "Modifier la formation"
    list_columns = ["reference", "intitule", "structure.raison_sociale", "certifiante", "etat_libelle"]
    search_columns = ["reference", "intitule", "structure", "certifiante", "apprentissage", "etat"]
    order_columns = ["reference", "intitule"]
    show_fieldsets = [
        ("Formation", {"fields": ["reference", "intitule", "structure", "etat_libelle", "certifiante",
                                  "apprentissage", "duree_cycle"]}),
        ("Contenu", {"fields": ["objectifs", "contenu", "resultats", "niveau_entree", "niveau_sortie",
                                "objectif_general"]}),
        ("Domaines", {"fields": ["formacodes", "nsf", "romes", "mots_cles", "metiers_vises"]}),
        ("Présentation", {"fields": ["plus_formation", "url_video", "url_brochure", "url_page"]}),
    ]
    add_columns = edit_columns = [
        "structure", "intitule", "certifiante", "apprentissage", "duree_cycle", "objectifs",
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
    related_views = [FormationCertificationView, SessionView]
    record_check = staticmethod(formation_problems)
    rich_text_columns = RICH_TEXT
    formatters_columns = {name: format_rich_text for name in RICH_TEXT}
    add_form_extra_fields = edit_form_extra_fields = rich_text_fields(RICH_TEXT)

    @staticmethod
    def checks_for(formation) -> dict:
        live = [s for s in formation.sessions if s.etat != SessionEtat.ARCHIVEE]
        return {
            "problems": formation_record_problems(formation),
            "completeness": formation_completeness(formation),
            "readiness": [
                {"title": f"Session {s.reference} ({format_date(s.debut)} – {format_date(s.fin)})",
                 "partners": partner_readiness(s)}
                for s in live
            ],
        }

    edit_template = "appbuilder/general/model/edit_cascade.html"
