"""Qualiopi from the source (SPEC C6): the DGEFP public list of training organisations.

The list is the open-data export "Liste publique des organismes de formation (L.6351-7-1 du Code du
travail)" (data.gouv.fr, produced by Mon Activité Formation). Its CSV is `;`-separated, UTF-8, one
line per organisation, text fields quoted, booleans `true` / `false` (or empty: not certified),
every line ending with a `;`. The columns read here (the file has about thirty; the others are
ignored):

    numeroDeclarationActivite                          the NDA, 11 digits
    certifications.actionsDeFormation                  -> Structure.qualiopi_action_formation
    certifications.bilansDeCompetences                 -> Structure.qualiopi_bilan
    certifications.VAE                                 -> Structure.qualiopi_vae
    certifications.actionsDeFormationParApprentissage  -> Structure.qualiopi_apprentissage

The file is streamed (one line at a time; memory holds the portal's NDAs only, not the list's
hundred thousand organisations). A structure is matched by the NDA of its siège (C1: antennas
carry none and take their siège's certifications); a structure whose NDA is absent from the list,
or which has none, loses its flags — the list is the source. A file without those columns is
refused before anything is written; a malformed line is reported with its number and ignored (a
structure whose NDA is on a malformed line keeps its flags). Everything is written in one
transaction, with the date of the list on every structure it set and a history entry on each one
whose flags changed.

A manager may still correct a structure's flags on its form (the page then says so); the next list
loaded sets them again.
"""
from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update

from app.extensions import db
from app.models import HistoryEntry, Structure, StructureEtat
from app.models.structures import QUALIOPI_LABELS
from app.security.scope import scoped

log = logging.getLogger(__name__)

NDA_COLUMN = "numeroDeclarationActivite"
# Structure.qualiopi_<key> <- column of the list
FLAG_COLUMNS = {
    "action_formation": "certifications.actionsDeFormation",
    "bilan": "certifications.bilansDeCompetences",
    "vae": "certifications.VAE",
    "apprentissage": "certifications.actionsDeFormationParApprentissage",
}
REQUIRED_COLUMNS = (NDA_COLUMN, *FLAG_COLUMNS.values())
DELIMITER = ";"
TRUE, FALSE = frozenset({"true", "1"}), frozenset({"false", "0", ""})
NDA_PATTERN = re.compile(r"^\d{11}$")
SHOWN_MALFORMED = 20  # malformed lines listed one by one in the summary; the others counted


class QualiopiListRefused(Exception):
    """The file is not the public list (its columns): nothing was written. French message."""


@dataclass
class QualiopiReport:
    list_date: date
    lines: int = 0  # data lines read (blank lines aside)
    matched: int = 0  # sièges of the portal found in the list by their NDA
    absent: int = 0  # sièges whose NDA is not in the list (or without NDA): flags cleared
    unknown: int = 0  # lines of the list whose NDA no structure of the portal carries
    gained: int = 0  # certifications gained, over every structure (antennas included)
    lost: int = 0  # certifications lost, likewise
    structures_gained: int = 0
    structures_lost: int = 0
    kept: int = 0  # structures left as they were: their NDA is on a malformed line
    malformed: list[tuple[int, str]] = field(default_factory=list)

    def french(self) -> str:
        lines = [
            f"Liste publique des organismes de formation du {self.list_date:%d/%m/%Y} : "
            f"{self.lines} ligne(s) lue(s).",
            f"Structures retrouvées par leur NDA : {self.matched}.",
            f"Certifications Qualiopi gagnées : {self.gained} ({self.structures_gained} structure(s)).",
            f"Certifications Qualiopi perdues : {self.lost} ({self.structures_lost} structure(s)).",
            f"Structures absentes de la liste ou sans NDA (certifications retirées) : {self.absent}.",
            f"NDA inconnus du portail, ignorés : {self.unknown}.",
            f"Lignes mal formées, ignorées : {len(self.malformed)}.",
        ]
        for number, reason in self.malformed[:SHOWN_MALFORMED]:
            lines.append(f"  ligne {number} : {reason}")
        if len(self.malformed) > SHOWN_MALFORMED:
            lines.append(f"  … et {len(self.malformed) - SHOWN_MALFORMED} autre(s) ligne(s) mal formée(s).")
        if self.kept:
            lines.append(f"Structures laissées telles quelles (leur NDA est sur une ligne mal formée) : {self.kept}.")
        return "\n".join(lines)


