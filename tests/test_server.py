"""The production server (issue 16 item 1): `flask portal serve` runs gunicorn with the repository's
gunicorn.conf.py and the job worker beside it, on a free loopback port and a temporary SQLite
database; it answers /healthz, /readyz and a page without naming its software, writes JSON log
lines (LOG_FORMAT=json), and Ctrl-C or SIGTERM stops the web server and the worker together."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
START_SECONDS = 120  # the app is built by the command, then by each gunicorn worker (2 cores, shared)
STOP_SECONDS = 60


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """A migrated SQLite database and an instance folder of its own, the portal's settings in the environment."""
    folder = tmp_path_factory.mktemp("serve")
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(PORTAL_INSTANCE_DIR=str(folder), DATABASE_URL=f"sqlite:///{folder / 'portal.db'}",
               REGION_CODE="28", REGION_PREFIX="04", WEB_CONCURRENCY="2", LOG_FORMAT="json",
               JOBS_SQLITE_PATH=str(folder / "jobs.db"))
    subprocess.run(FLASK + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return env, folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None):
    """(status, headers, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "flask portal serve stopped while starting"
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {START_SECONDS} s")


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid` and its command line (Linux /proc)."""
    found, queue = {}, [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                try:
                    found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    found[child] = ""
                queue.append(child)
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def assert_quiet_server(headers) -> None:
    server = (headers.get("Server") or "").lower()
    for name in ("gunicorn", "werkzeug", "python", "flask"):
        assert name not in server, headers.get("Server")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_portal_serve_runs_gunicorn_and_the_worker_and_stops_both(environment, stop):
    env, folder = environment
    base = f"http://127.0.0.1:{free_port()}"
    err_path = folder / f"stderr-{stop.name}.log"
    with open(folder / f"stdout-{stop.name}.log", "w") as out, open(err_path, "w") as err:
        serve = subprocess.Popen(FLASK + ["portal", "serve", "--bind", base.removeprefix("http://")], cwd=ROOT,
                                 env=env, stdout=out, stderr=err)
    children = {}
    try:
        wait_until_up(base + "/healthz", serve)
        children = descendants(serve.pid)
        commands = " | ".join(children.values())
        assert "gunicorn" in commands and "jobs worker" in commands, commands
        assert sum("gunicorn" in c for c in children.values()) >= 3, commands  # the master and 2 workers

        status, headers, body = get(base + "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert_quiet_server(headers)
        status, headers, body = get(base + "/readyz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, headers, body = get(base + "/login/", headers={"X-Request-ID": "test-serve-login-1"})
        assert status == 200 and "Mot de passe" in body and 'lang="fr"' in body
        assert_quiet_server(headers)
        assert headers["X-Request-ID"] == "test-serve-login-1"
        assert headers["X-Frame-Options"] == "DENY"
        status, headers, _ = get(base + "/cette-page-n-existe-pas")
        assert status == 404
        assert_quiet_server(headers)
    finally:
        serve.send_signal(stop)
        try:
            code = serve.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            for pid in [serve.pid, *children]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            raise
    assert code == 0, err_path.read_text()[-3000:]
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if alive(pid)], "a process of the server outlived it"

    lines = [json.loads(line) for line in err_path.read_text().splitlines() if line.startswith("{")]
    [login] = [line for line in lines if line.get("request_id") == "test-serve-login-1"]
    assert login["logger"] == "app.requests" and login["route"] == "/login/" and login["method"] == "GET"
    assert login["status"] == 200 and login["user_id"] is None and login["duration_ms"] > 0
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own lines are JSON too


def test_the_access_log_never_holds_the_secret_of_an_activation_or_reset_link(environment):
    """gunicorn's access log (text mode) writes every request line and referrer: the token of an
    activation or password reset link is masked there, as in the portal's own log lines."""
    env, folder = environment
    access = folder / "access.log"
    env = {**env, "LOG_FORMAT": "text", "ACCESS_LOG": str(access), "WEB_CONCURRENCY": "1"}
    base = f"http://127.0.0.1:{free_port()}"
    secret = "Zq8secretLienActivation0123456789"
    with open(folder / "stdout-access.log", "w") as out, open(folder / "stderr-access.log", "w") as err:
        serve = subprocess.Popen(FLASK + ["portal", "serve", "--bind", base.removeprefix("http://")], cwd=ROOT,
                                 env=env, stdout=out, stderr=err)
    try:
        wait_until_up(base + "/healthz", serve)
        for path in (f"/compte/activation/{secret}", f"/compte/reinitialisation/{secret}?x=1"):
            status, _, _ = get(base + path, headers={"Referer": f"{base}/compte/activation/{secret}"})
            assert status == 400  # the page saying the link is not valid
        get(base + "/login/")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=STOP_SECONDS)
    written = access.read_text()
    logs = written + (folder / "stderr-access.log").read_text() + (folder / "stdout-access.log").read_text()
    assert "/compte/activation/[masqué]" in written and "/compte/reinitialisation/[masqué]" in written
    assert "GET /login/" in written  # other paths as they are
    assert secret not in logs
