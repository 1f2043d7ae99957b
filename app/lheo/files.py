"""An LHEO export written to a file, with its gap report beside it (SPEC J1, J3; issue 13).

Everything is written to temporary files in the target's directory and moved into place with
`os.replace` (atomic on one file system): a partner polling the directory never sees half a file,
and the report is in place before the XML appears. The summary of the last export of each kind
is also kept for the managers' page (app/views/lheo.py).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, has_app_context

from app.checks.partners import NATIONAL, PARTNERS
from app.extensions import db

from .export import write_offer
from .load import CHUNK_SIZE, published_formations
from .report import GapReport, write_summary

KINDS = ("export", *PARTNERS)  # `flask lheo export` and the partner flows
LAST_REPORTS = "derniers-rapports"


@dataclass
class ExportResult:
    partner: str
    path: Path | None  # None when no formation could be written (no file)
    report_csv: Path
    report_json: Path
    summary: dict
    report_text: str

    @property
    def formations(self) -> int:
        return self.summary["written"]["formations"]


def report_paths(path: Path) -> tuple[Path, Path]:
    """`offre.xml` → `offre.rapport.csv`, `offre.rapport.json`."""
    stem = path.name[:-4] if path.name.lower().endswith(".xml") else path.name
    return path.with_name(f"{stem}.rapport.csv"), path.with_name(f"{stem}.rapport.json")


def _temporary(directory: Path, name: str, mode: str):
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    os.chmod(temporary, 0o644)  # mkstemp makes it private; partners' accounts read the flows
    if "b" in mode:
        return os.fdopen(handle, mode, buffering=1 << 20), Path(temporary)
    return os.fdopen(handle, mode, encoding="utf-8-sig" if name.endswith(".csv") else "utf-8", newline=""), \
        Path(temporary)


def write_export(path, *, partner: str = NATIONAL, kind: str = "export", today: date | None = None,
                 db_session=None, formation_ids=None, chunk_size: int = CHUNK_SIZE,
                 source: str | None = None) -> ExportResult:
    """Write the validated offer in `partner`'s perimeter to `path` (LHEO 2.3) and its gap report
    beside it; inside an application context. With no formation to write, no XML file is
    written (LHEO requires at least one) and the report says so. With `source`, the formations
    imported from that source instead, every session the import brought (J4 round trip)."""
    if partner not in PARTNERS:
        raise ValueError(f"partenaire inconnu : {partner}")
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = report_paths(path)
    xml_file, xml_tmp = _temporary(path.parent, path.name, "wb")
    csv_file, csv_tmp = _temporary(path.parent, csv_path.name, "w")
    temporaries = [xml_tmp, csv_tmp]
    try:
        report = GapReport(csv_file, kind=kind, partner=partner, file=str(path))
        with xml_file:
            chunks = published_formations(db_session or db.session, chunk_size, formation_ids, source=source)
            written = write_offer(xml_file, chunks, report, partner=partner, today=today, perimeter=source is None)
        if not written:
            report.begin("")
            report.blocking("offres", "Aucune formation à diffuser : aucun fichier LHEO n'est écrit "
                                      "(offres exige au moins une formation).")
        report.finish()
        csv_file.close()
        summary = report.summary()
        summary.update(file=str(path) if written else "", csv=str(csv_path), json=str(json_path))
        json_file, json_tmp = _temporary(path.parent, json_path.name, "w")
        temporaries.append(json_tmp)
        with json_file:
            write_summary(summary, json_file)
        os.replace(csv_tmp, csv_path)
        os.replace(json_tmp, json_path)
        if written:
            os.replace(xml_tmp, path)  # last: when the XML appears, its report is there
        else:
            xml_tmp.unlink()
    except BaseException:
        csv_file.close()
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    if source is None:
        remember(kind, summary)
    return ExportResult(partner, path if written else None, csv_path, json_path, summary, report.text())


def reports_dir() -> Path:
    return Path(current_app.config["LHEO_FLOW_DIR"]) / LAST_REPORTS


def remember(kind: str, summary: dict) -> None:
    """Keep the summary as the last report of its kind (the managers' page reads it)."""
    if not has_app_context() or not current_app.config.get("LHEO_FLOW_DIR"):
        return
    directory = reports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{kind}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        write_summary(summary, stream)
    os.replace(temporary, directory / f"{kind}.json")


def last_reports() -> dict[str, dict]:
    """kind → the summary of its last export, for the kinds that ran at least once."""
    found = {}
    for kind in KINDS:
        path = reports_dir() / f"{kind}.json"
        if path.is_file():
            found[kind] = json.loads(path.read_text(encoding="utf-8"))
    return found
