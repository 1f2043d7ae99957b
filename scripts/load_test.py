"""`make load` (issue 16 item 6): 50 simulated users for 5 minutes against the portal as it runs in
production (gunicorn and the job worker, `flask portal serve`) on PostgreSQL loaded at regional
scale, on loopback. Prints p50/p95/p99 per page, the errors and the rate of requests, then checks
that no concurrent save was lost: the contended session's version grew by exactly the number of
saves the server accepted.

Settings (environment): LOAD_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/
load_region; made, migrated and loaded with `flask demo load --scale region` when empty), LOAD_USERS
(50), LOAD_DURATION (5m), LOAD_WAIT (each user's pause between two clicks, "5,15" seconds), LOAD_PORT (8097). Bounded: locust stops at LOAD_DURATION, the server is
stopped after it whatever happens.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/load_region")
USERS = int(os.environ.get("LOAD_USERS", "50"))
DURATION = os.environ.get("LOAD_DURATION", "5m")
PORT = int(os.environ.get("LOAD_PORT", "8097"))
ACCEPTED, REFUSED = "édition concurrente : enregistrée", "édition concurrente : refusée (périmée)"


def ensure_database() -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(DATABASE_URL)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}).first():
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def prepare(plan_path: Path) -> tuple[int, int, int]:
    """Migrate, load the region when empty, make the cast; (contended session id, its version, the
    last history entry's id)."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app.demo import load_demo
    from app.extensions import db
    from app.factory import create_app
    from app.models import HistoryEntry, Session, Structure
    from scripts.load.plan import make_plan

    app = create_app(SQLALCHEMY_DATABASE_URI=DATABASE_URL)
    with app.app_context():
        upgrade()
        if (db.session.execute(select(func.count()).select_from(Structure)).scalar() or 0) < 1000:
            print("Base vide : chargement de la démo à l'échelle régionale…", flush=True)
            print(load_demo(db.session, scale="region"), flush=True)
        plan = make_plan(app.appbuilder)
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        session = db.session.get(Session, plan["contended_session"])
        last = db.session.execute(select(func.max(HistoryEntry.id))).scalar() or 0
        return session.id, session.version, last


def written(session_id: int, after_entry: int) -> tuple[int, int]:
    """The session's version now, and the direct writes its history recorded since the run began."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.factory import create_app
    from app.models import HistoryEntry, Session
    from app.workflow.direct_writes import ACTION

    app = create_app(SQLALCHEMY_DATABASE_URI=DATABASE_URL)
    with app.app_context():
        entries = db.session.execute(select(func.count()).select_from(HistoryEntry).where(
            HistoryEntry.entity == "session", HistoryEntry.entity_id == session_id, HistoryEntry.action == ACTION,
            HistoryEntry.id > after_entry)).scalar()
        return db.session.get(Session, session_id).version, entries


def wait_ready(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("Le serveur n'a pas démarré à temps.")


def report(stats_csv: Path) -> tuple[int, int]:
    """Prints the per-page table; returns (requests, failures)."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    pages = [r for r in rows if r["Type"] not in ("CHECK", "") and r["Name"] != "Aggregated"]
    print(f"\n{'page':<42} {'requêtes':>9} {'erreurs':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>6}")
    for r in sorted(pages, key=lambda r: -float(r["95%"] or 0)):
        print(f"{r['Type'] + ' ' + r['Name']:<42} {r['Request Count']:>9} {r['Failure Count']:>8} {r['50%']:>7} "
              f"{r['95%']:>7} {r['99%']:>7} {float(r['Requests/s']):>6.1f}")
    requests = sum(int(r["Request Count"]) for r in pages)
    failures = sum(int(r["Failure Count"]) for r in pages)
    rate = sum(float(r["Requests/s"]) for r in pages)
    print(f"\nTotal : {requests} requêtes, {failures} erreur(s), {rate:.1f} requêtes/s")
    return requests, failures


def main() -> int:
    ensure_database()
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REGION_CODE": os.environ.get("REGION_CODE", "28"),
           "REGION_PREFIX": os.environ.get("REGION_PREFIX", "04"), "ACCESS_LOG": "", "LOG_LEVEL": "WARNING",
           "PROXY_COUNT": "1",  # behind a proxy, as deployed: each simulated user sends his address
           "PORTAL_BASE_URL": f"http://127.0.0.1:{PORT}"}
    with tempfile.TemporaryDirectory(prefix="load-") as folder:
        folder = Path(folder)
        plan_path, saves_path = folder / "plan.json", folder / "saves.json"
        session_id, version_before, last_entry = prepare(plan_path)
        server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "portal", "serve",
                                   "--bind", f"127.0.0.1:{PORT}"], cwd=ROOT, env=env, start_new_session=True)
        try:
            wait_ready()
            print(f"Charge : {USERS} utilisateurs pendant {DURATION} sur http://127.0.0.1:{PORT}", flush=True)
            subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "scripts/load/locustfile.py"),
                            "--headless", "--users", str(USERS), "--spawn-rate", "5", "--run-time", DURATION,
                            "--reset-stats",  # the figures start once every user is there (servers warm)
                            "--host", f"http://127.0.0.1:{PORT}", "--csv", str(folder / "load"), "--only-summary",
                            "--stop-timeout", "10", "--loglevel", "WARNING"],
                           cwd=ROOT, env={**env, "LOAD_PLAN": str(plan_path), "LOAD_SAVES": str(saves_path)},
                           check=False, timeout=3600)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        requests, failures = report(folder / "load_stats.csv")
        saves = json.loads(saves_path.read_text(encoding="utf-8"))
    accepted = saves[ACCEPTED]
    print(f"Éditions concurrentes de la session (toute la durée) : {accepted} enregistrée(s), "
          f"{saves[REFUSED]} refusée(s) comme périmées")
    version_after, recorded = written(session_id, last_entry)
    lost = accepted - (version_after - version_before)
    print(f"Session {session_id} : version {version_before} → {version_after}, {recorded} modification(s) "
          f"dans son historique, {accepted} enregistrement(s) acceptés ; mises à jour perdues : {lost}, "
          f"absentes de l'historique : {accepted - recorded}")
    return 0 if failures == 0 and lost == 0 and recorded == accepted else 1


if __name__ == "__main__":
    sys.exit(main())
