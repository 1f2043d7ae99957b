"""The portal's logs (issue 16 item 4): one line per request, errors with their traceback, and a
request id that ties them together and that the French 500 page shows as its reference.

- LOG_FORMAT=text (default): `2026-12-07 10:00:00,123 INFO app.requests [3f2a…] GET /login/ 200 12 ms`;
  LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id, and the
  request's fields), for a log collector.
- The request id is the incoming X-Request-ID when it looks like one (a reverse proxy's, e.g.
  nginx's $request_id), else generated here; every answer carries it back in X-Request-ID.
- The request line says who (user id), what (method, endpoint, route *pattern*: tokens in paths
  such as an activation link never reach the log), the status and the duration. Never a form,
  a body, a query string or a header value.

`configure(fmt, level)` sets the root handler for a process that serves (gunicorn.conf.py) or works
(`flask jobs worker`); `install(app)` (create_app) adds the request hooks. Kept free of Flask-AppBuilder
imports: gunicorn's master imports it before any application exists.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Accepted from a client or a proxy: 8 to 100 characters of a safe alphabet (nginx's $request_id,
# UUIDs, …); anything else is replaced by a generated one, so the id is always safe to print.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
REQUEST_FIELDS = ("user_id", "method", "endpoint", "route", "status", "duration_ms")
# Loggers that say nothing useful to an operator below WARNING (alembic lists its plugins each time
# an application is created, i.e. in every worker).
QUIET = ("alembic",)

requests_log = logging.getLogger("app.requests")


def request_id() -> str:
    """This request's id: the incoming X-Request-ID when sane, else a new one (16 hex digits)."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Gives every record `request_id` ("-" outside a request), whichever logger wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the traceback of an error in `traceback`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def handler(fmt: str = "text", stream=None) -> logging.Handler:
    """A handler writing `fmt` lines, each with its request id, to `stream` (default stderr)."""
    result = logging.StreamHandler(stream)
    result._portal = True
    result.setFormatter(formatter(fmt))
    result.addFilter(RequestIdFilter())
    return result


def configure(fmt: str = "text", level: str = "INFO") -> logging.Handler:
    """The root logger writes to stderr in `fmt` ("text" or "json") from `level` on; a second call
    replaces the handler it added (idempotent)."""
    root = logging.getLogger()
    for previous in list(root.handlers):
        if getattr(previous, "_portal", False):
            root.removeHandler(previous)
    result = handler(fmt)
    root.addHandler(result)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return result


def dict_config(fmt: str = "text", level: str = "INFO") -> dict:
    """The same set-up as `configure`, as a logging.config.dictConfig dictionary for gunicorn's
    `logconfig_dict`. In json mode gunicorn's own lines (start, workers, access when enabled) go
    through the same handler, so that stderr is JSON lines only; in text mode gunicorn keeps its
    own formats (access lines on stdout)."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"portal": {"()": JsonFormatter} if fmt == "json" else {"format": TEXT_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "portal",
                                "filters": ["request_id"], "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {name: {"level": "WARNING"} for name in QUIET},
    }
    if fmt == "json":
        for name in ("gunicorn.error", "gunicorn.access"):
            config["loggers"][name] = {"level": "INFO", "handlers": [], "propagate": True}
    return config


# Paths that carry a secret: the activation and password reset links (app/views/accounts.py).
SECRET_PATH = re.compile(r"/(activation|reinitialisation)/[^/?#\s\"]+")


def without_secrets(text):
    """`text` (a request line, a path, a referrer) with the secret part of such links replaced."""
    return SECRET_PATH.sub(r"/\1/[masqué]", text) if isinstance(text, str) else text


def access_logger_class():
    """gunicorn's access logger, the request line, path and referrer without the secret of an
    activation or reset link: whoever reads the access log must not be able to use them."""
    from gunicorn.glogging import Logger  # noqa: PLC0415 - only gunicorn's processes need it

    class AccessLogger(Logger):
        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            for key in ("r", "U", "f", "{referer}i"):
                if key in atoms:
                    atoms[key] = without_secrets(atoms[key])
            return atoms

    return AccessLogger


def _user_id():
    """The logged-in user's id when the request already loaded him (no query of its own)."""
    user = g.get("_login_user") or g.get("user")
    try:
        return user.id if user is not None and user.is_authenticated else None
    except Exception:  # noqa: BLE001 - a detached or half-loaded user must not break the answer
        return None


class LoginWithoutNextFilter(logging.Filter):
    """FAB 5.3 logs "Invalid redirect detected" at every login that has no `next` target (it
    checks the empty string, then goes to the home page as it should): a warning for nothing on
    each login, which hides the real ones. A refused `next` is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Invalid redirect detected") or not has_request_context():
            return True
        return bool(request.args.get("next"))


def install(app: Flask) -> None:
    fab_redirects = logging.getLogger("flask_appbuilder.utils.base")
    if not any(isinstance(f, LoginWithoutNextFilter) for f in fab_redirects.filters):
        fab_redirects.addFilter(LoginWithoutNextFilter())

    def _start():
        g._request_started = time.perf_counter()
        request_id()

    # First of every before_request hook, so that the duration and the id cover them all.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _log_request(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        started = g.get("_request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        rule = request.url_rule.rule if request.url_rule is not None else None
        fields = dict(user_id=_user_id(), method=request.method, endpoint=request.endpoint, route=rule,
                      status=response.status_code, duration_ms=duration)
        requests_log.info("%s %s %s %s ms", request.method, rule or "(aucune route)", response.status_code,
                          duration, extra=fields)
        return response
