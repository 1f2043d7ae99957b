"""Application factory: extensions, security, then every view and API registered in one place
(`wsgi.py` and `run.py` at the project root call it; the `flask` command finds it through wsgi.py)."""
from __future__ import annotations

from pathlib import Path

import flask_appbuilder
from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_appbuilder import AppBuilder
from flask_babel import gettext
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from .extensions import csrf, db, mail, migrate

ROOT = Path(__file__).resolve().parent.parent
FAB_TEMPLATES = Path(flask_appbuilder.__file__).resolve().parent / "templates"


def create_app(config_object: str = "config", **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    # A portal template that changes one block of a FAB template of the same name extends FAB's own
    # as "fab/appbuilder/…" (under its own name it would find the override itself).
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PrefixLoader({"fab": FileSystemLoader(str(FAB_TEMPLATES))})])
    app.config.from_object(config_object)
    app.config.update(overrides)
    _engine_options(app)
    with app.app_context():
        db.init_app(app)
        csrf.init_app(app)  # before AppBuilder, so that FAB exempts its REST API (FAB-NOTES G2)
        mail.init_app(app)
        from . import models  # noqa: F401  (registers every table on FAB's metadata)

        migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
        appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", False))
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        register_apis(appbuilder)
        from .security import headers, sessions

        headers.install(app)  # security headers on every answer, redirects kept on the site, trusted hosts
        sessions.install(app)  # sessions and API tokens ended by password changes, deactivation, logout
        from .views.espace import espace_context

        app.jinja_env.globals["espace_context"] = espace_context  # the navbar's espace selector (A4)
        from .views.offer_children import mesure_financeurs

        app.jinja_env.globals["mesure_financeurs"] = mesure_financeurs  # financeur → mesure cascade (F6)
        from .views.base import is_fragment

        app.jinja_env.globals["is_fragment"] = is_fragment  # forms asked for by a record page's dialog
        from .views.base import editable_rows, requestable_rows

        app.jinja_env.globals["editable_rows"] = editable_rows  # no pencil on a row the user cannot change
        app.jinja_env.globals["requestable_rows"] = requestable_rows  # … a Demande de modification instead
        from .commands.once import new_token
        from .views.base import row_version

        app.jinja_env.globals["row_version"] = row_version  # a bulk action refuses rows changed since (issue 16)
        app.jinja_env.globals["form_token"] = new_token  # a creating form sent twice creates once (issue 16)
        from .views.notifications import unread_notifications

        app.jinja_env.globals["unread_notifications"] = unread_notifications  # the navbar's bell (J2)
        from .views.menu import portal_menu

        app.jinja_env.globals["portal_menu"] = portal_menu  # the menu, once per roles and language
        from .communication import current_actualites, unread_threads
        from .views.communication import recent_memos
        from .views.widgets import format_rich_text

        # Communication (H2–H4): the dashboard's blocks (portal/_memos.html, _actualites.html,
        # _messagerie_unread.html) and the navbar's messagerie badge, one query each.
        app.jinja_env.globals.update(current_actualites=current_actualites, unread_threads=unread_threads,
                                     recent_memos=recent_memos)
        app.jinja_env.filters["rich_text"] = format_rich_text  # sanitised again when shown
        from . import jobs

        jobs.init_app(app)  # the job queue (Huey) and its tasks, run in this app's context
        from .region import warn_if_missing

        warn_if_missing(app)  # REGION_CODE, REGION_PREFIX: no default (app/region.py)
        # A label translated as plain text, escaped where it is written (Jinja's `_` returns it marked
        # safe: a quote in an action's label would end the HTML attribute holding it).
        app.jinja_env.filters["translate"] = lambda text: str(gettext(str(text)))
        from .views.widgets import format_datetime, format_day

        app.jinja_env.filters["datetime_fr"] = format_datetime  # 01/12/2026 21:26, Paris time
        app.jinja_env.filters["day_fr"] = format_day  # 01/12/2026
    from .health import health

    app.register_blueprint(health)  # /healthz, /readyz: no session, no data
    from . import logs

    logs.install(app)  # a request id on every answer and in the log; one log line per request
    if app.config.get("PROXY_COUNT"):  # behind a reverse proxy: the client's address and scheme
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    register_error_pages(app)
    register_guards(app)
    register_commands(app)
    return app


