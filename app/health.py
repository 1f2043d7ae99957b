"""Health endpoints for a load balancer or an orchestrator (issue 16 item 1), without
authentication and without data:

- /healthz: the process answers (no database, no queue);
- /readyz: the database answers `SELECT 1` and the job queue's storage (the embedded SQLite file,
  or Redis when REDIS_URL is set) answers; 503 when one does not. Only the names of the checks and
  ok / indisponible are said: no error text, host or version. A failure is logged."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)
health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


def _database() -> None:
    db.session.execute(text("SELECT 1"))


def _job_queue() -> None:
    from app.jobs import jobs

    jobs().huey.pending_count()  # reads the storage: the SQLite file, or Redis


CHECKS = {"base de données": _database, "file des tâches": _job_queue}


@health.get("/readyz")
def readyz():
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:  # noqa: BLE001 - any failure means not ready; the log keeps the why
            log.exception("readyz: %s unavailable", name)
            db.session.rollback()
            results[name] = "indisponible"
    ready = all(value == "ok" for value in results.values())
    response = jsonify(status="ok" if ready else "indisponible", checks=results)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
