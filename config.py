"""Portal configuration, read from the environment.

Every value read below from os.environ may be set in the environment (docs/deploiement.md lists them);
everything else has a sensible default for a local install. The SQLite database, the generated
secret key and the LHEO flows live under instance/. The web server's own settings (address, workers,
timeouts) are in gunicorn.conf.py.
"""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))
INSTANCE_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


APP_NAME = "Offre de formation"
SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
# PostgreSQL's JIT compilation is turned off on the portal's connections (app/factory.py): it cost
# more than whole queries at regional scale. POSTGRES_JIT=on leaves the server's own setting.
POSTGRES_JIT = _bool("POSTGRES_JIT", False)

# Region this deployment serves, no default (app/region.py): the prefix of partner numbers (SPEC
# E9, J3; Normandie: 04 → 04_150755S) and the INSEE code of the region (2016 codes; Normandie: 28)
# whose lieux and structures F4 accepts. `make run` sets Normandie's for the demo.
REGION_PREFIX = os.environ.get("REGION_PREFIX") or None
REGION_CODE = os.environ.get("REGION_CODE") or None
# E1 as Centre-Val de Loire runs it (seed 002): formations en apprentissage and scolaires are created
# by the Carif-Oref only; organisations add sessions to them. Off by default (Normandie's way).
INITIAL_FORMATIONS_BY_CARIF = os.environ.get("INITIAL_FORMATIONS_BY_CARIF", "").lower() in ("1", "true", "oui")
# Nightly LHEO flows for partners (SPEC J3) and the last gap reports the managers' page shows.
LHEO_FLOW_DIR = os.environ.get("LHEO_FLOW_DIR", str(INSTANCE_DIR / "flows"))
# LHEO imports (SPEC J4): the inbox the periodic job reads (one sub-folder per source:
# <inbox>/EOS/*.xml), and the reader's limits (whole file, one formation).
LHEO_IMPORT_INBOX = os.environ.get("LHEO_IMPORT_INBOX", str(INSTANCE_DIR / "lheo-inbox"))
LHEO_IMPORT_MAX_BYTES = int(os.environ.get("LHEO_IMPORT_MAX_BYTES", str(1 << 30)))
LHEO_IMPORT_MAX_FORMATION_BYTES = int(os.environ.get("LHEO_IMPORT_MAX_FORMATION_BYTES", str(5 << 20)))
# Qualiopi (SPEC C6): the DGEFP public list of training organisations (CSV export of data.gouv.fr)
# that the nightly job `load_qualiopi` reads; the job is skipped, with a log line, when unset.
QUALIOPI_LIST_PATH = os.environ.get("QUALIOPI_LIST_PATH") or None

# Flask-AppBuilder
AUTH_TYPE = AUTH_DB
FAB_SECURITY_MANAGER_CLASS = "app.security.manager.PortalSecurityManager"
FAB_CREATE_DB = False  # the schema comes from migrations (FAB-NOTES G7)
FAB_UPDATE_PERMS = False  # roles are defined in code (FAB_ROLES), no permission rows needed
FAB_API_SWAGGER_UI = True
# The OpenAPI document and Swagger UI are the portal's (app/api/openapi.py: each reader sees the
# operations he may call); FAB's menu API serves FAB's React front end, which the portal does not use.
FAB_ADD_OPENAPI_VIEWS = False
FAB_ADD_MENU_API = False
# Roles are code: FAB's raw permission/view-menu editors would only show internal names.
FAB_ADD_SECURITY_PERMISSION_VIEW = False
FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
FAB_ADD_SECURITY_API = True
FAB_INDEX_VIEW = "app.views.home.HomeView"
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "10 per 5 minute"  # login POSTs per address (FAB's Flask-Limiter)
RATELIMIT_ENABLED = True  # FAB 5.3 defaults it to False, which silently disables AUTH_RATE_LIMIT
# Where the limiter counts (issue 16 item 3): in Redis when REDIS_URL is set, so that every gunicorn
# worker and every machine shares one count per address; in this process's memory otherwise (one
# process counts alone: `make run` and a single small server). A Redis that stops answering does not
# make the login fail: the limiter counts in memory until it is back (and logs it).
REDIS_URL = os.environ.get("REDIS_URL") or None
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
RATELIMIT_SWALLOW_ERRORS = True
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
FAB_PASSWORD_COMPLEXITY_ENABLED = True
from app.security.passwords import check_password_complexity  # noqa: E402
from app.security.roles import FAB_ROLES  # noqa: E402,F401  (roles are code: app/security/roles.py)

