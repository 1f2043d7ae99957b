"""Nightly partner flows (SPEC J3): `write_flow(partner)` writes the validated offer in the
partner's perimeter — France Travail Kairos/AUDE, Parcoursup/Affelnet, the national Carif-Oref
base — into the flows directory (config `LHEO_FLOW_DIR`), as `lheo-<partner>-<timestamp>.xml`
with its gap report beside it.

The perimeters are app/checks/partners.py's, the functions the session pages' readiness panel
shows. No scheduler here: the job queue calls `write_flow` inside an application context.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import current_app

from app.checks.partners import KAIROS, NATIONAL, PARCOURSUP, PARTNERS
from app.region import require_for_flows

from .files import ExportResult, write_export

__all__ = ["KAIROS", "NATIONAL", "PARCOURSUP", "PARTNERS", "flow_path", "write_flow"]


def flow_path(partner: str, out_dir=None, now: datetime | None = None) -> Path:
    """`<dir>/lheo-kairos-20261202-013000.xml`, never an existing file's name."""
    directory = Path(out_dir or current_app.config["LHEO_FLOW_DIR"])
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path, count = directory / f"lheo-{partner}-{stamp}.xml", 1
    while path.exists():
        count += 1
        path = directory / f"lheo-{partner}-{stamp}-{count}.xml"
    return path


def write_flow(partner: str, out_dir=None, today: date | None = None) -> ExportResult:
    """Write `partner`'s flow (kairos, parcoursup or national) atomically into `out_dir` (default
    `LHEO_FLOW_DIR`); returns the file, its report and the summary. Refused (RegionNotConfigured)
    while the region's code and prefix are not configured."""
    if partner not in PARTNERS:
        raise ValueError(f"partenaire inconnu : {partner} (attendu : {', '.join(PARTNERS)})")
    require_for_flows()  # every number carries the region's prefix
    return write_export(flow_path(partner, out_dir), partner=partner, kind=partner, today=today)
