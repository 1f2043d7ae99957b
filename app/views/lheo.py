"""*Gestion › Imports LHEO* (J4: upload, reconciliation reports) and *Gestion › Rapports des flux LHEO*: the gap report of the last `flask lheo export` and of the
last flow of each partner (what was left out and why, what was written by default), read from
the summaries app/lheo/files.py keeps; the detail of each as CSV. Managers only (LheoReport)."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from flask import (Response, abort, current_app, g, redirect, request, send_file, stream_with_context,
                   url_for)
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import func, select

from app.checks.partners import PARTNERS
from app.commands.exceptions import CommandError
from app.commands.lheo_import import NO_FILE, ImportLheo
from app.extensions import db
from app.lheo.files import KINDS, last_reports
from app.lheo.report import BLOCKING, CLEANED, DEFAULT, EXCLUDED
from app.models import LheoImport, LheoImportLine, Outcome
from app.security.permissions import ACTION_ADD, ACTION_READ, RESOURCE_LHEO_IMPORT, RESOURCE_LHEO_REPORT

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


# --- J4: LHEO imports -------------------------------------------------------------------------------

class LheoImportView(BaseView):
    """*Gestion › Imports LHEO*: upload a flow (the same command as `flask lheo import` and the
    inbox job), and the reconciliation report of each run — page and CSV. Managers only."""

    route_base = "/lheo/imports"
    default_view = "imports"
    class_permission_name = RESOURCE_LHEO_IMPORT
    PAGE = 500  # report lines per page

    @expose("/")
    @has_access
    @permission_name(ACTION_READ)
    def imports(self):
        runs = db.session.execute(select(LheoImport).order_by(LheoImport.id.desc()).limit(100)).scalars().all()
        return self.render_template("portal/lheo_imports.html", runs=runs, outcomes=Outcome.LABELS)

    @expose("/nouveau", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_ADD)
    def upload(self):
        problems = {}
        source = (request.form.get("source") or "").strip()
        if request.method == "POST":
            upload = request.files.get("fichier")
            if upload is None or not upload.filename:
                problems["fichier"] = [NO_FILE]
            else:
                run = self._import(upload, source, bool(request.form.get("partiel")), problems)
                if run is not None:
                    return redirect(url_for("LheoImportView.report", run_id=run.id))
        return self.render_template("portal/lheo_import_form.html", problems=problems, source=source)

    @staticmethod
    def _import(upload, source: str, partial: bool, problems: dict):
        """Run the import of the uploaded file (at most MAX_CONTENT_LENGTH: larger flows go through
        the inbox); the file is kept only while it is read."""
        directory = Path(current_app.config["LHEO_IMPORT_INBOX"]) / ".televersements"
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".xml")
        try:
            with os.fdopen(handle, "wb") as stream:
                upload.save(stream)
            return ImportLheo(temporary, source, user=g.user, archive_vanished=not partial,
                              display_name=Path(upload.filename).name).run()
        except CommandError as error:
            for problem in getattr(error, "problems", None) or []:
                problems.setdefault(problem.field or "fichier", []).append(problem.message)
            if not problems:
                problems["fichier"] = [str(error)]
            return None
        finally:
            Path(temporary).unlink(missing_ok=True)

    def _run(self, run_id: int) -> LheoImport:
        run = db.session.get(LheoImport, run_id)
        if run is None:
            abort(404)
        return run

    @expose("/<int:run_id>")
    @has_access
    @permission_name(ACTION_READ)
    def report(self, run_id: int):
        run = self._run(run_id)
        outcome = request.args.get("resultat") or None
        page = max(request.args.get("page", 1, type=int), 1)
        lines = select(LheoImportLine).where(LheoImportLine.import_id == run.id)
        if outcome:
            lines = lines.where(LheoImportLine.outcome == outcome)
        total = db.session.execute(select(func.count()).select_from(lines.subquery())).scalar()
        rows = db.session.execute(lines.order_by(LheoImportLine.id).offset((page - 1) * self.PAGE)
                                  .limit(self.PAGE)).scalars().all()
        return self.render_template("portal/lheo_import_report.html", run=run, lines=rows, total=total, page=page,
                                    pages=max((total + self.PAGE - 1) // self.PAGE, 1), outcome=outcome,
                                    outcomes=Outcome.LABELS, kinds=KIND_LABELS)

    @expose("/<int:run_id>.csv")
    @has_access
    @permission_name(ACTION_READ)
    def report_csv(self, run_id: int):
        run = self._run(run_id)

        def rows():
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";")
            writer.writerow(["type", "numero", "resultat", "motif", "chemin XML", "reference portail"])
            yield "\ufeff" + buffer.getvalue()
            query = (select(LheoImportLine).where(LheoImportLine.import_id == run.id)
                     .order_by(LheoImportLine.id).execution_options(yield_per=1000))
            for line in db.session.execute(query).scalars():
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([line.kind, line.numero or "", line.outcome_libelle, line.reason or "",
                                 line.path or "", line.reference or ""])
                yield buffer.getvalue()

        name = f"import-lheo-{run.id}-{run.source}.csv".replace(" ", "_")
        return Response(stream_with_context(rows()), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


KIND_LABELS = {"formation": "Formation", "action": "Action", "session": "Session", "organisme": "Organisme",
               "fichier": "Fichier"}
