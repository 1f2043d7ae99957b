"""Home page: the *tableau de bord* of the espace structure (SPEC A4, H1) — counters that open
the lists of what they count — and, for managers, the *pilotage* (queue, charts) at /pilotage."""
from flask import abort, g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.dashboard.counters import board
from app.dashboard.pilotage import pilotage
from app.security.scope import is_manager

from .espace import current_espace


class HomeView(IndexView):
    index_template = "portal/index.html"

    def _user(self):
        user = getattr(g, "user", None)
        return user if user is not None and user.is_authenticated else None

    def _login(self):
        return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))

    @expose("/")
    def index(self):
        user = self._user()
        if user is None:
            return self._login()
        espace = current_espace()
        manager = is_manager(user)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, espace=espace,
                                    board=board(espace), manager=manager,
                                    pilotage=pilotage(charts=False) if manager else None)

    @expose("/pilotage")
    def pilotage(self):
        """Managers only: contacts are refused (403)."""
        user = self._user()
        if user is None:
            return self._login()
        if not is_manager(user):
            abort(403)
        return self.render_template("portal/pilotage.html", appbuilder=self.appbuilder, pilotage=pilotage())
