"""Structured logs (issue 16 item 4, app/logs.py): one JSON line per request with its request id,
user, route, status and duration; an error's traceback logged under the request id that the French
500 page shows as its reference; no password nor form body in the log."""
from __future__ import annotations

import html
import io
import json
import logging
import re
from contextlib import contextmanager
from unittest import mock

import pytest

from app import logs
from app.extensions import db
from tests.conftest import PASSWORDS


@contextmanager
def json_log():
    """The portal's JSON handler (LOG_FORMAT=json) on the root logger, into a buffer; yields a
    function returning the lines written so far, parsed."""
    buffer = io.StringIO()
    handler = logs.handler("json", stream=buffer)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def request_lines(lines):
    return [line for line in lines if line["logger"] == "app.requests"]


def user_id(username: str) -> int:
    from flask import current_app

    return db.session.query(current_app.appbuilder.sm.user_model).filter_by(username=username).one().id


def test_a_request_logs_one_json_line_with_its_fields(login):
    client = login("contact")
    with json_log() as lines:
        response = client.get("/")
    assert response.status_code == 200
    [line] = request_lines(lines())
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", line["request_id"])
    assert line["user_id"] == user_id("contact")
    assert (line["method"], line["endpoint"], line["route"], line["status"]) == ("GET", "HomeView.index", "/", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_an_anonymous_request_and_a_route_pattern_never_a_token(client):
    token = "jeton-secret-1234567890"
    with json_log() as lines:
        client.get(f"/compte/activation/{token}")
    [line] = request_lines(lines())
    assert line["user_id"] is None
    assert line["route"] == "/compte/activation/<token>"
    assert token not in json.dumps(lines())


def test_a_sane_incoming_request_id_is_kept_another_is_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a9c01d2e4"})
    assert kept.headers["X-Request-ID"] == "nginx-7f3a9c01d2e4"
    for hostile in ("<script>alert(1)</script>", "court", "x" * 101, "a b c d e f g h"):
        replaced = client.get("/healthz", headers={"X-Request-ID": hostile})
        assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["X-Request-ID"]), hostile


def test_passwords_and_form_bodies_are_not_logged(client, reset_demo):
    with json_log() as lines:
        client.post("/login/", data={"username": "contact", "password": PASSWORDS["contact"]})
        client.post("/login/", data={"username": "contact", "password": "Mauvais!Secret42"})
    written = json.dumps(lines())
    assert request_lines(lines()) and "Contact!2026" not in written and "Mauvais!Secret42" not in written


def test_a_500_page_in_french_shows_the_reference_of_the_logged_traceback(app, login):
    client = login("contact")

    def broken():
        raise RuntimeError("panne simulée du tableau de bord")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # TESTING re-raises; production shows the 500 page
    try:
        with json_log() as lines, mock.patch.dict(app.view_functions, {"HomeView.index": broken}):
            response = client.get("/", headers={"X-Request-ID": "support-2026-12-07-a"})
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    page = html.unescape(response.get_data(as_text=True))
    assert "Une erreur inattendue est survenue" in page and "Référence de l'erreur" in page
    reference = re.search(r'class="error-reference">([^<]+)<', page).group(1)
    assert reference == "support-2026-12-07-a" == response.headers["X-Request-ID"]
    assert "RuntimeError" not in page and "Traceback" not in page

    [error] = [line for line in lines() if "traceback" in line]
    assert error["level"] == "ERROR" and error["request_id"] == reference
    assert "Traceback (most recent call last)" in error["traceback"]
    assert "RuntimeError: panne simulée du tableau de bord" in error["traceback"]
    [request] = request_lines(lines())
    assert request["request_id"] == reference and request["status"] == 500


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_line_outside_any_request_says_so(fmt):
    buffer = io.StringIO()
    handler = logs.handler(fmt, stream=buffer)
    record = logging.LogRecord("app.jobs.tasks", logging.INFO, __file__, 1, "purge_drafts: %s", (3,), None)
    handler.handle(record)
    written = buffer.getvalue()
    assert "purge_drafts: 3" in written
    if fmt == "json":
        assert json.loads(written)["request_id"] == "-"
    else:
        assert " [-] purge_drafts: 3" in written


def test_a_login_without_next_logs_no_invalid_redirect_but_a_refused_next_does(client, reset_demo):
    """FAB warned "Invalid redirect detected" at every ordinary login (no `next`); an operator
    reading the log must only see it when a target was actually refused."""
    def warnings() -> list[str]:
        return [line["message"] for line in lines() if "Invalid redirect" in line["message"]]

    with json_log() as lines:
        answer = client.post("/login/", data={"username": "contact", "password": PASSWORDS["contact"]})
        assert answer.status_code == 302 and not warnings()
        client.get("/logout/")
        answer = client.post("/login/?next=https://ailleurs.example/piege",
                             data={"username": "contact", "password": PASSWORDS["contact"]})
        assert answer.status_code == 302 and "ailleurs.example" not in answer.headers["Location"]
        assert len(warnings()) == 1
