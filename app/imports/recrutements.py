"""Import of a session's recrutement calendar (ICO, RDVI, ISC… SPEC F13) from an Excel sheet.

Organisations publish many information sessions a year; typing them one by one is what users of
OFeli complain about. One line per modality, the columns of `COLUMNS`; the whole file is checked
with the form's rules and saved only when no line is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import select

from app.commands.records import RECORDS
from app.models import Nomenclature, NomenclatureKind, Recrutement
from app.validators import ERROR, normalize_modalite
from app.workflow.history import record

from .workbook import MAX_BYTES  # noqa: F401 - the view bounds its read with it
from .workbook import FORMULA, WorkbookRefused, first_sheet_rows, is_formula, open_workbook

MAX_ROWS = 500

# (model field, column title in the sheet)
COLUMNS = [
    ("modalite", "Modalité (MR.07 ISC, MR.08 RDVI, MR.09 ICO…)"),
    ("numero", "Numéro"),
    ("date_debut", "Date de début (jj/mm/aaaa)"),
    ("date_fin", "Date de fin (jj/mm/aaaa)"),
    ("heure_debut", "Heure de début (hh:mm)"),
    ("heure_fin", "Heure de fin (hh:mm)"),
    ("nb_places", "Nombre de places"),
    ("a_distance", "À distance (oui/non)"),
    ("ligne", "Adresse (n° et voie)"),
    ("code_postal", "Code postal"),
    ("ville", "Ville"),
    ("url", "Lien (si à distance)"),
    ("commentaire", "Commentaire"),
]
TITLES = dict(COLUMNS)
ACTION = "Import de modalités de recrutement"


@dataclass
class LineProblem:
    line: int  # line number in the sheet (the header is line 1)
    column: str  # column title, "" for the whole line
    message: str


@dataclass
class ImportResult:
    created: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    warnings: list[LineProblem] = field(default_factory=list)


def template_workbook() -> bytes:
    """The empty sheet users fill in, with one example line."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Modalités de recrutement"
    sheet.append([title for _, title in COLUMNS])
    sheet.append(["MR.09", "ICO-2", "15/01/2027", "15/01/2027", "09:30", "11:30", 20, "non", "12 rue du Bâtiment",
                  "14000", "Caen", "", "Présentation de la formation"])
    for index, (_, title) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(14, len(title) + 2)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class CellError(ValueError):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise CellError(f"« {raw} » n'est pas une date (jj/mm/aaaa).")


def _time(value) -> time | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    raw = _text(value).lower().replace(" ", "")
    match = re.fullmatch(r"(\d{1,2})[:h](\d{2})?", raw)
    if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
        return time(int(match.group(1)), int(match.group(2) or 0))
    raise CellError(f"« {_text(value)} » n'est pas une heure (hh:mm).")


def _integer(value) -> int | None:
    raw = _text(value)
    if raw == "":
        return None
    if re.fullmatch(r"-?\d{1,6}", raw):
        return int(raw)
    raise CellError(f"« {raw} » n'est pas un nombre entier.")


def _boolean(value) -> bool:
    raw = _text(value).lower()
    if raw in ("", "non", "n", "no", "false", "faux", "0"):
        return False
    if raw in ("oui", "o", "yes", "true", "vrai", "1", "x"):
        return True
    raise CellError(f"« {_text(value)} » : indiquez oui ou non.")


PARSERS = {"date_debut": _date, "date_fin": _date, "heure_debut": _time, "heure_fin": _time,
           "nb_places": _integer, "a_distance": _boolean}
MAX_LENGTHS = {"numero": 30, "ligne": 50, "code_postal": 5, "ville": 50, "url": 400, "commentaire": 500}


