"""Excel export of the formations search (SPEC J1): one row per session with its formation's
columns, French headers, real dates, the search's criteria written above the table.

Memory stays flat whatever the number of sessions: openpyxl's write-only workbook streams rows to
its file, and the rows are read CHUNK sessions at a time (app/exports/selection.py), each chunk in
two Core selects (the session's columns, then its financements).

No text is ever evaluated by Excel: a value starting with = + - @, a tab or a carriage return (or
equal to an error code such as #N/A) is written as a string cell with Excel's quote prefix,
never as a formula (CSV/formula injection: a user typed it in a form).
"""
from __future__ import annotations

from collections import defaultdict
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable
from zoneinfo import ZoneInfo

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    Financement,
    Financeur,
    Formation,
    FormationEtat,
    Lieu,
    Mesure,
    Session,
    SessionEtat,
    SessionLieu,
    Structure,
)
from app.search.criteria import Criteria
from app.search.formations import COLUMNS as SEARCH_COLUMNS
from app.search.formations import EXTRA as SEARCH_EXTRA

from . import selection
from .describe import criteria_lines

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ERROR_CODES = frozenset(ERROR_CODES)  # "#N/A"…: openpyxl would write them as error cells
SHEET_TITLE = "Sessions"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int


# The table, in order: the search's listed columns and the ones a region's staff works with.
COLUMNS = (
    Column("reference", "Référence formation", 14),
    Column("session", "Référence session", 14),
    Column("intitule", "Intitulé de la formation", 50),
    Column("certification", "Code certification", 14),
    Column("certification_intitule", "Intitulé de la certification", 40),
    Column("debut", "Date de début", 12),
    Column("fin", "Date de fin", 12),
    Column("responsable", "OF responsable", 32),
    Column("responsable_siret", "SIRET OF responsable", 16),
    Column("formateur", "OF formateur", 32),
    Column("dispositif", "Dispositif / mesure", 32),
    Column("financeur", "Financeur", 24),
    Column("marche", "Numéro de marché", 18),
    Column("places", "Nombre de places", 10),
    Column("etat", "État de la session", 18),
    Column("etat_formation", "État de la formation", 18),
    Column("code_postal", "Code postal", 10),
    Column("ville", "Ville", 24),
    Column("departement", "Département", 10),
    Column("certifiante", "Certifiante", 10),
    Column("apprentissage", "Apprentissage", 12),
    Column("duree", "Durée totale (heures)", 10),
)
HEADERS = tuple(column.header for column in COLUMNS)

_responsable = aliased(Structure)
# The principal lieu's code postal, chosen as the search chooses its ville and département.
_code_postal = (select(Lieu.code_postal).where(SessionLieu.session_id == Session.id, Lieu.id == SessionLieu.lieu_id)
                .order_by(SessionLieu.principal.desc(), SessionLieu.id).limit(1).scalar_subquery())


def _session_columns():
    """Labelled expressions of one session row (correlated sub-selects of the search for the
    principal certification, OF formateur, lieu); financements are read apart (several a session)."""
    return [
        Session.id.label("id"),
        SEARCH_COLUMNS["reference"].label("reference"),
        SEARCH_COLUMNS["session"].label("session"),
        SEARCH_COLUMNS["intitule"].label("intitule"),
        SEARCH_COLUMNS["certification"].label("certification"),
        SEARCH_EXTRA["certification_intitule"].label("certification_intitule"),
        Session.debut.label("debut"),
        Session.fin.label("fin"),
        func.coalesce(_responsable.enseigne, _responsable.raison_sociale).label("responsable"),
        _responsable.siret.label("responsable_siret"),
        SEARCH_COLUMNS["formateur"].label("formateur"),
        Session.etat.label("etat"),
        Formation.etat.label("etat_formation"),
        _code_postal.label("code_postal"),
        SEARCH_COLUMNS["ville"].label("ville"),
        SEARCH_COLUMNS["departement"].label("departement"),
        Formation.certifiante.label("certifiante"),
        Formation.apprentissage.label("apprentissage"),
        Session.duree_totale.label("duree"),
    ]


