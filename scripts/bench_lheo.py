"""Benchmark of the LHEO export at regional scale (issue 13): the whole-region export
(`app.lheo.files.write_export`, what `flask lheo export` runs: streamed, validated formation by
formation, with its gap report) against a hand-written `lxml.etree.xmlfile` writer fed by raw SQL
writing the same sessions (scripts/bench_lheo_raw.py), measured in the same run, and their ratio
(target ≤ 3×); the peak memory of each, measured in its own child process, for the region and for
twice the region (target: the same ±10 %). Prints figures only.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_lheo .venv/bin/python scripts/bench_lheo.py

Without DATABASE_URL it uses SQLite files under /tmp. Twice the region lives in a second
database: `<file>_x2.db` beside a SQLite file, `<name>_x2` on the same PostgreSQL server (created
when missing). Each database is built once (schema, referentials, demo, region) and reused;
`make bench` calls `run()` on the database scripts/bench_region.py has just built.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SQLITE = Path("/tmp/bench_lheo.db")
REGION = {"structures": 3000, "formations": 15000, "sessions": 60000}


def x2_url(url: str) -> str:
    """The database of twice the region, beside `url`'s."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        return str(parsed.set(database=str(path.with_name(f"{path.stem}_x2{path.suffix}"))))
    return parsed.set(database=f"{parsed.database}_x2").render_as_string(hide_password=False)


def _create_database(url: str) -> None:
    """CREATE DATABASE on PostgreSQL when it does not exist (SQLite files create themselves)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).scalar():
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    engine.dispose()


# --- children: one application each (Flask-AppBuilder allows one per process) --------------------


def _app(url: str, flow_dir: str | None = None):
    from app.factory import create_app

    overrides = {"LHEO_FLOW_DIR": flow_dir} if flow_dir else {}  # the last report beside the file
    return create_app(SQLALCHEMY_DATABASE_URI=url, **overrides)


def child_prepare(url: str, scale: int) -> None:
    """Schema, referentials, demo and `scale` times the region, unless already there."""
    app = _app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from app.demo import load_demo
        from app.demo.region import count_region_structures, load_region
        from app.extensions import db
        from app.refdata import load_all

        upgrade()
        wanted = REGION["structures"] * scale
        if count_region_structures(db.session) >= wanted:
            print(f"  {url} : jeu de données déjà présent")
            return
        app.appbuilder.sm.create_roles()
        load_all(db.session)
        load_demo(db.session, referentials=False)
        print("  " + load_region(db.session, **{key: value * scale for key, value in REGION.items()}))


def child_measure(kind: str, url: str, out: str) -> None:
    app = _app(url, str(Path(out).parent))
    with app.app_context():
        from app.extensions import db

        started = time.perf_counter()
        if kind == "export":
            from app.lheo.files import write_export

            result = write_export(out)
            counts = result.summary["written"]
            formations, sessions = counts["formations"], counts["actions"]
        else:
            from scripts.bench_lheo_raw import raw_export

            with db.engine.connect() as connection:
                formations, sessions = raw_export(connection, out, app.config["REGION_PREFIX"])
        elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "formations": formations, "sessions": sessions,
                      "bytes": os.path.getsize(out), "peak_kb": _peak_kb()}))


def _peak_kb() -> int | None:
    """This process's own peak resident memory (Linux VmHWM). Its ru_maxrss seen by the parent
    would not do: exec hands the parent's peak over to the child (make bench's parent holds the
    whole application and the pages' benchmark)."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


def _spawn(*args: str) -> tuple[str, int]:
    """Run this script as a child; its output and its peak resident memory (KB, wait4)."""
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, cwd=ROOT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"échec de {' '.join(args)} (code {process.returncode})")
    return output, usage.ru_maxrss


def measure(kind: str, url: str, out: str) -> dict:
    output, maxrss = _spawn("--measure", kind, url, out)
    figures = json.loads(output.strip().splitlines()[-1])
    figures["megabytes"] = (figures.get("peak_kb") or maxrss) / 1024  # ru_maxrss where VmHWM is unknown
    return figures


# --- the run -------------------------------------------------------------------------------------


def run(url: str, repeat: int | None = None) -> None:
    """Prepare twice the region beside `url`'s database, then measure both."""
    repeat = repeat or int(os.environ.get("BENCH_LHEO_REPEAT", "3"))
    double = x2_url(url)
    print("Export LHEO — préparation de la base « région × 2 » :")
    _create_database(double)
    print(_spawn("--prepare", double, "2")[0].rstrip())
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-lheo-") as directory:
        for label, database in (("région", url), ("région × 2", double)):
            runs = {"export": [], "raw": []}
            for _ in range(repeat):  # alternated, so that both share the machine's moods
                for kind in runs:
                    runs[kind].append(measure(kind, database, str(Path(directory) / f"{kind}.xml")))
            rows.append((label, runs))
    print(f"Export LHEO (médiane de {repeat}, un processus par mesure ; mémoire : pic du processus, VmHWM) :")
    print(f"  {'base':<12} {'formations':>10} {'sessions':>9} {'export (s)':>11} {'SQL brut (s)':>13} "
          f"{'rapport':>8} {'Mo export':>10} {'Mo SQL brut':>12} {'Mo fichier':>11}")
    memory = []
    for label, runs in rows:
        export = statistics.median(r["seconds"] for r in runs["export"])
        raw = statistics.median(r["seconds"] for r in runs["raw"])
        peak = statistics.median(r["megabytes"] for r in runs["export"])
        memory.append(peak)
        first = runs["export"][0]
        print(f"  {label:<12} {first['formations']:>10} {first['sessions']:>9} {export:>11.1f} {raw:>13.1f} "
              f"{export / raw:>7.1f}× {peak:>10.0f} {statistics.median(r['megabytes'] for r in runs['raw']):>12.0f} "
              f"{first['bytes'] / 1e6:>11.0f}")
        same = runs["raw"][0]
        if (same["formations"], same["sessions"]) != (first["formations"], first["sessions"]):
            print(f"  (SQL brut : {same['formations']} formations, {same['sessions']} sessions)")
    print(f"  mémoire de l'export, région × 2 / région : {100 * (memory[1] / memory[0] - 1):+.1f} % "
          f"(cible ±10 %, au plus 250 Mo)")


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    print(f"Base : {url}")
    _create_database(url)
    print(_spawn("--prepare", url, "1")[0].rstrip())
    run(url)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        child_prepare(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["--measure"]:
        child_measure(*sys.argv[2:5])
    else:
        main()
