"""The formations search and the bulk archive at regional scale (called by scripts/bench_region.py
once the dataset is there; prints figures, asserts nothing about time).

- Search: for each query of SPEC I1–I3 (quick search, wildcard reference, code postal list, date
  range), the server time of the page (gestionnaire, through Flask's test client) against the
  hand-written SQL returning the same count and page of rows — one statement for the count, one
  for the 25 rows with their listed columns — measured in the same run, and the queries of the page
  for 10 and 100 rows.
- Bulk archive: `ArchiveSessions` on 10,000 sessions against one UPDATE plus one INSERT … SELECT
  of their history rows, each run on the same sessions and undone between runs.
"""
from __future__ import annotations

import statistics
import time

from sqlalchemy import event, text

from scripts.bench_pages import _median_ms

PASSWORD = "Gestion!2026"
ARCHIVE_COUNT = 10_000

# The listed columns of a result row (app/search/formations.py lists the same), hand-written.
_ROW = """
WITH page AS (SELECT s.id AS sid FROM session s JOIN formation f ON f.id = s.formation_id WHERE {where}
              ORDER BY f.reference, s.debut, s.id LIMIT 25)
SELECT s.id, f.id, f.reference, s.reference, f.intitule, s.debut, s.fin, s.etat,
  (SELECT coalesce(c.code_rncp, c.code_rs, c.certif_info) FROM formation_certification fc
     JOIN certification c ON c.id = fc.certification_id WHERE fc.formation_id = f.id
     ORDER BY fc.principal DESC, fc.id LIMIT 1),
  (SELECT c.date_fin_enregistrement FROM formation_certification fc
     JOIN certification c ON c.id = fc.certification_id WHERE fc.formation_id = f.id
     ORDER BY fc.principal DESC, fc.id LIMIT 1),
  (SELECT coalesce(st.enseigne, st.raison_sociale) FROM session_formateur sf
     JOIN structure st ON st.id = sf.structure_id WHERE sf.session_id = s.id ORDER BY sf.principal DESC, sf.id LIMIT 1),
  (SELECT m.libelle FROM financement fi JOIN mesure m ON m.id = fi.mesure_id WHERE fi.session_id = s.id
     ORDER BY fi.id LIMIT 1),
  (SELECT l.code_postal FROM session_lieu sl JOIN lieu l ON l.id = sl.lieu_id WHERE sl.session_id = s.id
     ORDER BY sl.principal DESC, sl.id LIMIT 1),
  (SELECT l.ville FROM session_lieu sl JOIN lieu l ON l.id = sl.lieu_id WHERE sl.session_id = s.id
     ORDER BY sl.principal DESC, sl.id LIMIT 1)
FROM page JOIN session s ON s.id = page.sid JOIN formation f ON f.id = s.formation_id
ORDER BY f.reference, s.debut, s.id
"""
_COUNT = "SELECT count(*) FROM session s JOIN formation f ON f.id = s.formation_id WHERE {where}"
_PUBLISHED = "f.draft_of_id IS NULL AND NOT s.in_draft AND s.etat <> 'archivee'"
_LIEU = "EXISTS (SELECT 1 FROM session_lieu sl JOIN lieu l ON l.id = sl.lieu_id WHERE sl.session_id = s.id AND ({}))"

SEARCHES = [
    ("recherche rapide « bâtiment »", {"q": "bâtiment"}, "portal_unaccent(f.intitule) LIKE '%batiment%'"),
    ("référence F « *01F »", {"type_reference": "F", "reference": "*01F"}, "f.reference LIKE '%01F'"),
    ("codes postaux « 14000;50*;76600 »", {"code_postal": "14000;50*;76600"},
     _LIEU.format("l.code_postal = '14000' OR l.code_postal LIKE '50%' OR l.code_postal = '76600'")),
    ("début du 01/01/2027 au 31/03/2027", {"debut_du": "2027-01-01", "debut_au": "2027-03-31"},
     "s.debut >= '2027-01-01' AND s.debut <= '2027-03-31'"),
]


