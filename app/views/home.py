"""Home page: a short French welcome and the entry points of the user's role."""
from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose


class HomeView(IndexView):
    index_template = "portal/index.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))
        return self.render_template(self.index_template, appbuilder=self.appbuilder)
