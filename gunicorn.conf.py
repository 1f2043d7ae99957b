"""gunicorn's settings for the portal (issue 16 item 1): `flask portal serve`, `make serve` and
`make run` start `gunicorn -c gunicorn.conf.py wsgi:app` with them. Every value can be changed by
an environment variable; docs/deploiement.md lists them.

- PORTAL_BIND: address and port (default 127.0.0.1:8080; behind a reverse proxy on another host,
  e.g. 0.0.0.0:8080 with a firewall).
- WEB_CONCURRENCY: worker processes (default 2 × cores + 1, at most 8); WEB_THREADS: threads per
  worker (default 2), so that a slow answer (an export) does not hold a whole process.
- WEB_TIMEOUT: seconds a request may take before its worker is replaced (default 60; large
  exports go to the job queue); graceful shutdown lets running requests end within 30 s.
- FORWARDED_ALLOW_IPS: the reverse proxy's addresses, whose X-Forwarded-Proto is believed (default
  the loopback); the client's address behind it is PROXY_COUNT's business (config.py).
- LOG_FORMAT (text|json), LOG_LEVEL: the portal's logs (app/logs.py). ACCESS_LOG: gunicorn's access
  log, "-" (stdout, the default in text mode), a file, or empty for none (the default in json mode,
  where the portal's one JSON line per request is the access log).
"""
import multiprocessing
import os

import gunicorn.http.wsgi

from app.logs import access_logger_class, dict_config

# The server does not name itself: gunicorn writes "Server: gunicorn" on every answer and
# SERVER_SOFTWARE="gunicorn/<version>" in the WSGI environment (gunicorn 27.0.1, http/wsgi.py reads
# both module globals when it answers). The application drops any Server header of its own
# (app/security/headers.py); this is the one the server adds after it.
gunicorn.http.wsgi.SERVER = "portail"
gunicorn.http.wsgi.SERVER_SOFTWARE = "portail"

wsgi_app = "wsgi:app"
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 2)
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 30
# Idle keep-alive connections are kept 20 s: a browser reading a page for less than that reuses its
# connection (gthread keeps idle ones in its poller, not in a thread); closing them sooner makes
# a client that sends just as the server closes read "connection reset".
keepalive = int(os.environ.get("WEB_KEEPALIVE") or 20)
# A worker is replaced after this many requests (plus a random part, so not all at once): memory
# that a long life accumulates is given back.
max_requests = 2000
max_requests_jitter = 200
# Each worker builds its own application (no preload): Flask-AppBuilder and SQLAlchemy's pools are
# not shared across a fork (FAB-NOTES G6).
preload_app = False
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files, off a possibly slow disk

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
errorlog = "-"
accesslog = os.environ.get("ACCESS_LOG", "-" if LOG_FORMAT != "json" else "") or None
# Combined format, the duration in ms and the portal's request id (its X-Request-ID answer header).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
# The secret of an activation or reset link never reaches the access log (app/logs.py).
logger_class = access_logger_class()
logconfig_dict = dict_config(LOG_FORMAT, loglevel)
proc_name = "portail"
# gunicorn 27's control socket (~/.gunicorn/gunicorn.ctl, for gunicornc) is not used: two servers on
# one machine (a test beside `make run`) would fight over its path.
control_socket_disable = True
