"""Address-level slowing of the login and public account forms (issue 5 §5) with FAB's
Flask-Limiter, and its count shared through Redis with the lockout by two instances (issue 16 §3).
The suite's app runs with the limiter off, so these run production-configured apps in a child
process."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


# --- shared across instances (issue 16 item 3) -----------------------------------------------------
# Two application instances (two gunicorn workers, or two machines) on one database and one Redis:
# the limiter counts in Redis (RATELIMIT_STORAGE_URI follows REDIS_URL), the lockout lives in the
# database (ab_user.fail_login_count, app/security/manager.py). A Redis database of its own, emptied
# before and after; clients are told apart by their address.
REDIS_TEST_URL = "redis://127.0.0.1:6379/7"

TWO_INSTANCES = textwrap.dedent("""
    import json, os, sys, tempfile
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "shared.db")
    os.environ["REDIS_URL"] = sys.argv[1]
    from app.factory import create_app
    settings = dict(WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT="3 per 5 minute", MAIL_SUPPRESS_SEND=True,
                    JOBS_QUEUE_NAME="portail-test-limites")
    a = create_app(**settings)
    with a.app_context():
        from flask_migrate import upgrade
        upgrade()
        sm = a.appbuilder.sm
        sm.create_roles()
        sm.add_user("marie.durand", "Marie", "Durand", "marie.durand@example.fr", sm.find_role("Contact OF"),
                    password="Juste!2026")
    b = create_app(**settings)
    assert a.config["RATELIMIT_STORAGE_URI"] == sys.argv[1] and a.appbuilder is not b.appbuilder

    def login(app, address, password="mauvais", username="x"):
        response = app.test_client().post("/login/", data={"username": username, "password": password},
                                          environ_base={"REMOTE_ADDR": address}, follow_redirects=True)
        page = response.get_data(as_text=True)
        return 429 if "Trop de tentatives" in page else ("verrouillé" if "Compte verrouillé" in page else
                                                         ("connecté" if "Bienvenue" in page else "refusé"))

    limit = [login(a, "127.0.0.2") for _ in range(3)] + [login(b, "127.0.0.2"), login(b, "127.0.0.3")]
    failures = [login(a, "127.0.0.4", username="marie.durand") for _ in range(3)]
    failures += [login(b, "127.0.0.5", username="marie.durand") for _ in range(2)]
    locked = [login(a, "127.0.0.6", "Juste!2026", "marie.durand"), login(b, "127.0.0.7", "Juste!2026", "marie.durand")]
    print(json.dumps({"limit": limit, "failures": failures, "locked": locked}))
""")


@pytest.fixture()
def redis_db():
    """Redis database 7 on the loopback, emptied before and after (skipped only when no Redis answers)."""
    import redis

    connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}: the shared rate limit cannot be tried")
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_rate_limit_and_lockout_are_shared_by_two_instances_through_redis(redis_db):
    result = subprocess.run([sys.executable, "-c", TWO_INSTANCES, REDIS_TEST_URL], cwd=ROOT, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # 3 refused logins on instance A, the 4th from the same address on B is over the limit; another
    # address is still served.
    assert outcome["limit"] == ["refusé", "refusé", "refusé", 429, "refusé"]
    # 3 failures on A and 2 on B lock the account on both, the right password included.
    assert outcome["failures"] == ["refusé"] * 5
    assert outcome["locked"] == ["verrouillé", "verrouillé"]
    assert any(key.startswith(b"LIMITS") for key in redis_db.scan_iter())  # counted in Redis, not in memory


BEHIND_A_PROXY = textwrap.dedent("""
    import os, tempfile
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "proxy.db")
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("RATELIMIT_STORAGE_URI", None)
    from app.factory import create_app
    app = create_app(WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT="2 per 5 minute", PROXY_COUNT=1)
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    client = app.test_client()

    def login(forwarded_for):
        return client.post("/login/", data={"username": "x", "password": "y"},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    print([login("203.0.113.5"), login("203.0.113.5"), login("203.0.113.5"), login("198.51.100.7")])
""")


def test_behind_a_proxy_the_limit_counts_each_client_not_the_proxy():
    # nginx connects from 127.0.0.1 for everybody; with PROXY_COUNT=1 the client is X-Forwarded-For's.
    result = subprocess.run([sys.executable, "-c", BEHIND_A_PROXY], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[302, 302, 429, 302]"