FAB_PASSWORD_COMPLEXITY_VALIDATOR = check_password_complexity

# French only (FAB-NOTES §2: do not create a Babel of our own, FAB's BabelManager does it).
BABEL_DEFAULT_LOCALE = "fr"
BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
LANGUAGES = {"fr": {"flag": "fr", "name": "Français"}}
# Flask-Babel resolves relative folders against app/; FAB puts its own catalogue first and ours,
# which completes and corrects it (FAB-NOTES G10), wins.
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

# Sessions and CSRF
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)  # also turns HSTS on (app/security/headers.py)
REMEMBER_COOKIE_HTTPONLY = True
MAX_CONTENT_LENGTH = 10 * 1024 * 1024

# The portal's public address (scheme, host, port, optional path): every link in an e-mail is
# built on it, never on a request's Host header. Host headers other than TRUSTED_HOSTS (comma-separated;
# default: the PORTAL_BASE_URL host plus the loopback names) are answered 400.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or sorted(
    {urlsplit(PORTAL_BASE_URL).hostname or "127.0.0.1", "127.0.0.1", "localhost"})

# Behind a reverse proxy (docs/deploiement.md): the number of proxies in front of the portal whose
# X-Forwarded-For and X-Forwarded-Proto are believed (werkzeug's ProxyFix). 0 (default): none, the
# client is the connection's address. The rate limits count per client address: behind nginx with
# 0, every visitor would be "127.0.0.1" and share one quota.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# Logs (app/logs.py): "text" (default) or "json" (one JSON object per line, for a log collector),
# with a request id in each line that the 500 page shows as its reference.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

# Mail
MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "offre@carif-oref.example")
MAIL_SUPPRESS_SEND = _bool("MAIL_SUPPRESS_SEND", False)
# The Carif-Oref's address(es) for the messagerie's new messages (H4; comma-separated); when
# unset, the messages of organisations are e-mailed to every active Gestionnaire account.
MESSAGERIE_EMAIL = os.environ.get("MESSAGERIE_EMAIL") or None

APP_THEME = ""
FAB_API_MAX_PAGE_SIZE = 100
ACCOUNT_RATE_LIMIT = "20 per hour"  # POSTs of the public account pages, per address

# Job queue (app/jobs/): Huey on an embedded SQLite file under instance/ (no server to run);
# on Redis when REDIS_URL is set (e.g. redis://127.0.0.1:6379/0). `flask jobs worker` (started
# by `make run` with the portal) runs the tasks and the nightly ones.
JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME", "portail")
JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH", str(INSTANCE_DIR / "jobs.db"))
JOBS_WORKERS = int(os.environ.get("JOBS_WORKERS", "2"))

# Files the portal writes: exports waiting in their owner's notifications (kept
# NOTIFICATION_DAYS days), nightly partner flows.
EXPORT_FILES_DIR = os.environ.get("EXPORT_FILES_DIR", str(INSTANCE_DIR / "exports"))
NOTIFICATION_DAYS = 7
EXCEL_DIRECT_MAX_ROWS = 2000  # larger Excel exports run on the job queue (SPEC J2)

# Website link check (SPEC H5, app/links/): `flask links check` and the nightly job. Each connection
# and read waits LINK_CHECK_TIMEOUT seconds at most; LINK_CHECK_WORKERS links are checked at once;
# redirects are followed LINK_CHECK_MAX_REDIRECTS times. Addresses that are not public (private,
# loopback, link-local, multicast, reserved) are refused unless inside LINK_CHECK_ALLOWED_NETWORKS
# (comma-separated CIDR, none by default; the tests allow 127.0.0.0/8).
LINK_CHECK_TIMEOUT = float(os.environ.get("LINK_CHECK_TIMEOUT", "5"))
LINK_CHECK_WORKERS = int(os.environ.get("LINK_CHECK_WORKERS", "8"))
LINK_CHECK_MAX_REDIRECTS = int(os.environ.get("LINK_CHECK_MAX_REDIRECTS", "5"))
LINK_CHECK_ALLOWED_NETWORKS = [n.strip() for n in os.environ.get("LINK_CHECK_ALLOWED_NETWORKS", "").split(",")
                               if n.strip()]
