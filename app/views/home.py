"""Home page: a French welcome, the counters of the espace structure (SPEC A4, H1) and the entry
points of the user's role."""
from datetime import date

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.extensions import db
from app.models import Formation, FormationEtat, Session, SessionEtat
from app.security.scope import scoped

from .espace import current_espace, espace_clause

FORMATION_COUNTERS = (
    ("En cours de création", FormationEtat.EN_CREATION),
    ("En attente de validation", FormationEtat.EN_ATTENTE),
    ("Diffusées", FormationEtat.DIFFUSEE),
    ("Non diffusées", FormationEtat.NON_DIFFUSEE),
)


def counters() -> list[tuple[str, int]]:
    """Counts of the user's formations by state and of his running sessions, in his espace."""
    espace = current_espace()

    def count(model, *conditions) -> int:
        query = select(func.count()).select_from(model).where(*conditions)
        if model is Formation:
            query = query.where(Formation.draft_of_id.is_(None))
        else:
            query = query.where(Session.in_draft.is_(False))
        if espace is not None:
            query = query.where(espace_clause(model, espace))
        return db.session.execute(scoped(query, model)).scalar() or 0

    result = [(f"Formations {label.lower()}", count(Formation, Formation.etat == etat))
              for label, etat in FORMATION_COUNTERS]
    result.append(("Sessions en cours ou à venir", count(
        Session, Session.etat == SessionEtat.DIFFUSEE, Session.fin >= date.today())))
    return result


class HomeView(IndexView):
    index_template = "portal/index.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))
        return self.render_template(self.index_template, appbuilder=self.appbuilder, espace=current_espace(),
                                    counters=counters())
