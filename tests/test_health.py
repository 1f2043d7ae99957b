"""/healthz and /readyz (issue 16 item 1): they answer without a session and reveal nothing."""
from __future__ import annotations

import pytest

from app.extensions import db


def test_healthz_answers_without_a_session(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers  # no session opened


def test_readyz_checks_the_database_and_the_job_queue(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"base de données": "ok", "file des tâches": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("broken", ["base de données", "file des tâches"])
def test_readyz_says_unavailable_and_nothing_more(app, monkeypatch, broken):
    from app import health

    def down():
        raise ConnectionError("connexion refusée par 10.0.0.7:5432 (mot de passe incorrect pour portail)")

    monkeypatch.setitem(health.CHECKS, broken, down)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "indisponible" and response.json["checks"][broken] == "indisponible"
    body = response.get_data(as_text=True)
    assert "10.0.0.7" not in body and "mot de passe" not in body and "ConnectionError" not in body
    db.session.execute(db.text("SELECT 1"))  # the session is usable again


def test_readyz_reports_an_unreachable_redis(app, monkeypatch):
    from huey import RedisHuey

    from app import jobs as jobs_module
    from app.jobs import Jobs

    unreachable = RedisHuey("sante", url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    monkeypatch.setitem(app.extensions, "jobs", Jobs(unreachable, jobs_module.jobs().tasks))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["file des tâches"] == "indisponible"