def _rows_of(ids: list[int]) -> list[dict]:
    """The table rows of a chunk of session ids, in the chunk's order: two statements."""
    statement = (select(*_session_columns()).select_from(Session)
                 .join(Formation, Formation.id == Session.formation_id)
                 .join(_responsable, _responsable.id == Formation.structure_id)
                 .where(Session.id.in_(ids)))
    rows = {row["id"]: dict(row) for row in db.session.execute(statement).mappings()}
    financements = defaultdict(list)
    for row in db.session.execute(
            select(Financement.session_id, Financeur.libelle.label("financeur"), Mesure.libelle.label("mesure"),
                   Financement.numero_marche, Financement.nb_places)
            .join(Financeur, Financeur.id == Financement.financeur_id)
            .join(Mesure, Mesure.id == Financement.mesure_id)
            .where(Financement.session_id.in_(ids)).order_by(Financement.session_id, Financement.id)):
        financements[row.session_id].append(row)
    result = []
    for session_id in ids:
        row = rows.get(session_id)
        if row is None:  # removed since the ids were read
            continue
        found = financements.get(session_id, [])
        row["dispositif"] = _joined(f.mesure for f in found)
        row["financeur"] = _joined(f.financeur for f in found)
        row["marche"] = _joined(f.numero_marche for f in found)
        places = [f.nb_places for f in found if f.nb_places is not None]
        row["places"] = sum(places) if places else None
        row["etat"] = SessionEtat.LABELS.get(row["etat"], row["etat"])
        row["etat_formation"] = FormationEtat.LABELS.get(row["etat_formation"], row["etat_formation"])
        row["certifiante"] = "Oui" if row["certifiante"] else "Non"
        row["apprentissage"] = "Oui" if row["apprentissage"] else "Non"
        result.append(row)
    return result


def local_now() -> datetime:
    """Now in the portal's time zone, as a reader of the file expects it (Excel has no time zones)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.now(zone).replace(tzinfo=None, microsecond=0)


def _joined(values) -> str | None:
    distinct = list(dict.fromkeys(v for v in values if v))
    return " ; ".join(distinct) or None


class _Cells:
    """Turns values into what the write-only sheet takes: plain values where safe, styled
    cells for dates, string cells for text Excel would evaluate."""

    def __init__(self, sheet):
        self.sheet = sheet
        template = WriteOnlyCell(sheet, value=date(2000, 1, 1))
        template.number_format = DATE_FORMAT
        self._date_style = template._style
        template = WriteOnlyCell(sheet, value=datetime(2000, 1, 1))
        template.number_format = DATETIME_FORMAT
        self._datetime_style = template._style

    def value(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, datetime):
            return self._styled(value, self._datetime_style)
        if isinstance(value, date):
            return self._styled(value, self._date_style)
        return value

    def text(self, value: str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_TRIGGERS) or value in _ERROR_CODES:
            cell = WriteOnlyCell(self.sheet, value="")
            cell._value = value
            cell.data_type = "s"  # a string, whatever openpyxl would infer from "=…"
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
            return cell
        return value

    def bold(self, value: str):
        cell = self.text(value)
        if isinstance(cell, str):
            cell = WriteOnlyCell(self.sheet, value=cell)
        cell.font = Font(bold=True)
        return cell

    def _styled(self, value, style):
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(style)
        return cell


def header_block(cells: _Cells, criteria: Criteria, *, total: int, selected: tuple[int, ...] | None,
                 espace_name: str | None, exported_at: datetime, author: str) -> list[list]:
    """The rows above the table: title, date, author, count, then every criterion of the search."""
    rows = [[cells.bold("Export des sessions de formation")],
            ["Exporté le", cells.value(exported_at)],
            ["Par", cells.text(author)],
            ["Sessions exportées", total]]
    if espace_name:
        rows.append(["Espace structure", cells.text(espace_name)])
    if selected is not None:
        rows.append(["Sélection", f"{len(selected)} ligne(s) cochée(s) dans la recherche"])
    rows.append([cells.bold("Critères de la recherche")])
    rows += [[label, cells.text(value)] for label, value in criteria_lines(criteria, db.session)]
    rows.append([])
    return rows


def write_sessions(target, criteria: Criteria, user, *, selected: tuple[int, ...] | None = None, within=None,
                   espace_name: str | None = None, exported_at: datetime | None = None,
                   progress: Callable[[int, int], None] | None = None, total: int | None = None) -> int:
    """Write the .xlsx of the search's sessions to `target` (a path or a binary file) for `user`:
    his scope, the criteria, the checked rows if any. `progress(done, total)` is called after each
    chunk. Returns the number of sessions written."""
    if total is None:
        total = selection.count(criteria, user, selected, within)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    cells = _Cells(sheet)
    block = header_block(cells, criteria, total=total, selected=selected, espace_name=espace_name,
                         exported_at=exported_at or local_now(),
                         author=user.get_full_name() if hasattr(user, "get_full_name") else str(user))
    header_row = len(block) + 1
    sheet.freeze_panes = f"A{header_row + 1}"  # the headers stay in view while scrolling
    for row in block:
        sheet.append(row)
    sheet.append([cells.bold(header) for header in HEADERS])
    done = 0
    for ids in selection.session_ids(criteria, user, selected, within, total=total):
        for row in _rows_of(ids):
            sheet.append([cells.value(row[column.key]) for column in COLUMNS])
            done += 1
        if progress is not None:
            progress(done, total)
    workbook.save(target)
    return done
