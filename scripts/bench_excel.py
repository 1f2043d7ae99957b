"""Excel export at regional scale (SPEC J1, J2): the export job of the gestionnaire's search against
openpyxl's write-only mode writing the same rows fetched by one hand-written SQL statement, in the
same run on the same database, for the 60,000 region sessions in two exports, as the search
splits them: without criteria (archived sessions left out, as the search shows them) and
`etat=archivee` (the archived ones). Each side runs in a child process of its own, so that its peak memory is
its own (`_peak_mb`); the time is the export's alone (imports and application start-up
excluded), median of BENCH_EXCEL_REPEAT runs (default 3).

    .venv/bin/python scripts/bench_excel.py                  # SQLite /tmp/bench_region.db
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python scripts/bench_excel.py

scripts/bench_region.py builds the dataset and calls it after the pages; alone, it needs the
dataset there (it says so otherwise). Targets: ratio ≤ 3×, peak memory ≤ 250 MB.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SQLITE = Path("/tmp/bench_region.db")
TARGET_RATIO = 3.0
TARGET_MB = 250
# (label, the search's arguments, the same rows' condition in RAW_SQL)
SCENARIOS = (
    ("sans critère (hors archivées)", {}, "s.etat <> 'archivee'"),
    ("état = archivée", {"etat": "archivee"}, "s.etat = 'archivee'"),
)

# The same rows as the export (app/exports/excel.py), by hand: sessions of published formations,
# archived ones left out, in the search's default order; principal rows first for the
# certification, the OF formateur and the lieu; the financements aggregated.
RAW_SQL = """
SELECT f.reference, s.reference, f.intitule,
  (SELECT coalesce(c.code_rncp, c.code_rs, c.certif_info) FROM formation_certification fc
     JOIN certification c ON c.id = fc.certification_id WHERE fc.formation_id = f.id
     ORDER BY fc.principal DESC, fc.id LIMIT 1),
  (SELECT c.intitule FROM formation_certification fc JOIN certification c ON c.id = fc.certification_id
     WHERE fc.formation_id = f.id ORDER BY fc.principal DESC, fc.id LIMIT 1),
  s.debut, s.fin, coalesce(r.enseigne, r.raison_sociale), r.siret,
  (SELECT coalesce(o.enseigne, o.raison_sociale) FROM session_formateur sf JOIN structure o ON o.id = sf.structure_id
     WHERE sf.session_id = s.id ORDER BY sf.principal DESC, sf.id LIMIT 1),
  fin.mesures, fin.financeurs, fin.marches, fin.places, s.etat, f.etat,
  (SELECT l.code_postal FROM session_lieu sl JOIN lieu l ON l.id = sl.lieu_id WHERE sl.session_id = s.id
     ORDER BY sl.principal DESC, sl.id LIMIT 1),
  (SELECT l.ville FROM session_lieu sl JOIN lieu l ON l.id = sl.lieu_id WHERE sl.session_id = s.id
     ORDER BY sl.principal DESC, sl.id LIMIT 1),
  (SELECT substr(l.code_postal, 1, 2) FROM session_lieu sl JOIN lieu l ON l.id = sl.lieu_id
     WHERE sl.session_id = s.id ORDER BY sl.principal DESC, sl.id LIMIT 1),
  f.certifiante, f.apprentissage, s.duree_totale
FROM session s
JOIN formation f ON f.id = s.formation_id
JOIN structure r ON r.id = f.structure_id
LEFT JOIN (
  SELECT fi.session_id, {agg_mesure} AS mesures, {agg_financeur} AS financeurs, {agg_marche} AS marches,
         sum(fi.nb_places) AS places
  FROM financement fi JOIN mesure m ON m.id = fi.mesure_id JOIN financeur fr ON fr.id = fi.financeur_id
  GROUP BY fi.session_id
) fin ON fin.session_id = s.id
WHERE f.draft_of_id IS NULL AND s.in_draft = {false} AND {etat}
ORDER BY f.reference, s.debut, s.id
"""


def _aggregates(dialect: str) -> dict:
    if dialect == "postgresql":
        agg = "string_agg({0}, ' ; ' ORDER BY fi.id)"
        false = "false"
    else:
        agg = "group_concat({0}, ' ; ')"
        false = "0"
    return {"agg_mesure": agg.format("m.libelle"), "agg_financeur": agg.format("fr.libelle"),
            "agg_marche": agg.format("fi.numero_marche"), "false": false}


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    """This process's peak resident memory. Linux keeps ru_maxrss across fork and execve
    (getrusage(2)): a child of a large parent (bench_region.py holds the whole application) would
    report the parent's peak, so the child's own address space's high-water mark (VmHWM) is read
    where /proc has it, ru_maxrss elsewhere."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_portal(url: str, out: str, scenario: int) -> dict:
    """The export job as the queue runs it (RunExcelExport: the user's scope, chunks, progress
    written on the notification), for the gestionnaire, without criteria."""
    from app.factory import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=url, EXPORT_FILES_DIR=str(Path(out).parent))
    with app.app_context():
        from app.commands.exports import RunExcelExport
        from app.exports import files
        from app.extensions import db
        from app.models import Notification, NotificationEtat

        user = app.appbuilder.sm.find_user(username="gestionnaire")
        notification = Notification(user_id=user.id, title="bench", etat=NotificationEtat.EN_COURS, progress=0)
        db.session.add(notification)
        db.session.commit()
        before = _status_mb("VmRSS") or 0.0  # the application, started, before the export
        started = time.perf_counter()
        rows = RunExcelExport(notification.id, user.id, SCENARIOS[scenario][1]).run()
        seconds = time.perf_counter() - started
        db.session.refresh(notification)
        size = notification.file_size
        files.remove(notification.file_path)
        db.session.delete(notification)
        db.session.commit()
    return {"seconds": seconds, "rows": rows, "bytes": size, "peak_mb": _peak_mb(), "before_mb": before}


