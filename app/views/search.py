"""*Recherche de formations* (SPEC I1–I4): a GET form whose arguments are the search (so it can be
bookmarked), and the sessions found, one row each under its formation. The query lives in
app/search/formations.py; this view only parses, renders and offers the bulk actions."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import select

from app.extensions import db
from app.models import Departement, Financeur, FormationEtat, Mesure, Nomenclature, NomenclatureKind, Session, SessionEtat
from app.commands.bulk import ids_of
from app.search.formations import PAGE_SIZES, matching_ids, parse, search
from app.security import may
from app.security.scope import scope_clause
from app.security.permissions import (
    ACTION_ARCHIVE,
    ACTION_CLOSE_RECRUTEMENT,
    ACTION_READ,
    ACTION_SET_ETAT,
    RESOURCE_FORMATION,
    RESOURCE_SESSION,
)

from .espace import current_espace
from .offer_bulk import archive_sessions, close_recrutement, set_etat_dispositif

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


# Arguments that change the page shown, not the sessions found: a selection outlives them.
PAGING = ("page", "taille", "tri", "ordre")


def selection_key(c) -> str:
    """The search's identity for a selection kept across pages (the criteria, not the page)."""
    return urlencode(sorted((k, v) for k, v in c.url_args().items() if k not in PAGING))


def choices() -> dict:
    """The lists of the form: reference data only (public, bounded), never a business table (G13)."""
    niveaux = select(Nomenclature.id, Nomenclature.libelle).where(
        Nomenclature.kind == NomenclatureKind.NIVEAU, Nomenclature.actif.is_(True)).order_by(Nomenclature.ordre,
                                                                                              Nomenclature.code)
    mesures = (select(Mesure.id, Mesure.libelle, Financeur.libelle.label("financeur"))
               .join(Financeur, Financeur.id == Mesure.financeur_id).where(Mesure.actif.is_(True))
               .order_by(Financeur.libelle, Mesure.libelle))
    departements = select(Departement.code, Departement.nom).order_by(Departement.code)
    etats_dispositif = select(Nomenclature.id, Nomenclature.libelle).where(
        Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF).order_by(Nomenclature.ordre)
    return {
        "etats_dispositif": db.session.execute(etats_dispositif).all(),
        "etats": SessionEtat.LABELS,
        "etats_formation": FormationEtat.LABELS,
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
        page = search(parse(request.args), espace=espace)
        actions = [(name, label) for name, action, label in BULK_ACTIONS if may(action, RESOURCE_SESSION)]
        return self.render_template("portal/search_formations.html", page=page, c=page.criteria,
                                    headers=HEADERS, page_sizes=PAGE_SIZES, actions=actions,
                                    etat_labels=SessionEtat.LABELS, espace=espace,
                                    selection_key=selection_key(page.criteria), **choices())

    @expose("/formations/actions", methods=["POST"])
    @has_access
    @permission_name(ACTION_READ)
    def actions(self):
        """A bulk action (K2) on the checked sessions — of any page, the browser keeps them — or on
        every session of the search (`tout`). The commands check the action's permission and the
        write scope; they change the rows as set operations."""
        c = parse(request.form)
        back = url_for("FormationSearchView.formations", **c.url_args())
        name = request.form.get("action", "")
        if name not in {action_name for action_name, _, _ in BULK_ACTIONS}:
            flash("Choisissez une action.", "warning")
            return redirect(back)
        if request.form.get("tout") == "1":
            espace = current_espace()
            ids = matching_ids(c, within=scope_clause(Session, write=True, espace=espace))
        else:
            ids = ids_of(request.form.getlist("rowid"))
        if not ids:
            flash("Aucune session sélectionnée.", "warning")
        elif name == "archive":
            archive_sessions(ids)
        elif name == "close_recrutement":
            close_recrutement(ids)
        elif name == "set_etat_dispositif":
            set_etat_dispositif(ids, request.form.get("etat"))
        return redirect(back)
