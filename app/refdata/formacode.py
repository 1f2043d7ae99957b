"""Referentials an operator loads himself (SPEC D1, D3; J4): the Formacode of Centre Inffo and the
Certif Info numbers of the certifications. The portal ships samples only (app/data); these
loaders read the operator's files. Idempotent: an existing code is updated, never duplicated.

Formacode: the Centre Inffo export as CSV (`;` or `,`, a header naming the code and label
columns: `code`/`CODE_FORMACODE`/`Formacode`…, `libelle`/`LIBELLE`/`intitule`…) or XML (one
element per entry holding a 5-digit code and a label, as children or attributes); its version
(`V14`) is given or read from a `version` column/attribute or the file name (`…v14…`).
Certif Info: a CSV pairing a Certif Info number with an RNCP or RS code.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from app.models import Certification, Nomenclature, NomenclatureKind as K

CODE_NAMES = ("code_formacode", "codeformacode", "formacode", "code", "code_fcd", "cle")
LABEL_NAMES = ("libelle", "libelle_formacode", "intitule", "label", "descripteur", "terme", "libelle_descripteur")
VERSION_IN_NAME = re.compile(r"v(\d{1,2})(?!\d)", re.IGNORECASE)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", name.strip().lower().replace(" ", "_").replace("é", "e").replace("-", "_"))


def _version(given: str | None, path: Path, found: str | None = None) -> str | None:
    if given:
        return given.upper() if given.upper().startswith("V") else f"V{given}"
    if found:
        return found.upper() if found.upper().startswith("V") else f"V{found}"
    match = VERSION_IN_NAME.search(path.stem)
    return f"V{int(match.group(1))}" if match else None


def _csv_rows(content: str) -> list[dict]:
    sample = content[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    return [{_norm(k or ""): (v or "").strip() for k, v in row.items()} for row in reader]


def _pick(row: dict, names) -> str | None:
    for name in names:
        if row.get(name):
            return row[name]
    return None


def read_formacode(path) -> tuple[list[tuple[str, str]], str | None]:
    """(code, libellé) pairs of a Centre Inffo export, and the version it names."""
    path = Path(path)
    raw = path.read_bytes()
    entries, found_version = [], None
    if raw.lstrip()[:1] == b"<":
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        root = etree.fromstring(raw, parser)
        found_version = root.get("version") or root.get("Version")
        for node in root.iter(etree.Element):
            values = {_norm(etree.QName(k).localname): v for k, v in node.attrib.items()}
            for child in node:
                if isinstance(child.tag, str) and len(child) == 0 and child.text:
                    values.setdefault(_norm(etree.QName(child).localname), child.text.strip())
            code, label = _pick(values, CODE_NAMES), _pick(values, LABEL_NAMES)
            if code and label and len(code.strip()) == 5 and code.strip().isdecimal():
                entries.append((code.strip(), label))
    else:
        text = raw.decode("utf-8-sig", errors="replace")
        for row in _csv_rows(text):
            found_version = found_version or row.get("version")
            code, label = _pick(row, CODE_NAMES), _pick(row, LABEL_NAMES)
            if code and label and len(code) == 5 and code.isdecimal():
                entries.append((code, label))
    return list(dict(entries).items()), found_version


def load_formacode(session, path, version: str | None = None) -> tuple[int, str | None]:
    """Load or update the Formacode entries of `path`; returns (codes read, version)."""
    path = Path(path)
    entries, found = read_formacode(path)
    version = _version(version, path, found)
    existing = {n.code: n for n in session.execute(select(Nomenclature).where(Nomenclature.kind == K.FORMACODE)).scalars()}
    for code, label in entries:
        item = existing.get(code)
        if item is None:
            item = existing[code] = Nomenclature(kind=K.FORMACODE, code=code)
            session.add(item)
        item.libelle, item.version, item.actif = label[:255], version, True
    session.flush()
    return len(entries), version


CERTIFINFO_NAMES = ("code_certifinfo", "certifinfo", "certif_info", "code_certif_info", "numero_certifinfo")
FICHE_NAMES = ("numero_fiche", "code_rncp", "rncp", "code_rs", "rs", "fiche", "code_fiche")


def load_certif_info(session, path) -> tuple[int, int]:
    """Certif Info numbers of the certifications, from a CSV pairing them with RNCP/RS codes;
    returns (rows read, certifications updated)."""
    rows = _csv_rows(Path(path).read_bytes().decode("utf-8-sig", errors="replace"))
    by_code = {}
    for certification in session.execute(select(Certification)).scalars():
        for code in (certification.code_rncp, certification.code_rs):
            if code:
                by_code[code.upper()] = certification
    updated = 0
    for row in rows:
        number, fiche = _pick(row, CERTIFINFO_NAMES), _pick(row, FICHE_NAMES)
        if not number or not fiche:
            continue
        fiche = fiche.upper().replace(" ", "")
        if fiche.isdecimal():
            fiche = f"RNCP{fiche}"
        certification = by_code.get(fiche)
        if certification is not None and certification.certif_info != number[:10]:
            certification.certif_info = number[:10]
            updated += 1
    session.flush()
    return len(rows), updated
