"""The *espace structure* (SPEC A4): a contact with several structures works in one at a time,
chosen in the navbar; it drives the lists, the home counters and the structure of a new
formation. With one structure it is implicit; managers work on the whole region.

This is a view preference, not a security boundary: the row-level scope (app/security/scope.py)
applies underneath whatever is chosen."""
from __future__ import annotations

from flask import g, has_request_context, redirect, request, session, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from app.extensions import db
from app.models import Structure, StructureRight
from app.security.headers import safe_target
from app.security.scope import current_user, espace_clause, is_manager

SESSION_KEY = "espace_structure"


def espaces(user) -> list[Structure]:
    """The structures the user holds a right on, sièges first."""
    if user is None or is_manager(user):
        return []
    return list(db.session.execute(
        select(Structure).join(StructureRight, StructureRight.structure_id == Structure.id)
        .where(StructureRight.user_id == user.id)
        .order_by(Structure.parent_id.isnot(None), Structure.nom)).scalars())


def current_espace() -> Structure | None:
    """The chosen structure (implicit when the user has only one); None for managers or 'all'."""
    if not has_request_context():
        return None
    if hasattr(g, "_espace"):
        return g._espace
    mine = espaces(current_user())
    chosen = None
    if len(mine) == 1:
        chosen = mine[0]
    elif mine:
        wanted = session.get(SESSION_KEY)
        chosen = next((s for s in mine if s.id == wanted), None)
    g._espace, g._espaces = chosen, mine
    return chosen


def espace_context() -> dict:
    """Template globals for the navbar selector."""
    if not has_request_context() or current_user() is None:
        return {"espace": None, "espaces": []}
    espace = current_espace()
    return {"espace": espace, "espaces": getattr(g, "_espaces", [])}


class EspaceListFilter(BaseFilter):
    """On list pages, the chosen espace narrows formations, sessions and structures."""

    name = "Espace structure"
    arg_name = None

    def apply(self, query, value):
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1] if has_request_context() else ""
        espace = current_espace() if endpoint == "list" else None
        clause = espace_clause(self.model, espace) if espace is not None else None
        return query if clause is None else query.filter(clause)


ESPACE = [["id", EspaceListFilter, lambda: None]]


class EspaceView(BaseView):
    route_base = "/espace"

    @expose("/choisir", methods=["POST"])
    def choose(self):
        """Any logged-in user may choose among his own structures; anything else means 'all'."""
        if current_user() is None:
            return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))
        wanted = request.form.get("espace", "")
        ids = {s.id for s in espaces(current_user())}
        session[SESSION_KEY] = int(wanted) if wanted.isdecimal() and int(wanted) in ids else None
        target = request.form.get("next", "")
        return redirect(safe_target(target, url_for("HomeView.index")))
