"""Excel export of the formations search (SPEC J1, J2): `/recherche/export/excel` takes the search
page's arguments (`/recherche/formations?…`) plus the checked rows (`rowid`, optional; none means
the whole search), by GET or POST (a POST carries the form's csrf_token).

Up to EXCEL_DIRECT_MAX_ROWS sessions the answer is the file. Beyond, a POST queues the export and
leads to the notifications, where the file arrives; a GET first shows how many sessions and asks
(queueing is a change: it goes through a POST form). The command decides (app/commands/exports.py)."""
from __future__ import annotations

from flask import flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name

from app.commands import Invalid
from app.commands.exports import RequestExcelExport, RequestLheoExport
from app.exports.excel import XLSX_MIME
from app.exports.lheo import LHEO_MIME
from app.exports.selection import selected_ids
from app.search.criteria import parse
from app.security.permissions import ACTION_READ, RESOURCE_FORMATION
from app.security.scope import current_user

from .espace import current_espace


class ExcelExportView(BaseView):
    route_base = "/recherche/export"
    class_permission_name = RESOURCE_FORMATION  # who may search the formations may export them

    @expose("/excel", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_READ)
    def excel(self):
        return self._export(RequestExcelExport, XLSX_MIME)

    @expose("/lheo", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_READ)
    def lheo(self):
        """J1: the same search or selection as LHEO 2.3 — its validated sessions only."""
        return self._export(RequestLheoExport, LHEO_MIME)

    def _export(self, request_command, mimetype: str):
        args = request.values
        selected = selected_ids(args.getlist("rowid"))
        espace = current_espace()
        command = request_command(args, current_user(), selected=selected, espace_id=espace.id if espace else None,
                                     queue=request.method == "POST")
        back = url_for("FormationSearchView.formations", **parse(args).url_args())
        try:
            result = command.run()
        except Invalid as refusal:
            flash(str(refusal), "warning")
            return redirect(back)
        if result.content is not None:
            return send_file(result.content, mimetype=mimetype, as_attachment=True, download_name=result.file_name,
                             max_age=0)
        if result.notification is not None:
            flash(f"Export de {result.total} sessions en préparation : le fichier arrivera dans vos notifications.",
                  "info")
            return redirect(url_for("NotificationView.list"))
        fields = [(name, value) for name, value in parse(args).url_args().items() if name not in ("page", "taille")]
        fields += [("rowid", i) for i in selected or ()]
        return self.render_template("portal/export_confirm.html", total=result.total, fields=fields, back=back,
                                    label=command.format.label, action=url_for(request.endpoint))
