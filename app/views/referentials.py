"""Referentials (SPEC D1–D3) and management views for managers (rights, history)."""
from flask_appbuilder.models.sqla.filters import FilterEqual

from app.security.permissions import (
    READ_ONLY_ROUTES,
    RESOURCE_BLOC,
    RESOURCE_CERTIFICATION,
    RESOURCE_DEPARTEMENT,
    RESOURCE_FINANCEUR,
    RESOURCE_HISTORY,
    RESOURCE_MESURE,
    RESOURCE_NOMENCLATURE,
    RESOURCE_REGION,
    RESOURCE_RIGHT,
)
from app.security.scope import CONTACT_ACCOUNTS
from app.models import (
    BlocCompetences,
    Certification,
    Departement,
    Financeur,
    HistoryEntry,
    Mesure,
    Nomenclature,
    NomenclatureKind,
    Region,
    RightLevel,
    StructureRight,
)
from wtforms import SelectField
from wtforms.validators import DataRequired

from .base import ReferentialModelView, ScopedModelView, interface
from .widgets import format_author, format_date, format_datetime

ENTITY_LABELS = {"formation": "Formation", "session": "Session", "structure": "Structure"}


class NomenclatureView(ReferentialModelView):
    datamodel = interface(Nomenclature)
    class_permission_name = RESOURCE_NOMENCLATURE
    list_title = "Listes de codes"
    show_title = "Code"
    add_title = "Ajouter un code"
    edit_title = "Modifier un code"
    list_columns = ["kind", "code", "libelle", "actif"]
    show_columns = add_columns = edit_columns = ["kind", "code", "libelle", "actif", "ordre"]
    search_columns = ["kind", "code", "libelle", "actif"]
    base_order = ("kind", "asc")
    formatters_columns = {"kind": lambda v: NomenclatureKind.LABELS.get(v, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField("Liste", choices=sorted(NomenclatureKind.LABELS.items(), key=lambda c: c[1]),
                            validators=[DataRequired()]),
    }


class BlocCompetencesView(ReferentialModelView):
    datamodel = interface(BlocCompetences)
    class_permission_name = RESOURCE_BLOC
    list_title = show_title = "Blocs de compétences"
    add_title = "Ajouter un bloc"
    edit_title = "Modifier un bloc"
    list_columns = ["code", "libelle"]
    show_columns = add_columns = edit_columns = ["certification", "code", "libelle"]
    search_columns = ["code", "libelle"]


class CertificationView(ReferentialModelView):
    datamodel = interface(Certification)
    class_permission_name = RESOURCE_CERTIFICATION
    list_title = "Certifications"
    show_title = "Certification"
    add_title = "Ajouter une certification"
    edit_title = "Modifier la certification"
    list_columns = ["code_rncp", "code_rs", "intitule", "date_fin_enregistrement", "actif"]
    search_columns = ["code_rncp", "code_rs", "certif_info", "intitule", "actif"]
    show_columns = add_columns = edit_columns = [
        "certif_info", "code_rncp", "code_rs", "intitule", "type_certification", "niveau_sortie",
        "certificateurs", "education_nationale", "date_fin_enregistrement", "actif",
        "premiere_session", "derniere_session", "accessible_apprentissage", "remplacee_par",
        "nsf", "formacodes", "romes",
    ]
    formatters_columns = {
        "date_fin_enregistrement": format_date, "premiere_session": format_date,
        "derniere_session": format_date, "actif": lambda v: "En vigueur" if v else "Inactive",
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "niveau_sortie": [["kind", FilterEqual, NomenclatureKind.NIVEAU]],
        "nsf": [["kind", FilterEqual, NomenclatureKind.NSF]],
        "formacodes": [["kind", FilterEqual, NomenclatureKind.FORMACODE]],
        "romes": [["kind", FilterEqual, NomenclatureKind.ROME]],
    }
    related_views = [BlocCompetencesView]
    remote_columns = ("nsf", "formacodes", "romes")  # hundreds or thousands of codes: pickers


class MesureView(ReferentialModelView):
    datamodel = interface(Mesure)
    class_permission_name = RESOURCE_MESURE
    list_title = "Mesures et dispositifs"
    show_title = "Mesure"
    add_title = "Ajouter une mesure"
    edit_title = "Modifier la mesure"
    list_columns = ["financeur.libelle", "code", "libelle", "actif"]
    label_columns = {"financeur.libelle": "Financeur"}
    show_columns = add_columns = edit_columns = ["financeur", "code", "libelle", "nature", "publics", "actif"]
    search_columns = ["code", "libelle", "nature", "actif"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "publics": [["kind", FilterEqual, NomenclatureKind.PUBLIC]],
    }


class FinanceurView(ReferentialModelView):
    datamodel = interface(Financeur)
    class_permission_name = RESOURCE_FINANCEUR
    list_title = "Financeurs"
    show_title = "Financeur"
    add_title = "Ajouter un financeur"
    edit_title = "Modifier le financeur"
    list_columns = search_columns = ["code", "libelle"]
    show_columns = add_columns = edit_columns = ["code", "libelle"]
    related_views = [MesureView]


class DepartementView(ReferentialModelView):
    datamodel = interface(Departement)
    class_permission_name = RESOURCE_DEPARTEMENT
    list_title = show_title = "Départements"
    list_columns = ["code", "nom", "region.nom", "academie"]
    label_columns = {"region.nom": "Région"}
    show_columns = add_columns = edit_columns = ["code", "nom", "region", "academie"]
    search_columns = ["code", "nom", "academie"]
    base_order = ("code", "asc")


class RegionView(ReferentialModelView):
    datamodel = interface(Region)
    class_permission_name = RESOURCE_REGION
    list_title = show_title = "Régions"
    list_columns = ["code", "nom"]
    show_columns = add_columns = edit_columns = ["code", "nom"]


class StructureRightView(ScopedModelView):
    """Rights of users on structures (A2); granted by managers only (B5)."""

    datamodel = interface(StructureRight)
    class_permission_name = RESOURCE_RIGHT
    list_title = "Droits sur les structures"
    show_title = "Droit"
    add_title = "Accorder un droit"
    edit_title = "Modifier un droit"
    list_columns = ["user", "structure", "niveau_libelle"]
    show_columns = ["user", "structure", "niveau_libelle"]
    add_columns = edit_columns = ["user", "structure", "niveau"]
    # Rights are given to Contact OF accounts only (managers see everything without one).
    add_form_query_rel_fields = edit_form_query_rel_fields = search_form_query_rel_fields = {"user": CONTACT_ACCOUNTS}
    search_columns = ["user", "structure", "niveau"]
    add_form_extra_fields = edit_form_extra_fields = {
        "niveau": SelectField("Droit", choices=list(RightLevel.LABELS.items()), validators=[DataRequired()]),
    }


class HistoryEntryView(ScopedModelView):
    datamodel = interface(HistoryEntry)
    class_permission_name = RESOURCE_HISTORY
    list_title = show_title = "Historique"
    list_columns = ["at", "entity", "reference", "action", "comment", "author"]
    show_columns = list_columns
    search_columns = ["entity", "action", "at"]
    order_columns = ["at", "entity", "action"]
    add_columns = edit_columns = ["action"]  # no form route (read only); FAB builds the forms anyway
    base_order = ("at", "desc")
    exclude_route_methods = READ_ONLY_ROUTES
    label_columns = {"reference": "Référence"}
    formatters_columns = {"at": format_datetime, "author": format_author,
                          "entity": lambda v: ENTITY_LABELS.get(v, v)}