def _queries(engine, call) -> int:
    statements = []

    def count(*args):
        statements.append(args[2])

    call()
    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def searches(app, repeat: int) -> list[dict]:
    from app.extensions import db
    from app.search.text import ensure_sqlite_function

    client = app.test_client()
    client.post("/login/", data={"username": "gestionnaire", "password": PASSWORD})
    with app.app_context():
        engine = db.engine
    results = []
    for name, args, where in SEARCHES:
        def server(size=25):
            response = client.get("/recherche/formations", query_string={**args, "taille": size})
            assert response.status_code == 200, response.status_code

        def raw():
            with app.app_context():
                ensure_sqlite_function(db.session)  # the same SQL function on SQLite's connection
                connection = db.session.connection()
                clause = f"{_PUBLISHED} AND ({where})"
                total = connection.execute(text(_COUNT.format(where=clause)), {"no": False}).scalar_one()
                rows = connection.execute(text(_ROW.format(where=clause)), {"no": False}).all()
                db.session.remove()
                return total, rows

        total, _ = raw()
        server_ms, raw_ms = _median_ms(server, repeat), _median_ms(raw, repeat)
        q10 = _queries(engine, lambda: server(10))
        q100 = _queries(engine, lambda: server(100))
        results.append({"page": f"recherche : {name} ({total} sessions)", "server_ms": server_ms, "raw_ms": raw_ms,
                        "ratio": server_ms / raw_ms, "q10": q10, "q100": q100})
    return results


def bulk_archive(app, repeat: int) -> dict:
    """ArchiveSessions on ARCHIVE_COUNT running sessions against one UPDATE + one INSERT … SELECT."""
    from sqlalchemy import delete, select, update

    from app.commands.bulk import ArchiveSessions
    from app.extensions import db
    from app.models import HistoryEntry, Session

    with app.app_context():
        ids = db.session.execute(select(Session.id).where(Session.etat == "diffusee").order_by(Session.id)
                                 .limit(ARCHIVE_COUNT)).scalars().all()
        manager = app.appbuilder.sm.find_user(username="gestionnaire")
        marker = db.session.execute(select(HistoryEntry.id).order_by(HistoryEntry.id.desc()).limit(1)).scalar() or 0

        def undo():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                db.session.execute(update(Session).where(Session.id.in_(chunk)).values(etat="diffusee")
                                   .execution_options(synchronize_session=False))
            db.session.execute(delete(HistoryEntry).where(HistoryEntry.id > marker))
            db.session.commit()

        def command():
            result = ArchiveSessions(ids, manager).run()
            assert result.changed == len(ids), result.changed

        id_list = ",".join(str(i) for i in ids)

        def raw():
            connection = db.session.connection()
            connection.execute(text(f"UPDATE session SET etat = 'archivee' WHERE id IN ({id_list})"))
            connection.execute(text(
                "INSERT INTO history_entry (entity, entity_id, at, action, comment, author_id) "
                f"SELECT 'session', id, CURRENT_TIMESTAMP, 'Archivage', NULL, :author FROM session WHERE id IN ({id_list})"),
                {"author": manager.id})
            db.session.commit()

        timings = {}
        for name, call in (("command", command), ("raw", raw)):
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                call()
                samples.append((time.perf_counter() - started) * 1000)
                undo()
            timings[name] = statistics.median(samples)
        executed = []
        listener = lambda *args: executed.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            command()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        undo()
        statements = len(executed)
        db.session.remove()
    return {"count": len(ids), "command_ms": timings["command"], "raw_ms": timings["raw"],
            "ratio": timings["command"] / timings["raw"], "statements": statements}


def run(app, repeat: int = 5) -> None:
    results = searches(app, repeat)
    print(f"Recherche de formations (gestionnaire, médiane de {repeat}, page de 25) :")
    print("| recherche | serveur (ms) | SQL brut (ms) | ratio | requêtes 10 lignes | requêtes 100 lignes |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in results:
        flag = "" if row["ratio"] <= 3 else " ⚠"
        print(f"| {row['page']} | {row['server_ms']:.1f} | {row['raw_ms']:.1f} | {row['ratio']:.1f}×{flag} "
              f"| {row['q10']} | {row['q100']} |")
    archive = bulk_archive(app, max(1, min(repeat, 3)))
    flag = "" if archive["ratio"] <= 10 else " ⚠"
    print(f"Archivage en masse de {archive['count']} sessions : commande {archive['command_ms']:.0f} ms, "
          f"UPDATE + INSERT … SELECT {archive['raw_ms']:.0f} ms, ratio {archive['ratio']:.1f}×{flag} "
          f"({archive['statements']} instructions SQL)")