def read_sheet(content: bytes) -> tuple[list[tuple[int, dict]], list[LineProblem]]:
    """Lines of the first sheet as {field: raw value}, by line number; or the file's problems.
    The file is opened through app/imports/workbook.py: size, zip and XML limits first."""
    try:
        workbook, scan = open_workbook(content)
        try:
            rows, formulas = first_sheet_rows(workbook, scan, max_rows=MAX_ROWS + 2, max_columns=len(COLUMNS) + 20)
        finally:
            workbook.close()
    except WorkbookRefused as refused:
        return [], [LineProblem(0, "", str(refused))]
    if not rows:
        return [], [LineProblem(0, "", "Le fichier est vide.")]
    header = [_text(cell) for cell in rows[0]]
    titles = {title: name for name, title in COLUMNS}
    positions = {titles[title]: index for index, title in enumerate(header) if title in titles}
    missing = [TITLES[name] for name, _ in COLUMNS if name not in positions]
    if missing:
        return [], [LineProblem(1, "", "Colonnes manquantes (téléchargez le modèle) : " + ", ".join(missing) + ".")]
    if len(rows) > MAX_ROWS + 1:
        return [], [LineProblem(0, "", f"Le fichier dépasse {MAX_ROWS} lignes.")]
    problems = _formula_problems(rows, formulas, positions)
    if problems:
        return [], problems
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        values = {name: (row[index] if index < len(row) else None) for name, index in positions.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        lines.append((number, values))
    if not lines:
        return [], [LineProblem(0, "", "Aucune ligne à importer sous l'en-tête.")]
    return lines, []


def _formula_problems(rows: list[tuple], formulas: set[tuple[int, int]], positions: dict) -> list[LineProblem]:
    """Formula cells (as saved by Excel) and texts starting with '=' in the imported columns are
    refused, cell by cell; a helper column of the user's own is not read, so not refused."""
    titles = {index + 1: TITLES[name] for name, index in positions.items()}
    cells = {(line, column) for line, column in formulas if line >= 2 and column in titles}
    for number, row in enumerate(rows[1:], start=2):
        cells.update((number, column) for column in titles if column <= len(row) and is_formula(row[column - 1]))
    return [LineProblem(line, titles[column], FORMULA) for line, column in sorted(cells)[:50]]


def import_recrutements(db_session, session, content: bytes, author=None, today: date | None = None) -> ImportResult:
    """Add the file's modalities to `session`; all or nothing. Each line gets the record check a
    form save runs (app/commands/records.py); the session's scope and lock are checked once by
    app/commands/imports.py, which calls this."""
    result = ImportResult()
    check = RECORDS[Recrutement].check
    lines, problems = read_sheet(content)
    if problems:
        result.problems = problems
        return result
    modalites = {n.code: n for n in db_session.execute(
        select(Nomenclature).where(Nomenclature.kind == NomenclatureKind.MODALITE_RECRUTEMENT)).scalars()}
    created = []
    with db_session.no_autoflush:
        for number, values in lines:
            recrutement, line_problems = _build(values, number, modalites)
            if line_problems:
                result.problems += line_problems
                continue
            recrutement.session = session  # joins the session's list: later lines are checked against it
            created.append(recrutement)
            for problem in check(recrutement, today):
                target = result.problems if problem.severity == ERROR else result.warnings
                target.append(LineProblem(number, TITLES.get(problem.field, ""), problem.message))
    if result.problems:
        db_session.rollback()
        return result
    for recrutement in created:
        db_session.add(recrutement)
    record(db_session, session, ACTION, author, f"{len(created)} modalité(s) importée(s).")
    db_session.commit()
    result.created = len(created)
    return result


def _build(values: dict, number: int, modalites: dict) -> tuple[Recrutement | None, list[LineProblem]]:
    problems: list[LineProblem] = []
    modalite = modalites.get(normalize_modalite(_text(values["modalite"])))
    if modalite is None:
        return None, [LineProblem(number, TITLES["modalite"],
                                  "Modalité inconnue : indiquez un code de MR.01 à MR.09.")]
    recrutement = Recrutement(modalite=modalite)
    for name, _ in COLUMNS[1:]:
        raw = values[name]
        try:
            value = PARSERS[name](raw) if name in PARSERS else (_text(raw) or None)
        except CellError as error:
            problems.append(LineProblem(number, TITLES[name], str(error)))
            continue
        limit = MAX_LENGTHS.get(name)
        if limit and value and len(value) > limit:
            problems.append(LineProblem(number, TITLES[name], f"{limit} caractères au plus."))
            continue
        setattr(recrutement, name, value)
    return recrutement, problems