def child_raw(url: str, out: str, scenario: int) -> dict:
    """One SQL statement, its rows streamed into openpyxl's write-only sheet (dates formatted)."""
    from datetime import date

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sessions")
    rows = 0
    with engine.connect() as connection:
        sql = text(RAW_SQL.format(etat=SCENARIOS[scenario][2], **_aggregates(connection.dialect.name)))
        result = connection.execution_options(yield_per=1000).execute(sql)
        for row in result:
            values = []
            for value in row:
                if isinstance(value, date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "dd/mm/yyyy"
                    value = cell
                values.append(value)
            sheet.append(values)
            rows += 1
    workbook.save(out)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "bytes": Path(out).stat().st_size, "peak_mb": _peak_mb(),
            "before_mb": None}


def _child(kind: str, url: str, scenario: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-excel-") as folder:
        out = str(Path(folder) / "export.xlsx")
        answer = subprocess.run([sys.executable, __file__, "--child", kind, url, out, str(scenario)],
                                capture_output=True, text=True, cwd=ROOT)
    if answer.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{answer.stderr[-3000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def run(url: str, repeat: int | None = None) -> list[dict]:
    """Both sides of every scenario, `repeat` times each, alternated; prints and returns the figures."""
    repeat = repeat or int(os.environ.get("BENCH_EXCEL_REPEAT", "3"))
    print(f"Export Excel (médiane de {repeat}, chaque mesure dans son propre processus ; "
          f"cibles : rapport ≤ {TARGET_RATIO:.0f}×, pic mémoire ≤ {TARGET_MB} Mo) :")
    results = []
    for index, (label, _, _) in enumerate(SCENARIOS):
        samples = {"portal": [], "raw": []}
        for _ in range(repeat):
            for kind in samples:
                samples[kind].append(_child(kind, url, index))
        figures = {kind: {"seconds": statistics.median(s["seconds"] for s in runs),
                          "peak_mb": max(s["peak_mb"] for s in runs), "rows": runs[-1]["rows"],
                          "bytes": runs[-1]["bytes"], "before_mb": runs[-1]["before_mb"]}
                   for kind, runs in samples.items()}
        figures["ratio"] = figures["portal"]["seconds"] / figures["raw"]["seconds"]
        print(f"  {label} :")
        for kind, name in (("portal", "export du portail (tâche RunExcelExport)"),
                           ("raw", "SQL brut + openpyxl write-only")):
            f = figures[kind]
            started = f" (dont {f['before_mb']:.0f} Mo pour l'application démarrée)" if f["before_mb"] else ""
            print(f"    {name:<42} {f['seconds']:7.1f} s  {f['rows']:>6} lignes  {f['bytes'] / 1e6:5.1f} Mo  "
                  f"pic mémoire {f['peak_mb']:5.0f} Mo{started}")
        print(f"    rapport {figures['ratio']:.2f}×")
        results.append({"label": label, **figures})
    return results


def _dataset_ready(url: str) -> bool:
    from sqlalchemy import create_engine, text

    try:
        with create_engine(url).connect() as connection:
            return connection.execute(text("SELECT count(*) FROM session")).scalar() >= 60000
    except Exception:
        return False


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        kind, url, out, scenario = sys.argv[2:]
        print(json.dumps((child_portal if kind == "portal" else child_raw)(url, out, int(scenario))))
        return
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    print(f"Base : {url}")
    if not _dataset_ready(url):
        sys.exit("Le jeu de données régional n'est pas dans cette base : lancez d'abord scripts/bench_region.py "
                 "(make bench) sur la même base.")
    run(url)


if __name__ == "__main__":
    main()
