"""Offre de formation: formations, sessions and the session's child lists (SPEC E, F, K2)."""
from __future__ import annotations

from flask import flash, g, redirect
from flask_appbuilder.actions import action
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
from app.security.scope import WRITABLE
from app.validators import compute_duree_totale
from app.workflow.archive import archive

from .base import ScopedModelView, interface
from .structures import kind_filter


class ArchiveActionMixin:
    """Bulk *Archiver* for managers (K2): archiving never deletes (F15)."""

    @action("archive", "Archiver", "Archiver les lignes sélectionnées ?", "fa-archive", single=False)
    def archive(self, items):
        items = items if isinstance(items, list) else [items]
        count = archive(db.session, items, author=g.user)
        flash(f"{count} enregistrement(s) archivé(s).", "success")
        return redirect(self.get_redirect())


def _siege_filter() -> list:
    return WRITABLE + [["parent_id", FilterEqual, None]]


class FormationCertificationView(ScopedModelView):
    datamodel = interface(FormationCertification)
    list_title = show_title = "Certifications de la formation"
    add_title = "Ajouter une certification"
    edit_title = "Modifier la certification"
    list_columns = ["certification", "principale"]
    show_columns = add_columns = edit_columns = ["formation", "certification", "principale"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"formation": WRITABLE}


class SessionFormateurView(ScopedModelView):
    datamodel = interface(SessionFormateur)
    list_title = show_title = "OF formateurs"
    add_title = "Ajouter un OF formateur"
    edit_title = "Modifier l'OF formateur"
    list_columns = ["structure.raison_sociale", "principal"]
    label_columns = {"structure.raison_sociale": "OF formateur"}
    show_columns = add_columns = edit_columns = ["session", "structure", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"session": WRITABLE, "structure": WRITABLE}


class SessionLieuView(ScopedModelView):
    datamodel = interface(SessionLieu)
    list_title = show_title = "Lieux de formation"
    add_title = "Ajouter un lieu de formation"
    edit_title = "Modifier le lieu de formation"
    list_columns = ["lieu.nom", "lieu.code_postal", "lieu.ville", "principal"]
    label_columns = {"lieu.nom": "Lieu", "lieu.code_postal": "Code postal", "lieu.ville": "Ville"}
    show_columns = add_columns = edit_columns = ["session", "lieu", "principal"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"session": WRITABLE, "lieu": WRITABLE}


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


class SessionView(ArchiveActionMixin, ScopedModelView):
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
    show_template = "appbuilder/general/model/show_cascade.html"
    edit_template = "appbuilder/general/model/edit_cascade.html"

    def pre_update(self, item):
        super().pre_update(item)
        item.duree_totale = compute_duree_totale(item.duree_centre, item.duree_entreprise)

    def pre_add(self, item):
        item.duree_totale = compute_duree_totale(item.duree_centre, item.duree_entreprise)


class FormationView(ArchiveActionMixin, ScopedModelView):
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
    show_template = "appbuilder/general/model/show_cascade.html"
    edit_template = "appbuilder/general/model/edit_cascade.html"
