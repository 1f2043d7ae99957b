"""The session's and formation's child lists (certifications, formateurs, lieux, financements,
recrutements, cycles) as dialog forms of the record pages (SPEC E, F)."""
from __future__ import annotations

from sqlalchemy import select
from wtforms import SelectField

from app.security.permissions import (
    ACTION_CODIFY,
    RESOURCE_CYCLE,
    RESOURCE_FINANCEMENT,
    RESOURCE_FORMATION_CERTIFICATION,
    RESOURCE_RECRUTEMENT,
    RESOURCE_SESSION,
    RESOURCE_SESSION_FORMATEUR,
    RESOURCE_SESSION_LIEU,
)
from app.extensions import db
from app.models import (
    BlocCompetences,
    CycleAlternance,
    Financement,
    FormationCertification,
    Lieu,
    Mesure,
    NomenclatureKind,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
)
from app.security import may
from app.security.scope import WRITABLE
from app.workflow.principal import keep_one_principal

from .base import ScopedModelView, interface
from .tabs import session_arg
from .structures import kind_filter


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


PRISE_EN_CHARGE = {None: "Selon le financeur", True: "Oui", False: "Non"}


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
        "numero_marche", "prix_total", "prix_ht", "tva", "prix_ttc", "frais_inscription", "frais_materiel",
        "frais_certification", "frais_additionnels", "frais_additionnels_details", "commentaire",
        "prise_en_charge_frais", "conditions_prise_en_charge",
    ]
    search_columns = ["session", "financeur", "mesure", "numero_marche", "nb_places", "prix_total"]
    manager_only_columns = ("etat_dispositif",)
    # Seed 004: oui / non, or left to the financeur (the LHEO export then says whether a funder pays).
    add_form_extra_fields = edit_form_extra_fields = {
        "prise_en_charge_frais": SelectField(
            "Prise en charge des frais pédagogiques", choices=list(PRISE_EN_CHARGE.items()),
            coerce=lambda value: {"True": True, "False": False, "None": None, "": None}.get(str(value), None)),
    }
    formatters_columns = {"prise_en_charge_frais": lambda value: PRISE_EN_CHARGE[value]}
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

