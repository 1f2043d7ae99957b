"""Uploaded Excel workbooks, opened with limits before openpyxl reads a byte of them.

An .xlsx file is a zip of XML parts. A zip bomb (a small file that inflates to gigabytes), an XML
entity attack (external entity, "billion laughs"), a truncated upload or an archive with
millions of cells must each end in a French message, in bounded memory and time. So every part
is first inflated here in small chunks, counted, and read by a streaming parser that refuses any
DTD; only then is the file handed to openpyxl, in read-only mode, for a bounded number of rows
and columns. Formulas are never evaluated: the cells holding one are reported.

Every refusal is a `WorkbookRefused` whose message is meant for the user.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from xml.parsers import expat

from openpyxl import load_workbook

MAX_BYTES = 2 * 1024 * 1024  # the uploaded file
MAX_UNCOMPRESSED = 20 * 1024 * 1024  # all parts once inflated
MAX_RATIO = 100  # a part inflating more than this is a bomb, not a spreadsheet
RATIO_FLOOR = 64 * 1024  # tiny parts compress oddly and cost nothing: no ratio check below this
MAX_MEMBERS = 100
MAX_CELLS = 100_000  # 2,000 rows x 50 columns, in all sheets together; same bound on shared strings
MAX_PART_ELEMENTS = 20_000  # styles, workbook, relations…: openpyxl builds objects for all of them
MAX_ROWS = 2_000
MAX_COLUMNS = 50
CHUNK = 64 * 1024

NOT_A_WORKBOOK = "Le fichier n'est pas un classeur Excel (.xlsx) lisible."
DAMAGED = ("Le fichier est incomplet ou endommagé (envoi interrompu ?) : enregistrez-le de nouveau "
           "depuis Excel au format .xlsx et réessayez.")
OLD_OR_PROTECTED = ("Le fichier est un classeur Excel ancien format (.xls) ou protégé par un mot de passe : "
                    "enregistrez-le au format .xlsx, sans mot de passe.")
TOO_BIG = f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo."
TOO_BIG_INFLATED = (f"Le classeur dépasse {MAX_UNCOMPRESSED // (1024 * 1024)} Mo une fois décompressé : "
                    "il est refusé. Gardez une seule feuille avec les modalités à importer.")
BOMB = ("Le classeur contient une partie anormalement compressée (plus de "
        f"{MAX_RATIO} fois sa taille) : il est refusé par sécurité.")
TOO_MANY_PARTS = f"Le classeur contient trop de parties internes (plus de {MAX_MEMBERS}) : il est refusé."
DTD = ("Le classeur contient des déclarations XML interdites (DOCTYPE, ENTITY) : il est refusé par sécurité. "
       "Enregistrez-le de nouveau depuis Excel.")
TOO_MANY_CELLS = (f"Le classeur contient plus de {MAX_CELLS:_} cellules : gardez une seule feuille, "
                  f"{MAX_ROWS:_} lignes et {MAX_COLUMNS} colonnes au plus.").replace("_", "\u202f")  # 100 000
TOO_COMPLEX = "Le classeur est trop complexe (styles, noms ou relations en trop grand nombre) : il est refusé."
FORMULA = ("Formule refusée : les formules ne sont pas calculées à l'import ; saisissez la valeur elle-même "
           "(dans Excel : Copier, puis Collage spécial › Valeurs).")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and every password-protected .xlsx
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class WorkbookRefused(ValueError):
    """The file is refused; the message says why, in French."""


@dataclass
class Scan:
    """What the archive holds, counted without openpyxl."""
    cells: int = 0
    strings: int = 0
    # (row, column) of formula cells, by worksheet part name (first 1,000 per part)
    formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


def open_workbook(content: bytes):
    """The workbook, read-only and with the values as saved (formulas never evaluated), and the
    scan; or WorkbookRefused. The caller closes the workbook."""
    scan = check_archive(content)
    try:
        workbook = load_workbook(BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # noqa: BLE001 - anything openpyxl trips on is a damaged file
        raise WorkbookRefused(DAMAGED) from error
    return workbook, scan


def first_sheet_rows(workbook, scan: Scan, max_rows: int = MAX_ROWS, max_columns: int = MAX_COLUMNS):
    """(rows of the first sheet as tuples of values, formula cells of that sheet as (row, column))."""
    max_rows, max_columns = min(max_rows, MAX_ROWS), min(max_columns, MAX_COLUMNS)
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(max_row=max_rows, max_col=max_columns, values_only=True))
    except Exception as error:  # noqa: BLE001 - a malformed sheet inside a sound archive
        raise WorkbookRefused(DAMAGED) from error
    # openpyxl 3.1.5 keeps the sheet's part name only in this private attribute; without it,
    # the formulas of every sheet count
    path = getattr(sheet, "_worksheet_path", None)
    if path is None:
        formulas = set().union(*scan.formulas.values())
    else:
        formulas = scan.formulas.get(path.lstrip("/"), set())
    formulas = {cell for cell in formulas if cell[0] <= max_rows and cell[1] <= max_columns}
    return rows, formulas


def is_formula(value) -> bool:
    """A text cell starting with '=' is a formula typed as text: refused like a formula."""
    return isinstance(value, str) and value.startswith("=")


def check_archive(content: bytes) -> Scan:
    """Every limit, checked on the zip directory first, then on the inflated parts."""
    if len(content) > MAX_BYTES:
        raise WorkbookRefused(TOO_BIG)
    if content.startswith(_OLE):
        raise WorkbookRefused(OLD_OR_PROTECTED)
    if not content.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(NOT_A_WORKBOOK)
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            members = archive.infolist()
            _check_directory(members)
            scan = Scan()
            inflated = 0
            for member in members:
                inflated = _scan_member(archive, member, scan, inflated)
    except WorkbookRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, struct.error, expat.ExpatError) as error:
        raise WorkbookRefused(DAMAGED) from error
    return scan


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    if not members:
        raise WorkbookRefused(NOT_A_WORKBOOK)
    if len(members) > MAX_MEMBERS:
        raise WorkbookRefused(TOO_MANY_PARTS)
    if sum(m.compress_size for m in members) > MAX_BYTES:
        raise WorkbookRefused(DAMAGED)  # the directory lies about the file it sits in
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise WorkbookRefused(TOO_BIG_INFLATED)
    for member in members:
        if member.flag_bits & 0x1:
            raise WorkbookRefused(OLD_OR_PROTECTED)
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookRefused(DAMAGED)  # Excel only deflates; bzip2/lzma are not spreadsheets
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise WorkbookRefused(BOMB)


def _scan_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, scan: Scan, inflated: int) -> int:
    """Inflate one part in chunks (zipfile stops at the declared size and checks the CRC) and
    parse it when it is XML. Returns the bytes inflated so far."""
    parser = None
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            inflated += len(chunk)
            if inflated > MAX_UNCOMPRESSED:
                raise WorkbookRefused(TOO_BIG_INFLATED)
            if parser is None:
                if not _looks_like_xml(chunk):
                    continue  # images and binary parts: counted, not parsed
                parser = _PartParser(member.filename, scan)
            parser.feed(chunk)
    if parser is not None:
        parser.close()
    return inflated


def _looks_like_xml(head: bytes) -> bool:
    stripped = head.lstrip(b" \t\r\n")
    return stripped.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


class _PartParser:
    """A streaming expat parser for one part: refuses DTDs (so no entity is ever declared,
    expanded or fetched), counts elements, and notes where worksheet formulas are."""

    def __init__(self, name: str, scan: Scan):
        self.name, self.scan = name, scan
        self.elements = 0
        self.root = None
        self.row = self.column = 0
        self.parser = expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.ExternalEntityRefHandler = self._refuse
        self.parser.StartElementHandler = self._start

    def feed(self, chunk: bytes) -> None:
        self.parser.Parse(chunk, False)

    def close(self) -> None:
        self.parser.Parse(b"", True)

    @staticmethod
    def _refuse(*_):
        raise WorkbookRefused(DTD)

    def _start(self, name: str, attributes: dict) -> None:
        local = name.rpartition(":")[2]
        if self.root is None:
            self.root = local
        self.elements += 1
        if self.root == "worksheet":
            self._worksheet(local, attributes)
        elif self.root == "sst":
            if local == "si":
                self.scan.strings += 1
                if self.scan.strings > MAX_CELLS:
                    raise WorkbookRefused(TOO_MANY_CELLS)
        elif self.elements > MAX_PART_ELEMENTS:
            raise WorkbookRefused(TOO_COMPLEX)

    def _worksheet(self, local: str, attributes: dict) -> None:
        # rows and cells may omit their reference: they then follow the previous one
        if local == "row":
            reference = attributes.get("r", "")
            self.row = int(reference) if reference.isdecimal() else self.row + 1
            self.column = 0
        elif local == "c":
            self.scan.cells += 1
            if self.scan.cells > MAX_CELLS:
                raise WorkbookRefused(TOO_MANY_CELLS)
            match = _CELL_REF.fullmatch(attributes.get("r", ""))
            if match:
                self.row, self.column = int(match.group(2)), _column_number(match.group(1))
            else:
                self.column += 1
        elif local == "f":
            cells = self.scan.formulas.setdefault(self.name, set())
            if len(cells) < 1000:
                cells.add((self.row, self.column))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