def nda_digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdecimal())


def _flag(value: str) -> bool | None:
    text = value.strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def read_list(path: Path):
    """Yield (line number, NDA, {key: bool}) for each good line and (line number, NDA or None,
    French reason) for each malformed one, streaming the file. Raises QualiopiListRefused when
    the header lacks the list's columns (before any line is read)."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=DELIMITER)
        header = next(reader, None)
        names = [name.strip() for name in header or []]
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise QualiopiListRefused(
                "Ce fichier n'est pas la liste publique des organismes de formation : colonne(s) absente(s) : "
                + ", ".join(f"« {name} »" for name in missing)
                + f". Colonnes attendues, séparées par « {DELIMITER} » : " + ", ".join(REQUIRED_COLUMNS)
                + ". Rien n'a été modifié.")
        nda_index = names.index(NDA_COLUMN)
        indexes = {key: names.index(column) for key, column in FLAG_COLUMNS.items()}
        width = len(names)
        for row in reader:
            number = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width and not _only_a_trailing_field(row, names):
                nda = nda_digits(row[nda_index]) if len(row) > nda_index else None
                yield number, nda if nda and NDA_PATTERN.match(nda) else None, (
                    f"{len(row)} champ(s) au lieu de {width}")
                continue
            raw_nda = row[nda_index].strip()
            if not NDA_PATTERN.match(raw_nda):
                yield number, None, f"numéro de déclaration d'activité « {raw_nda[:30]} » non valide (11 chiffres attendus)"
                continue
            flags, wrong = {}, None
            for key, index in indexes.items():
                value = _flag(row[index])
                if value is None:
                    wrong = f"valeur « {row[index].strip()[:30]} » non valide en {FLAG_COLUMNS[key]} (true ou false attendu)"
                    break
                flags[key] = value
            yield (number, raw_nda, wrong) if wrong else (number, raw_nda, flags)


def _only_a_trailing_field(row: list[str], names: list[str]) -> bool:
    """The export ends every line with `;`: a line or a header without it differs by one empty field."""
    return (len(row) == len(names) + 1 and not row[-1].strip()) or (len(row) == len(names) - 1 and not names[-1])


def _file_date(path: Path) -> date:
    return datetime.fromtimestamp(Path(path).stat().st_mtime, tz=timezone.utc).date()


def load_qualiopi(session, path, list_date: date | None = None, author=None) -> QualiopiReport:
    """Set the Qualiopi flags of every structure from the list in `path` (dated `list_date`, by
    default the file's modification day); returns the report. Commits nothing: the caller does,
    once (a refused file raises QualiopiListRefused before any change)."""
    path = Path(path)
    report = QualiopiReport(list_date=list_date or _file_date(path))
    rows = session.execute(select(
        Structure.id, Structure.parent_id, Structure.nda, Structure.qualiopi_perdus, Structure.version,
        *(getattr(Structure, f"qualiopi_{key}") for key in FLAG_COLUMNS))).all()
    siege_nda = {row.id: nda_digits(row.nda) for row in rows if row.parent_id is None}
    ours = set(siege_nda.values()) - {""}

    found: dict[str, dict[str, bool]] = {}
    uncertain: set[str] = set()
    good = 0
    for number, nda, result in read_list(path):
        report.lines += 1
        if not isinstance(result, dict):
            report.malformed.append((number, result))
            if nda in ours:
                uncertain.add(nda)
            continue
        good += 1
        if nda not in ours:
            report.unknown += 1
            continue
        previous = found.get(nda)  # an NDA listed twice: certified if either line says so
        found[nda] = result if previous is None else {k: previous[k] or result[k] for k in result}
    if good == 0:
        raise QualiopiListRefused("Aucune ligne valide dans ce fichier : rien n'a été modifié.")

    changes, history, untouched = [], [], []
    for nda in siege_nda.values():
        if nda in uncertain:
            continue
        if nda in found:
            report.matched += 1
        else:
            report.absent += 1
    for row in rows:
        nda = siege_nda.get(row.parent_id if row.parent_id is not None else row.id, "")
        if nda in uncertain:
            untouched.append(row.id)
            continue
        new = found.get(nda, dict.fromkeys(FLAG_COLUMNS, False))
        old = {key: bool(getattr(row, f"qualiopi_{key}")) for key in FLAG_COLUMNS}
        gained = [key for key in FLAG_COLUMNS if new[key] and not old[key]]
        lost = [key for key in FLAG_COLUMNS if old[key] and not new[key]]
        perdus = [key for key in FLAG_COLUMNS
                  if (key in lost or key in (row.qualiopi_perdus or "").split(",")) and not new[key]]
        perdus_text = ",".join(perdus) or None
        if gained or lost or perdus_text != row.qualiopi_perdus:
            # With the version read above: SQLAlchemy raises it, and refuses a row changed meanwhile.
            changes.append({"id": row.id, "version": row.version, "qualiopi_perdus": perdus_text,
                            **{f"qualiopi_{key}": value for key, value in new.items()}})
        if gained or lost:
            report.gained += len(gained)
            report.lost += len(lost)
            report.structures_gained += bool(gained)
            report.structures_lost += bool(lost)
            history.append(HistoryEntry(
                entity="structure", entity_id=row.id, author_id=getattr(author, "id", None),
                action=f"Certifications Qualiopi mises à jour (liste publique du {report.list_date:%d/%m/%Y})",
                comment=_change_comment(gained, lost)))
    report.kept = len(untouched)
    if changes:
        session.execute(update(Structure), changes)
    statement = update(Structure).values(qualiopi_source_le=report.list_date)
    if untouched:
        statement = statement.where(Structure.id.not_in(untouched))
    session.execute(statement.execution_options(synchronize_session=False))
    session.add_all(history)
    session.flush()
    session.expire_all()
    return report


def _change_comment(gained: list[str], lost: list[str]) -> str:
    parts = []
    if gained:
        parts.append("Gagnée(s) : " + ", ".join(QUALIOPI_LABELS[key] for key in gained) + ".")
    if lost:
        parts.append("Perdue(s) : " + ", ".join(QUALIOPI_LABELS[key] for key in lost) + ".")
    return " ".join(parts)


def lost_clause():
    """Structures a list took a Qualiopi certification from that they still lack."""
    return and_(Structure.qualiopi_perdus.is_not(None), Structure.etat != StructureEtat.ARCHIVEE, or_(*(
        and_(Structure.qualiopi_perdus.contains(key), getattr(Structure, f"qualiopi_{key}").is_(False))
        for key in FLAG_COLUMNS)))


def lost_count_statement(user=None, espace=None):
    """The count of the structures of `user`'s scope (the current user by default; all of them for
    a manager), narrowed to `espace` (a Structure: itself and its antennas) when given, that lost a
    Qualiopi certification in the public list and still lack it."""
    query = select(func.count()).select_from(Structure).where(lost_clause())
    if espace is not None:
        from app.security.scope import espace_clause

        query = query.where(espace_clause(Structure, espace))
    return scoped(query, Structure, write=False, user=user)


def lost_qualiopi_count(user=None, espace=None) -> int:
    """For a dashboard counter: `lost_count_statement`, one query."""
    return db.session.execute(lost_count_statement(user, espace)).scalar() or 0
