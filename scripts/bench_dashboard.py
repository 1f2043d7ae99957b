"""The tableau de bord and the pilotage at regional scale (called by scripts/bench_region.py once
the dataset is there; prints figures, asserts nothing about time).

For the gestionnaire (the whole region: home page with its counters and queue, and /pilotage
with its charts) and for a contact of the largest organisation (its espace structure chosen;
the demo contact is given a right on it, once): the server time of the page through Flask's test
client (median of `repeat` runs after a warm-up) against the raw SQL of its counts — the
statements the dashboard code runs for that user, captured once and replayed on the driver's
connection (no ORM, no template, no request) — their ratio, and the number of queries of the
page on the full dataset.
"""
from __future__ import annotations

from sqlalchemy import event, func, select

from scripts.bench_pages import _median_ms
from scripts.bench_search import _queries

USERS = {"gestionnaire": "Gestion!2026", "contact": "Contact!2026"}


def _largest_structure(db):
    from app.models import Formation

    return db.session.execute(select(Formation.structure_id, func.count(Formation.id).label("n"))
                              .group_by(Formation.structure_id).order_by(func.count(Formation.id).desc())
                              .limit(1)).one()


def _ensure_right(app, structure_id: int) -> None:
    from app.extensions import db
    from app.models import RightLevel, StructureRight

    with app.app_context():
        user = app.appbuilder.sm.find_user(username="contact")
        exists = db.session.execute(select(StructureRight.id).where(
            StructureRight.user_id == user.id, StructureRight.structure_id == structure_id)).first()
        if exists is None:
            db.session.add(StructureRight(user_id=user.id, structure_id=structure_id, niveau=RightLevel.MODIFICATION))
            db.session.commit()
        db.session.remove()


def _count_statements(app, username: str, espace_id: int | None, charts: bool) -> list[tuple[str, object]]:
    """The SQL the dashboard's counts run for this user (and espace), captured once."""
    from flask import g

    from app.dashboard.counters import board
    from app.dashboard.pilotage import pilotage
    from app.extensions import db
    from app.models import Structure
    from app.security.scope import is_manager

    captured: list[tuple[str, object]] = []
    with app.test_request_context("/"):
        g.user = app.appbuilder.sm.find_user(username=username)
        g._espace = db.session.get(Structure, espace_id) if espace_id else None
        g._espaces = [g._espace] if g._espace else []
        manager = is_manager(g.user)

        def listener(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            if charts:
                pilotage()
            else:
                board(g._espace)
                if manager:
                    pilotage(charts=False)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.session.remove()
    return captured


def measure(app, repeat: int) -> list[dict]:
    from app.extensions import db
    from app.search.text import ensure_sqlite_function

    with app.app_context():
        structure_id, formations = _largest_structure(db)
        engine = db.engine
        db.session.remove()
    _ensure_right(app, structure_id)
    cases = [
        ("gestionnaire", "tableau de bord (région)", "/", None, False),
        ("gestionnaire", "pilotage (graphiques)", "/pilotage", None, True),
        ("contact", f"tableau de bord (organisme de {formations} formations)", "/", structure_id, False),
    ]
    results = []
    for username, name, url, espace_id, charts in cases:
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": USERS[username]})
        if espace_id:
            client.post("/espace/choisir", data={"espace": str(espace_id)})

        def server():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        statements = _count_statements(app, username, espace_id, charts)

        def raw():
            with app.app_context():
                ensure_sqlite_function(db.session)
                connection = db.session.connection()
                for statement, parameters in statements:
                    result = connection.exec_driver_sql(statement, parameters)
                    if result.returns_rows:
                        result.all()
                db.session.remove()

        server_ms, raw_ms = _median_ms(server, repeat), _median_ms(raw, repeat)
        results.append({"page": f"{name}, {username}", "server_ms": server_ms, "raw_ms": raw_ms,
                        "ratio": server_ms / raw_ms, "queries": _queries(engine, server),
                        "counts": len(statements)})
    return results


def run(app, repeat: int = 5) -> None:
    results = measure(app, repeat)
    print(f"Tableau de bord et pilotage (médiane de {repeat}) :")
    print("| page | serveur (ms) | SQL brut des comptes (ms) | ratio | requêtes de la page | dont comptes |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in results:
        flag = "" if row["ratio"] <= 3 else " ⚠"
        print(f"| {row['page']} | {row['server_ms']:.1f} | {row['raw_ms']:.1f} | {row['ratio']:.1f}×{flag} "
              f"| {row['queries']} | {row['counts']} |")
