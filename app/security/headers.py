"""What the portal says about itself over HTTP: the security headers of every answer (pages, error
pages, API, static files, redirects), the redirect targets it accepts, the hosts it answers for and
the public address its e-mailed links use.

Content-Security-Policy: scripts come from the portal's own files or carry the answer's nonce.
FAB 5.3's templates already write `nonce="{{ baselib.get_nonce() }}"` on every inline <script> and
fill it from a Jinja global named `csp_nonce` when one exists; the project's templates use the same
macro, so no FAB template needs copying; inline event handlers (onclick=…) are refused, the
templates use data-confirm / data-autosubmit instead (init.html). Inline `style=` attributes (FAB's
templates, select2, ab_filters.js's `attr('style', …)`) need 'unsafe-inline' for styles; a <style>
element needs the nonce (style-src-elem, which browsers without CSP 3 ignore).
"""
from __future__ import annotations

import re
import secrets
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, g, request
from werkzeug.exceptions import SecurityError
from werkzeug.serving import WSGIRequestHandler

SERVER = "portail"
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer", "microphone",
    "midi", "payment", "usb"))
HSTS = "max-age=31536000; includeSubDomains"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


def csp_nonce() -> str:
    """The nonce of this answer's inline scripts (a Jinja global: FAB's baselib.get_nonce() reads it)."""
    if "_csp_nonce" not in g:
        g._csp_nonce = secrets.token_urlsafe(18)
    return g._csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        # style= attributes of FAB's templates and widgets (and ab_filters.js, select2) need
        # 'unsafe-inline'; <style> elements are refused unless they carry the nonce.
        "style-src 'self' 'unsafe-inline'",
        f"style-src-elem 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# --- redirect targets ------------------------------------------------------------------------------


def _has_control_or_space(text: str) -> bool:
    return any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text)


def is_local_path(target) -> bool:
    """A plain path of this site: "/formationview/list/?page_0=1". Refused: "//evil", "\\\\evil",
    "/\\evil", "http://evil", "javascript:…", their percent-encoded forms ("/%2F%2Fevil",
    "/%5Cevil") and targets with whitespace or control characters (browsers strip or ignore them)."""
    if not isinstance(target, str) or not target.startswith("/") or "\\" in target or _has_control_or_space(target):
        return False
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    for _ in range(3):  # as written, then decoded twice: what a browser or a proxy might decode
        if path.startswith("//") or "\\" in path or _has_control_or_space(path):
            return False
        path = unquote(path)
    return not urlsplit(target).netloc


def safe_target(target, default: str = "/") -> str:
    """`target` as a plain path of this site (an absolute address of the site, as Flask-Login and FAB
    write `next=`, becomes its path), else `default`."""
    if is_local_path(target):
        return target
    if is_site_url(target):
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if is_local_path(path):
            return path
    return default


def _own_hostnames() -> set[str]:
    names = {urlsplit(current_app.config.get("PORTAL_BASE_URL") or "").hostname}
    if current_app.config.get("SERVER_NAME"):
        names.add(urlsplit("//" + current_app.config["SERVER_NAME"]).hostname)
    try:
        names.add(urlsplit("//" + request.host).hostname)  # request.host is checked against TRUSTED_HOSTS
    except SecurityError:
        pass
    return {name for name in names if name}


def is_site_url(location: str) -> bool:
    """A redirect target on this site: a local path, or an absolute http(s) address of one of its hosts
    (Flask's own redirects, e.g. the trailing slash, are absolute)."""
    if is_local_path(location):
        return True
    if not isinstance(location, str) or "\\" in location or _has_control_or_space(location):
        return False
    parts = urlsplit(location)
    return parts.scheme in ("http", "https") and parts.hostname in _own_hostnames() and "@" not in parts.netloc


# --- public links and hosts --------------------------------------------------------------------------


def public_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, built on PORTAL_BASE_URL, never on the request's Host header."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server announces "Werkzeug/x Python/y" in a Server header of its own,
    added after the application answered; servers built with this handler say "portail" instead."""

    def version_string(self) -> str:
        return SERVER


# --- installation ------------------------------------------------------------------------------------


def install(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    def _refuse_untrusted_host():
        # Flask refuses a Host outside TRUSTED_HOSTS only when routing, after the before_request
        # hooks: refuse it first, before any hook, view or template can use it.
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception

    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)

    @app.errorhandler(SecurityError)
    def _untrusted_host(error):
        # Plain text: without a trusted host, Flask cannot build the links an HTML page needs.
        return "Adresse du site non reconnue.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.after_request
    def _secure(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config.get("SESSION_COOKIE_SECURE"):  # only behind HTTPS
            headers.setdefault("Strict-Transport-Security", HSTS)
        headers.pop("Server", None)  # the application never names its stack (see QuietRequestHandler)
        if response.status_code in REDIRECT_CODES and not is_site_url(response.location or ""):
            response.location = "/"  # any redirect whose target left the site (user-supplied `next`, …)
        return response