def register_views(appbuilder: AppBuilder) -> None:
    """Every menu entry, grouped as users see them; menu names come from the permission
    vocabulary, which the roles grant (app/security/roles.py)."""
    from .security import permissions as P
    from .views import (accounts, communication, espace, exports, links, lheo, notifications, offer, offer_children,
                        referentials, search, structures, workflow)

    # Ma structure
    appbuilder.add_view(structures.StructureView, P.MENU_STRUCTURES, icon="fa-building", category=P.MENU_STRUCTURE,
                        category_icon="fa-building")
    appbuilder.add_view(structures.CoordonneeView, P.MENU_COORDONNEES, icon="fa-phone", category=P.MENU_STRUCTURE)
    appbuilder.add_view(structures.StructureContactView, P.MENU_CONTACTS, icon="fa-user", category=P.MENU_STRUCTURE)
    appbuilder.add_view(structures.LieuView, P.MENU_LIEUX, icon="fa-map-marker", category=P.MENU_STRUCTURE)
    appbuilder.add_view(structures.HabilitationView, P.MENU_HABILITATIONS, icon="fa-certificate",
                        category=P.MENU_STRUCTURE)
    appbuilder.add_view(structures.StructureDocumentView, P.MENU_DOCUMENTS, icon="fa-file",
                        category=P.MENU_STRUCTURE)

    # Offre de formation
    appbuilder.add_view(offer.FormationView, P.MENU_FORMATIONS, icon="fa-graduation-cap", category=P.MENU_OFFER,
                        category_icon="fa-graduation-cap")
    appbuilder.add_view(search.FormationSearchView, P.MENU_SEARCH, icon="fa-search", category=P.MENU_OFFER)
    appbuilder.add_view(offer.SessionView, P.MENU_SESSIONS, icon="fa-calendar", category=P.MENU_OFFER)
    appbuilder.add_view(offer_children.FinancementView, P.MENU_FINANCEMENTS, icon="fa-eur", category=P.MENU_OFFER)
    appbuilder.add_view(offer_children.RecrutementView, P.MENU_RECRUTEMENTS, icon="fa-users", category=P.MENU_OFFER)
    for view in (offer_children.FormationCertificationView, offer_children.SessionFormateurView,
                 offer_children.SessionLieuView, offer_children.CycleAlternanceView):
        appbuilder.add_view_no_menu(view)
    appbuilder.add_view(workflow.ValidationQueueView, P.MENU_QUEUE, icon="fa-check-square-o",
                        category=P.MENU_OFFER)
    appbuilder.add_view(links.LinkErrorsView, P.MENU_LINK_ERRORS, icon="fa-chain-broken", category=P.MENU_OFFER)
    public = appbuilder.add_view_no_menu(accounts.AccountPublicView)
    if appbuilder.sm.is_auth_limited:  # public forms (requests, reset links): FAB's Flask-Limiter, per address
        limit = current_app.config.get("ACCOUNT_RATE_LIMIT", "20 per hour")
        appbuilder.sm.limiter.limit(limit, methods=["POST"])(public.blueprint)
    appbuilder.add_view_no_menu(espace.EspaceView)
    # Exports of the search (J1; large ones land in the notifications, J2) and the bell's page
    appbuilder.add_view_no_menu(exports.ExcelExportView)
    appbuilder.add_view_no_menu(notifications.NotificationView)

    # Communication (H2–H4): messagerie with the Carif-Oref, actualités, the user's mémos
    appbuilder.add_view(communication.MessagerieView, P.MENU_MESSAGERIE, icon="fa-envelope",
                        category=P.MENU_COMMUNICATION, category_icon="fa-comments")
    appbuilder.add_view(communication.ActualiteView, P.MENU_ACTUALITES, icon="fa-newspaper-o",
                        category=P.MENU_COMMUNICATION)
    appbuilder.add_view(communication.MemoView, P.MENU_MEMOS, icon="fa-sticky-note-o", category=P.MENU_COMMUNICATION)

    # Référentiels
    appbuilder.add_view(referentials.CertificationView, P.MENU_CERTIFICATIONS, icon="fa-certificate",
                        category=P.MENU_REFERENTIALS, category_icon="fa-book")
    appbuilder.add_view(referentials.FinanceurView, P.MENU_FINANCEURS, icon="fa-eur", category=P.MENU_REFERENTIALS)
    appbuilder.add_view(referentials.MesureView, P.MENU_MESURES, icon="fa-list", category=P.MENU_REFERENTIALS)
    appbuilder.add_view(referentials.NomenclatureView, P.MENU_NOMENCLATURES, icon="fa-list-ol",
                        category=P.MENU_REFERENTIALS)
    appbuilder.add_view(referentials.DepartementView, P.MENU_DEPARTEMENTS, icon="fa-map",
                        category=P.MENU_REFERENTIALS)
    appbuilder.add_view(referentials.RegionView, P.MENU_REGIONS, icon="fa-map-o", category=P.MENU_REFERENTIALS)
    appbuilder.add_view_no_menu(referentials.BlocCompetencesView)

    # Gestion
    appbuilder.add_view(referentials.StructureRightView, P.MENU_RIGHTS, icon="fa-key", category=P.MENU_MANAGEMENT,
                        category_icon="fa-cogs")
    appbuilder.add_view(referentials.HistoryEntryView, P.MENU_HISTORY, icon="fa-history",
                        category=P.MENU_MANAGEMENT)
    appbuilder.add_view(accounts.AccountRequestView, P.MENU_ACCOUNT_REQUESTS, icon="fa-user-plus",
                        category=P.MENU_MANAGEMENT)
    appbuilder.add_view(accounts.ContactAccountView, P.MENU_CONTACT_ACCOUNTS, icon="fa-users",
                        category=P.MENU_MANAGEMENT)
    appbuilder.add_link(P.MENU_UNCONFIRMED, href="/structureview/a-confirmer", icon="fa-calendar-check-o",
                        category=P.MENU_MANAGEMENT)
    appbuilder.add_view(lheo.LheoReportView, P.MENU_LHEO_REPORT, icon="fa-exchange", category=P.MENU_MANAGEMENT)
    appbuilder.add_view(lheo.LheoImportView, P.MENU_LHEO_IMPORT, icon="fa-upload", category=P.MENU_MANAGEMENT)


