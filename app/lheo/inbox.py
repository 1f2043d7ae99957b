"""The LHEO inbox (SPEC J4): partners drop their flows into `LHEO_IMPORT_INBOX/<source>/`; the
periodic job imports the `.xml` files of each source's folder as one complete flow of that
source (app/commands/lheo_import.py), then moves them into `traites/` (or `refuses/` when the
run did not end), prefixed with the time of the run. Files younger than `min_age` seconds may
still be being written and wait for the next run; names starting with a dot are temporaries.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from app.commands.lheo_import import SOURCE_PATTERN, ImportLheo
from app.models import ImportEtat
from app.models.base import utcnow

log = logging.getLogger(__name__)

DONE, REFUSED = "traites", "refuses"
MIN_AGE = 60  # seconds without change before a file is taken


def ready_files(folder: Path, min_age: float = MIN_AGE) -> list[Path]:
    now = time.time()
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xml"
                  and not p.name.startswith(".") and now - p.stat().st_mtime >= min_age)


def import_inbox(inbox, min_age: float = MIN_AGE) -> list:
    """Import what waits in each source's folder of `inbox`; returns the runs (LheoImport)."""
    inbox = Path(inbox)
    runs = []
    if not inbox.is_dir():
        return runs
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir() and SOURCE_PATTERN.match(p.name)):
        files = ready_files(folder, min_age)
        if not files:
            continue
        batch = folder / f".lot-{utcnow():%Y%m%d-%H%M%S}"
        batch.mkdir()
        for file in files:  # one run reads exactly these files, whatever arrives meanwhile
            file.rename(batch / file.name)
        try:
            run = ImportLheo(batch, folder.name, display_name=", ".join(f.name for f in files)).run()
            runs.append(run)
            target = folder / (DONE if run.etat == ImportEtat.TERMINE else REFUSED)
        except Exception:
            log.exception("LHEO inbox: the import of %s failed", folder)
            target = folder / REFUSED
        target.mkdir(exist_ok=True)
        stamp = f"{utcnow():%Y%m%d-%H%M%S}"
        for file in sorted(batch.iterdir()):
            shutil.move(str(file), str(target / f"{stamp}-{file.name}"))
        batch.rmdir()
    return runs
