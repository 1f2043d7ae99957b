"""Benchmark of the region-sized dataset (`app.demo.region.load_region`), of a few list
queries on it, then of every list page and the formation page (scripts/bench_pages.py: server
time against the raw SQL of the same page, queries for 10 and 100 rows), the search and the bulk
archive (scripts/bench_search.py), the tableau de bord and pilotage (scripts/bench_dashboard.py), the Excel export (scripts/bench_excel.py) and the LHEO export
(scripts/bench_lheo.py: against an lxml writer fed by raw SQL, and its memory for the region and
twice the region). Prints figures only.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_scratch \\
        .venv/bin/python scripts/bench_region.py

Without DATABASE_URL it uses a fresh SQLite file under /tmp (removed first; kept with
BENCH_REUSE=1). BENCH_PARTS chooses what is measured (default pages,search,dashboard,excel,lheo). On another
database it builds the schema with the migrations (`flask db upgrade`), so point it at an empty
scratch database; if the dataset is already there, `load_region` says so and the queries run
on what is there.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SQLITE = Path("/tmp/bench_region.db")


def timed(callable_, repeat: int = 5) -> tuple[float, object]:
    """Median milliseconds over `repeat` runs (after one warm-up) and the last result."""
    result = callable_()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = callable_()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    parts = set((os.environ.get("BENCH_PARTS") or "pages,search,dashboard,excel,lheo").split(","))
    if not url:
        if not os.environ.get("BENCH_REUSE"):  # BENCH_REUSE=1 measures the dataset already there
            DEFAULT_SQLITE.unlink(missing_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE}"
    print(f"Base : {url}")

    from app.factory import create_app  # one create_app() per process (Flask-AppBuilder)

    # The pages are measured through the test client, logged in as the demo gestionnaire.
    app = create_app(SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, AUTH_RATE_LIMITED=False,
                     RATELIMIT_ENABLED=False)
    with app.app_context():
        from flask_appbuilder import Model
        from flask_migrate import upgrade
        from sqlalchemy import func, select

        from app.demo import load_demo
        from app.demo.region import TABLES, load_region
        from app.extensions import db
        from app.models import Formation, Session, Structure
        from app.refdata import load_all

        started = time.perf_counter()
        upgrade()
        app.appbuilder.sm.create_roles()
        load_all(db.session)
        print(f"Schéma et référentiels : {time.perf_counter() - started:.1f} s")

        print(load_demo(db.session, referentials=False))  # demo users (the gestionnaire) and region
        started = time.perf_counter()
        summary = load_region(db.session)
        elapsed = time.perf_counter() - started
        print(summary)
        print(f"Génération : {elapsed:.1f} s (limite 180 s)")

        print("Lignes par table :")
        metadata = Model.metadata
        for name in TABLES:
            count = db.session.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
            print(f"  {name:<25} {count:>8}")

        session = db.session

        def formations_page():
            # FAB list page: count + 25 rows ordered by reference, joined to the OF responsable.
            total = session.execute(select(func.count(Formation.id))).scalar_one()
            rows = session.execute(
                select(Formation.id, Formation.reference, Formation.intitule, Structure.raison_sociale,
                       Formation.certifiante, Formation.etat)
                .join(Structure, Structure.id == Formation.structure_id)
                .order_by(Formation.reference).limit(25).offset(2500)
            ).all()
            return total, len(rows)

        def sessions_by_dates():
            start, end = date(2026, 1, 1), date(2026, 3, 31)
            where = (Session.debut >= start, Session.debut <= end)
            total = session.execute(select(func.count(Session.id)).where(*where)).scalar_one()
            rows = session.execute(
                select(Session.id, Session.reference, Session.debut, Session.fin, Session.etat,
                       Formation.intitule)
                .join(Formation, Formation.id == Session.formation_id)
                .where(*where).order_by(Session.debut, Session.id).limit(25)
            ).all()
            return total, len(rows)

        def sessions_per_etat():
            return session.execute(
                select(Session.etat, func.count(Session.id)).group_by(Session.etat).order_by(Session.etat)
            ).all()

        print("Requêtes (médiane de 5, en ms) :")
        ms, (total, page) = timed(formations_page)
        print(f"  liste des formations, page de 25 (+ count, jointure structure) : {ms:7.1f} ms "
              f"({total} formations, {page} lignes)")
        ms, (total, page) = timed(sessions_by_dates)
        print(f"  sessions débutant du 01/01/2026 au 31/03/2026, page de 25 (+ count) : {ms:7.1f} ms "
              f"({total} sessions, {page} lignes)")
        ms, per_etat = timed(sessions_per_etat)
        print(f"  nombre de sessions par état : {ms:7.1f} ms "
              f"({', '.join(f'{etat} {count}' for etat, count in per_etat)})")
        db.session.remove()

    # Outside the application context: each request of the test client gets its own, as in production.
    from scripts.bench_pages import run as bench_pages

    from scripts.bench_search import run as bench_search

    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    if "pages" in parts:
        bench_pages(app, repeat=repeat)
    if "search" in parts:
        bench_search(app, repeat=repeat)
    if "dashboard" in parts:
        from scripts.bench_dashboard import run as bench_dashboard

        bench_dashboard(app, repeat=repeat)
    if "excel" in parts:  # the Excel export against openpyxl writing the raw SQL's rows (child processes)
        from scripts.bench_excel import run as bench_excel

        bench_excel(url)
    if "lheo" in parts:  # child processes, on the same database
        from scripts.bench_lheo import run as bench_lheo

        bench_lheo(url)


if __name__ == "__main__":
    main()
