"""J4: import of an LHEO flow (one file, or every `.xml` of a folder, for one source) into
read-only formations (G7), with its reconciliation report (app/lheo/reconcile.py).

Every file is first read whole, streamed, and each formation checked against the schema
(app/lheo/reader.py); a file that cannot be read (not LHEO, a DTD, too large, malformed) refuses
the whole run and nothing is written. Then the formations are written in one transaction; a
schema-refused formation gets its report lines and is neither written nor archived. At the end of
a complete run (`archive_vanished`), the source's formations the run did not carry are archived.
A record of the flow saved by somebody else meanwhile (its version changed) makes the write start
again from the file, up to ATTEMPTS times, instead of failing the night's import.
The command, the managers' upload page and the inbox job all call `ImportLheo(...).run()`.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import ImportEtat, LheoImport, Outcome
from app.models.base import utcnow

from .exceptions import refused

log = logging.getLogger(__name__)

SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,49}$")
BAD_SOURCE = "Nom de source attendu : lettres, chiffres, espace, point, tiret ou souligné (50 au plus)."
NO_FILE = "Aucun fichier LHEO (.xml) à importer."
# A record of the flow saved by somebody else while the run wrote it: the run starts again from
# the file (nothing of the failed attempt is kept), at most ATTEMPTS times.
ATTEMPTS = 3
CHANGED_MEANWHILE = ("Des fiches de ce flux ont été modifiées pendant l'import, à chaque essai : rien n'a été "
                     "écrit. Relancez l'import.")


def lheo_files(path) -> list[Path]:
    """A file, or the `.xml` files of a folder (not its sub-folders), sorted by name."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    return [path] if path.is_file() else []


class ImportLheo:
    def __init__(self, path, source: str, user=None, archive_vanished: bool = True, limits=None,
                 display_name: str | None = None):
        self.path, self.source, self.user = Path(path), (source or "").strip(), user
        self.archive_vanished, self.limits = archive_vanished, limits
        self.display_name = display_name  # an uploaded file's own name (the stored one is a temporary)

    def validate(self) -> list[Path]:
        if not SOURCE_PATTERN.match(self.source):
            raise refused(BAD_SOURCE, "source")
        files = lheo_files(self.path)
        if not files:
            raise refused(NO_FILE, "fichier")
        return files

    def _limits(self):
        from app.lheo.reader import Limits

        if self.limits is not None:
            return self.limits
        return Limits.from_config(current_app.config) if has_app_context() else Limits()

    def run(self) -> LheoImport:
        """The run's LheoImport (its état, counts and lines say what happened)."""
        from app.lheo.reader import FileRefused, validate_file

        files = self.validate()
        limits = self._limits()
        name = self.display_name or (str(self.path) if len(files) > 1 else files[0].name)
        run = LheoImport(source=self.source, fichier=name[:500], etat=ImportEtat.EN_COURS,
                         user_id=getattr(self.user, "id", None))
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        checks = {}
        try:
            for file in files:  # first pass: every file readable, each formation against the schema
                try:
                    checks[file] = validate_file(file, limits)
                except FileRefused as error:
                    return self._refuse(run_id, f"{file.name} : {error}")
        except Exception as error:  # noqa: BLE001 - the run's row says why
            db.session.rollback()
            log.exception("LHEO import %s failed", run_id)
            return self._finish(run_id, ImportEtat.ECHEC, f"Erreur pendant l'import, rien n'a été écrit : {error}")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._write(db.session.get(LheoImport, run_id), files, checks, limits)
            except StaleDataError:  # a record of the flow changed meanwhile (a manager's save)
                db.session.rollback()
                log.warning("LHEO import %s: a record changed during attempt %s", run_id, attempt)
            except Exception as error:  # the run is rolled back whole; its row says why
                db.session.rollback()
                log.exception("LHEO import %s failed", run_id)
                return self._finish(run_id, ImportEtat.ECHEC,
                                    f"Erreur pendant l'import, rien n'a été écrit : {error}")
        return self._finish(run_id, ImportEtat.ECHEC, CHANGED_MEANWHILE)

    def _write(self, run: LheoImport, files, checks, limits) -> LheoImport:
        """The second pass, in one transaction: each formation reconciled, then the vanished ones
        archived; from scratch on each attempt."""
        from app.lheo.importer import parse_formation
        from app.lheo.reader import LheoReader
        from app.lheo.reconcile import Reconciler

        reconciler = Reconciler(db.session, run, self.source, utcnow(), self.display_name or files[0].name)
        for file in files:
            check = checks[file]
            run.version = check.version
            for read in LheoReader(file, limits):
                problems = check.refused.get(read.index)
                if problems:
                    numero = read.element.get("numero")
                    reconciler.refused(numero, read.path, problems)
                    continue
                reconciler.formation(parse_formation(read.element, read.path))
                if len(reconciler.seen) % 200 == 0:
                    db.session.flush()
        if self.archive_vanished:
            reconciler.archive_vanished()
        reconciler.flush_lines()
        run.counts = {kind: dict(counter) for kind, counter in reconciler.counts.items()}
        run.etat, run.fin = ImportEtat.TERMINE, utcnow()
        db.session.commit()
        return run

    def _refuse(self, run_id: int, message: str) -> LheoImport:
        db.session.rollback()
        return self._finish(run_id, ImportEtat.REFUSE, message)

    def _finish(self, run_id: int, etat: str, message: str) -> LheoImport:
        from app.models import LheoImportLine

        run = db.session.get(LheoImport, run_id)
        run.etat, run.message, run.fin = etat, message, utcnow()
        run.counts = {"fichier": {Outcome.REFUSED: 1}}
        db.session.add(LheoImportLine(import_id=run_id, kind="fichier", numero=None, outcome=Outcome.REFUSED,
                                      reason=message, path="lheo"))
        db.session.commit()
        return run
