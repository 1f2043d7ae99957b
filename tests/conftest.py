"""Test fixtures: one application per test session (Flask-AppBuilder keeps one per process,
FAB-NOTES G6), its schema built by the migrations, and the demo region loaded once.

The database comes from TEST_DATABASE_URL (default: a SQLite file in a temporary folder);
`make test` runs the suite on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_appbuilder import Model
from sqlalchemy import event, text

from app.factory import create_app
from app.extensions import db

PASSWORDS = {
    "admin": "Admin!2026",
    "gestionnaire": "Gestion!2026",
    "contact": "Contact!2026",
    "contact.autre": "Autre!2026",
}

_TMP = Path(tempfile.mkdtemp(prefix="portal-tests-"))
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"


def _reset_schema() -> None:
    """Start from an empty database, then build it with the migrations (as production does)."""
    from flask_migrate import upgrade

    Model.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


class FreshContextClient(FlaskClient):
    """Each request runs in its own application context, as in production. Without this, the
    request would reuse the test's long-lived context and share `g` (the logged-in or JWT user)
    and the database session between requests."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Mailbox:
    """A real SMTP server on loopback (aiosmtpd): what the application sends arrives here."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.original_content, policy=default))
        return "250 Message accepted"


@pytest.fixture(scope="session")
def smtp_server():
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture()
def mailbox(smtp_server, app):
    """The messages received by the loopback SMTP server during the test; the job queue starts
    empty too (e-mails are sent by its tasks: tests.helpers.deliver_queued runs them)."""
    from app.jobs import jobs

    box, _ = smtp_server
    box.messages.clear()
    jobs().huey.flush()
    return box


@pytest.fixture(scope="session")
def app(smtp_server):
    application = create_app(
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        SERVER_NAME="localhost",
        PORTAL_BASE_URL="http://localhost",  # e-mailed links (tests read them as http://localhost/…)
        REGION_CODE="28", REGION_PREFIX="04",  # the demo region, Normandie (seed 001: 04_150755S)
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server[1],
        MAIL_USE_TLS=False,
        MAIL_SUPPRESS_SEND=False,
        AUTH_RATE_LIMITED=False,
        RATELIMIT_ENABLED=False,
        # The job queue on an embedded SQLite file, and the files the portal writes, in the temporary folder.
        REDIS_URL=None,
        JOBS_SQLITE_PATH=str(_TMP / "jobs.db"),
        EXPORT_FILES_DIR=str(_TMP / "exports"),
        LHEO_FLOW_DIR=str(_TMP / "flows"),
    )
    application.test_client_class = FreshContextClient
    with application.app_context():
        _reset_schema()
        from app.demo import load_demo

        load_demo(db.session)
        yield application
        db.session.remove()


# Reference data no test changes: kept between demo reloads (loading it is most of the time).
REFERENTIAL_TABLES = {
    "nomenclature", "region", "departement", "certification", "bloc_competences", "financeur", "mesure",
    "certification_nsf", "certification_formacode", "certification_rome", "mesure_public",
}


def reload_demo() -> None:
    """Empty the offer and structure tables and load the demo region again (users and reference
    data are kept)."""
    db.session.rollback()
    business = [t for t in reversed(Model.metadata.sorted_tables)
                if not t.name.startswith("ab_") and t.name not in REFERENTIAL_TABLES]
    with db.engine.begin() as connection:
        for table in business:
            connection.execute(table.delete())
    _reset_users()
    from app.demo import load_demo

    load_demo(db.session, referentials=False)


def _reset_users() -> None:
    """Accounts created by a test go; demo users get their password back, unlocked."""
    from flask import current_app
    from werkzeug.security import generate_password_hash

    user_model = current_app.appbuilder.sm.user_model
    for user in db.session.query(user_model).all():
        if user.username not in PASSWORDS:
            db.session.delete(user)
            continue
        if user.username not in _DEMO_HASHES:  # hashing is slow: once per test session
            _DEMO_HASHES[user.username] = generate_password_hash(PASSWORDS[user.username])
        user.password = _DEMO_HASHES[user.username]
        user.active, user.fail_login_count = True, 0
    db.session.commit()


_DEMO_HASHES: dict[str, str] = {}


@pytest.fixture()
def reset_demo(app):
    """For tests that change data: reload the demo region afterwards."""
    yield
    reload_demo()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def login(client):
    """login("contact") logs the test client in as a demo user."""

    def _login(username: str):
        client.get("/logout/")
        response = client.post("/login/", data={"username": username, "password": PASSWORDS[username]},
                               follow_redirects=True)
        assert response.status_code == 200
        assert "Bienvenue" in client.get("/").get_data(as_text=True), f"login failed for {username}"
        return client

    return _login


@pytest.fixture()
def api_token(client):
    def _token(username: str) -> dict:
        response = client.post("/api/v1/security/login", json={
            "username": username, "password": PASSWORDS[username], "provider": "db"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return _token


@pytest.fixture()
def count_queries(app):
    """Counts the SQL statements run inside the `with` block: `with count_queries() as n: …; n()`."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        statements = []

        def _before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _before)
        try:
            yield lambda: len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", _before)

    return _count
