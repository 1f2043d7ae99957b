"""*Recherche de formations* (SPEC I1–I4): a GET form whose arguments are the search (so it can be
bookmarked), and the sessions found, one row each under its formation. The query lives in
app/search/formations.py; this view only parses, renders and offers the bulk actions."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import select

from app.extensions import db
from app.models import Departement, Financeur, Mesure, Nomenclature, NomenclatureKind, Session, SessionEtat
from app.search.formations import PAGE_SIZES, parse, search
from app.security import may
from app.security.permissions import (
    ACTION_ARCHIVE,
    ACTION_CLOSE_RECRUTEMENT,
    ACTION_READ,
    ACTION_SET_ETAT,
    RESOURCE_FORMATION,
    RESOURCE_SESSION,
)

from .espace import current_espace, espace_clause

# The SessionView bulk actions offered on the selected rows: (action name, permission, label).
BULK_ACTIONS = (
    ("archive", ACTION_ARCHIVE, "Archiver"),
    ("close_recrutement", ACTION_CLOSE_RECRUTEMENT, "Fermer le recrutement"),
    ("set_etat_dispositif", ACTION_SET_ETAT, "Changer l'état du dispositif"),
)

# Listed columns: (key, header). The keys are the sort keys of app/search/formations.py.
HEADERS = (
    ("reference", "Référence"), ("certification", "Certif."), ("intitule", "Intitulé"),
    ("debut", "Date de début"), ("fin", "Date de fin"), ("formateur", "OF formateur"),
    ("dispositif", "Dispositif"), ("etat", "État"), ("departement", "Dpt"), ("ville", "Ville"),
)


def choices() -> dict:
    """The lists of the form: reference data only (public, bounded), never a business table (G13)."""
    niveaux = select(Nomenclature.id, Nomenclature.libelle).where(
        Nomenclature.kind == NomenclatureKind.NIVEAU, Nomenclature.actif.is_(True)).order_by(Nomenclature.ordre,
                                                                                              Nomenclature.code)
    mesures = (select(Mesure.id, Mesure.libelle, Financeur.libelle.label("financeur"))
               .join(Financeur, Financeur.id == Mesure.financeur_id).where(Mesure.actif.is_(True))
               .order_by(Financeur.libelle, Mesure.libelle))
    departements = select(Departement.code, Departement.nom).order_by(Departement.code)
    return {
        "etats": SessionEtat.LABELS,
        "niveaux": db.session.execute(niveaux).all(),
        "mesures": db.session.execute(mesures).all(),
        "departements": db.session.execute(departements).all(),
    }


class FormationSearchView(BaseView):
    route_base = "/recherche"
    default_view = "formations"
    class_permission_name = RESOURCE_FORMATION

    @expose("/formations")
    @has_access
    @permission_name(ACTION_READ)
    def formations(self):
        espace = current_espace()  # the espace structure narrows the search, as on the lists (A4)
        page = search(parse(request.args), within=espace_clause(Session, espace) if espace else None)
        actions = [(name, label) for name, action, label in BULK_ACTIONS if may(action, RESOURCE_SESSION)]
        return self.render_template("portal/search_formations.html", page=page, c=page.criteria,
                                    headers=HEADERS, page_sizes=PAGE_SIZES, actions=actions,
                                    etat_labels=SessionEtat.LABELS, espace=espace, **choices())
