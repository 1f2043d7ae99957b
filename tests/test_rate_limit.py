"""Address-level slowing of the login and public account forms (issue 5 §5) with FAB's
Flask-Limiter. The suite's app runs with the limiter off, and FAB keeps one app per process
(FAB-NOTES G6), so this runs a production-configured app in a child process."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import os, sys, tempfile
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "limit.db")
    from app.factory import create_app
    app = create_app(WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT="3 per 5 minute", ACCOUNT_RATE_LIMIT="2 per hour",
                     MAIL_SUPPRESS_SEND=True)
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    client = app.test_client()
    logins = [client.post("/login/", data={"username": "x", "password": "y"}).status_code for _ in range(4)]
    forms = [client.post("/compte/mot-de-passe-oublie", data={"email": "x@y.fr"}).status_code for _ in range(3)]
    page = client.post("/login/", data={"username": "x", "password": "y"}).get_data(as_text=True)
    print(logins, forms, "Trop de tentatives" in page)
""")


def test_logins_and_public_forms_are_slowed_per_address():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[302, 302, 302, 429] [200, 200, 429] True"