def register_apis(appbuilder: AppBuilder) -> None:
    from flask_appbuilder.api.manager import SwaggerView

    from .api import FormationApi, SessionApi, StructureApi
    from .api.errors import install_jwt_answers
    from .api.messages import install_french_messages
    from .api.openapi import PortalOpenApi

    install_french_messages()
    install_jwt_answers(current_app)  # refused tokens: 401 and a French message, as documented

    for api in (StructureApi, FormationApi, SessionApi):
        appbuilder.add_api(api)
    # The OpenAPI document of what its reader may call, and Swagger UI on it (FAB_ADD_OPENAPI_VIEWS=False).
    appbuilder.add_api(PortalOpenApi)
    if current_app.config.get("FAB_API_SWAGGER_UI"):
        appbuilder.add_view_no_menu(SwaggerView)


def _engine_options(app: Flask) -> None:
    """The portal's PostgreSQL connections plan every statement for its parameters and run
    without JIT compilation (POSTGRES_JIT=on keeps the server's JIT setting), both measured at
    regional scale by `make load`:

    - psycopg prepares a statement on the server from its fifth run on a connection, and
      PostgreSQL may then switch to a *generic* plan, made without the parameters' values: a
      contact's scoped counts went from 130 to 270 ms once their plan no longer knew which
      structure was asked for (`plan_cache_mode=force_custom_plan`; planning takes 1 to 3 ms);
    - a scoped count is estimated above jit_above_cost and spent 350 ms compiling for 60 ms of
      work."""
    uri = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not uri.startswith("postgresql"):
        return
    settings = ["-c plan_cache_mode=force_custom_plan"]
    if not app.config.get("POSTGRES_JIT"):
        settings.append("-c jit=off")
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args["options"] = " ".join([connect_args.get("options", ""), *settings]).strip()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def register_error_pages(app: Flask) -> None:
    from .imports.workbook import MAX_BYTES as WORKBOOK_MAX_BYTES
    from .logs import request_id
    from .validators.documents import MAX_BYTES as DOCUMENT_MAX_BYTES

    def megabytes(size: int) -> int:
        return size // (1024 * 1024)

    messages = {
        400: "La requête est invalide (formulaire expiré ? rechargez la page).",
        403: "Vous n'avez pas accès à cette page.",
        404: "Cette page n'existe pas ou vous n'y avez pas accès.",
        405: "Cette opération n'est pas permise.",
        413: f"Le fichier envoyé est trop volumineux : {megabytes(app.config['MAX_CONTENT_LENGTH'])} Mo au plus par "
             f"envoi (un classeur Excel : {megabytes(WORKBOOK_MAX_BYTES)} Mo, un document : "
             f"{megabytes(DOCUMENT_MAX_BYTES)} Mo). Réduisez-le et recommencez.",
        429: "Trop de tentatives depuis votre adresse : patientez quelques minutes avant de réessayer.",
        500: "Une erreur inattendue est survenue ; elle a été enregistrée.",
    }

    def handler(error):
        code = getattr(error, "code", 500) or 500
        # A 405 says which methods the address takes (werkzeug's MethodNotAllowed knows them).
        headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
        if request.path.startswith("/api/"):
            body = {"message": messages.get(code, messages[500])}
            if code == 500:
                body["reference"] = request_id()
            return body, code, headers
        if "user" not in g:  # errors raised before FAB's before_request (e.g. CSRF) have no g.user
            g.user = current_user
        from .security.headers import safe_target

        back = safe_target(request.referrer or "", "") if code in (400, 413, 429) else ""
        # A 500's reference is the request id its traceback was logged with (app/logs.py).
        reference = request_id() if code == 500 else None
        return render_template("portal/error.html", code=code, message=messages.get(code, messages[500]), back=back,
                               reference=reference, appbuilder=app.appbuilder,
                               base_template=app.appbuilder.base_template), code, headers

    for code in messages:
        app.register_error_handler(code, handler)


def register_guards(app: Flask) -> None:
    """Malformed ids and list parameters are refused before they reach FAB or the database:
    ids in URLs are positive integers (else 404); page numbers and page sizes are bounded
    integers (else 400). FAB 5.3 would answer 500 to both."""
    from flask import abort

    from .views.base import MAX_PK

    @app.before_request
    def _reject_malformed_ids():
        for key in ("pk", "id"):
            value = (request.view_args or {}).get(key)
            if value is not None and (not str(value).isdecimal() or int(value) > MAX_PK):
                abort(404)
        for name, value in request.args.items():
            if name.startswith("page_") and not (value.isdecimal() and int(value) < 10**6):
                abort(400)
            if name.startswith("psize_") and not (value.isdecimal() and 0 < int(value) <= 500):
                abort(400)

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def register_commands(app: Flask) -> None:
    from .cli import demo_cli, jobs_cli, lheo_cli, links_cli, portal_cli, referentials_cli, workflow_cli

    for group in (portal_cli, referentials_cli, demo_cli, lheo_cli, workflow_cli, jobs_cli, links_cli):
        app.cli.add_command(group)
