"""*Gestion › Rapports des flux LHEO*: the gap report of the last `flask lheo export` and of the
last flow of each partner (what was left out and why, what was written by default), read from
the summaries app/lheo/files.py keeps; the detail of each as CSV. Managers only (LheoReport)."""
from __future__ import annotations

from pathlib import Path

from flask import abort, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name

from app.checks.partners import PARTNERS
from app.lheo.files import KINDS, last_reports
from app.lheo.report import BLOCKING, CLEANED, DEFAULT, EXCLUDED
from app.security.permissions import ACTION_READ, RESOURCE_LHEO_REPORT

TITLES = {"export": "Export LHEO (flask lheo export)", **{kind: f"Flux {label}" for kind, label in PARTNERS.items()}}
NATURE_LABELS = {
    BLOCKING: "Formation écartée",
    EXCLUDED: "Session hors périmètre",
    DEFAULT: "Valeur par défaut",
    CLEANED: "Texte corrigé",
}


class LheoReportView(BaseView):
    route_base = "/lheo"
    default_view = "rapports"
    class_permission_name = RESOURCE_LHEO_REPORT

    @expose("/rapports")
    @has_access
    @permission_name(ACTION_READ)
    def rapports(self):
        reports = last_reports()
        return self.render_template("portal/lheo_reports.html", reports=[
            (kind, TITLES[kind], reports[kind]) for kind in KINDS if kind in reports],
            natures=NATURE_LABELS)

    @expose("/rapports/<kind>.csv")
    @has_access
    @permission_name(ACTION_READ)
    def detail(self, kind: str):
        """The CSV detail of the last report of `kind` (only the files the reports name)."""
        summary = last_reports().get(kind) if kind in KINDS else None
        path = Path(summary["csv"]) if summary and summary.get("csv") else None
        if path is None or not path.is_file():
            abort(404)
        return send_file(path, mimetype="text/csv", as_attachment=True, download_name=path.name)
