"""REST resources (FAB ModelRestApi) under the same row-level scope as the views.

Relations are left out of add/edit columns on purpose: FAB 5.3 does not check the scope of a
related id on writes (FAB-NOTES G3). The parent of a new formation or session is a plain id
checked against the user's writable scope before FAB handles the request.
"""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.extensions import db
from app.models import Formation, Session, Structure
from app.security.scope import SCOPE, scoped
from app.validators import check_of_responsable
from app.views.base import MAX_PK


class ScopedRestApi(ModelRestApi):
    """ModelRestApi under the row-level scope. A new row's parent (`parent_field`, an id of
    `parent_model`) must be writable by the user, else 422 (FAB-NOTES G3)."""

    base_filters = SCOPE
    allow_browser_login = True
    page_size = 25
    parent_field: str | None = None
    parent_model = None

    def post_headless(self):
        if self.parent_field and request.is_json:
            payload = request.get_json(silent=True)
            pk = payload.get(self.parent_field) if isinstance(payload, dict) else None
            parent = _writable(self.parent_model, pk) if _is_pk(pk) else None
            if parent is None:
                return self.response_422(
                    message={self.parent_field: ["Valeur inconnue ou hors de votre périmètre."]}
                )
            problems = self.parent_problems(parent)
            if problems:
                return self.response_422(message={self.parent_field: problems})
        return super().post_headless()

    def parent_problems(self, parent) -> list[str]:
        """French reasons why `parent` cannot receive a new row (rules of app/validators)."""
        return []


def _is_pk(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PK


def _writable(model, pk):
    """The row of `model` with id `pk` if the current user may change it, else None."""
    query = scoped(db.session.query(model).filter(model.id == pk), model, write=True)
    return query.one_or_none()


class StructureApi(ScopedRestApi):
    resource_name = "structure"
    datamodel = SQLAInterface(Structure)
    list_columns = ["id", "reference", "raison_sociale", "siret", "nda", "code_postal", "ville", "etat"]
    show_columns = list_columns + [
        "enseigne", "ape", "uai", "ligne", "complement", "code_insee", "potentiel", "parent_id",
        "qualiopi_action_formation", "qualiopi_bilan", "qualiopi_vae", "qualiopi_apprentissage",
    ]
    # Identity fields (SIRET, NDA, APE, raison sociale) are not editable here (SPEC C2).
    edit_columns = ["enseigne", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee",
                    "potentiel", "demande_particuliere", "demande_contacts"]
    search_columns = ["raison_sociale", "siret", "reference", "ville"]
    include_route_methods = {"get", "get_list", "put", "info"}


FORMATION_FIELDS = [
    "intitule", "certifiante", "apprentissage", "objectifs", "contenu", "resultats", "duree_cycle",
    "plus_formation", "url_video", "url_brochure", "url_page", "mots_cles", "metiers_vises",
]


class FormationApi(ScopedRestApi):
    resource_name = "formation"
    datamodel = SQLAInterface(Formation)
    list_columns = ["id", "reference", "intitule", "structure_id", "certifiante", "apprentissage", "etat"]
    show_columns = list_columns + FORMATION_FIELDS[3:]
    edit_columns = FORMATION_FIELDS
    add_columns = ["structure_id"] + FORMATION_FIELDS
    search_columns = ["intitule", "reference", "etat"]
    include_route_methods = {"get", "get_list", "put", "post", "info"}
    parent_field, parent_model = "structure_id", Structure

    def parent_problems(self, parent) -> list[str]:
        # SPEC E1: formations are created under the structure carrying the NDA (the siège).
        return [p.message for p in check_of_responsable(is_siege=parent.parent_id is None, has_nda=bool(parent.nda))]


SESSION_FIELDS = [
    "debut", "fin", "a_la_demande", "entree_sortie_permanente", "duree_centre", "duree_entreprise",
    "prerequis", "contact_autre", "referent_handicap", "referent_mobilite",
]


class SessionApi(ScopedRestApi):
    resource_name = "session"
    datamodel = SQLAInterface(Session)
    list_columns = ["id", "reference", "formation_id", "debut", "fin", "etat"]
    show_columns = list_columns + SESSION_FIELDS[2:] + ["duree_totale"]
    edit_columns = SESSION_FIELDS
    add_columns = ["formation_id"] + SESSION_FIELDS
    search_columns = ["reference", "debut", "fin", "etat"]
    include_route_methods = {"get", "get_list", "put", "post", "info"}
    parent_field, parent_model = "formation_id", Formation
