"""LHEO 2.3 export of the offer (SPEC J1, J3, E9): streamed, validated formation by formation.

Formations come by chunks (load.py); each is built as one element, validated against the schema
inside a minimal `lheo/offres` document, and only then written (`lxml.etree.xmlfile`): a formation
the schema refuses is left out and reported, the rest of the file stays valid. The partner's
perimeter (app/checks/partners.py: the functions of the pages' readiness panel) chooses the
sessions; the gap report (report.py) tells what was left out, defaulted or cleaned.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from lxml import etree

from app.checks.offer import habilitated_sirets, habilitation_problems
from app.checks.partners import NATIONAL, PARTNERS, formation_blockers, verdict

from .elements import NS, el, horodatage, lheo_date, path_of, reusing, root_element
from .mapping import DEFAULT_PUBLIC, formation_element  # noqa: F401  (DEFAULT_PUBLIC: tests)
from .report import GapReport, recording

SCHEMA_PATH = Path(__file__).with_name("lheo.xsd")
_NS_BRACES = re.compile(r"\{http://lheo\.gouv\.fr/2\.3\}")


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate(document: bytes) -> list[str]:
    """Problems of `document` against the LHEO 2.3 schema; an empty list means valid."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as error:
        return [f"XML mal formé : {error}"]
    problems = []
    if root.tag != f"{{{NS}}}lheo":
        problems.append(f"L'élément racine doit être lheo ({NS}), pas {root.tag}.")
    schema = _schema()
    if not schema.validate(root):
        problems += [f"ligne {error.line} : {error.message}" for error in schema.error_log]
    return problems


def region_prefix(prefix: str | None = None) -> str | None:
    if prefix is None and has_app_context():
        prefix = current_app.config.get("REGION_PREFIX")
    return prefix


class FormationCheck:
    """Validates one formation inside a minimal `lheo/offres` document: the formation is built
    under `offres` here, checked, then written and detached."""

    def __init__(self):
        self.root = root_element("lheo")
        self.offres = el(self.root, "offres")

    def problems(self, element) -> list[tuple[str, str]]:
        """(path, French reason) of each schema error; empty when the formation is valid."""
        schema = _schema()
        if schema.validate(self.root):
            return []
        # Built in memory, the elements have no line numbers: serialise and parse again to
        # name the path of each error (only for the rare formation that fails).
        copy = etree.fromstring(etree.tostring(self.root, pretty_print=True))
        schema.validate(copy)
        by_line = {}
        for node in copy.iter(etree.Element):
            by_line.setdefault(node.sourceline, node)
        problems = []
        for error in schema.error_log:
            node = by_line.get(error.line)
            path = path_of(node).removeprefix("lheo/offres/") if node is not None else "formation"
            problems.append((path, _reason(path, error.message)))
        return problems or [("formation", "refusée par le schéma LHEO")]


def _reason(path: str, message: str) -> str:
    if path.endswith("/SIRET"):
        return "SIRET absent ou mal formé (14 chiffres attendus) : refusé par le schéma LHEO"
    return "refusé par le schéma LHEO : " + _NS_BRACES.sub("", message)


def write_offer(stream, chunks, report: GapReport, *, partner: str = NATIONAL, today: date | None = None,
                prefix: str | None = None, habilitated=None, pretty: bool = True,
                exported_at: datetime | None = None, perimeter: bool = True) -> int:
    """Write the LHEO document of the formations in `chunks` (lists of formations, with their
    sessions) to the binary `stream`; returns the number of formations written. `habilitated`
    (certification id → SIRETs) for in-memory formations; read from the database otherwise.
    Without `perimeter` (the formations of one import source, J4) every given session is
    written: no partner's rule applies, only the schema."""
    today = today or date.today()
    prefix = region_prefix(prefix)
    check = FormationCheck()
    now = exported_at or datetime.now(timezone.utc).replace(tzinfo=None)
    attributes = {"horodatage-export": horodatage(now), "datecrea": lheo_date(now)}
    with etree.xmlfile(stream, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}lheo", attrib=attributes, nsmap={None: NS}):
            with xf.element(f"{{{NS}}}offres"):
                for formations in chunks:
                    known = habilitated if habilitated is not None or not perimeter else habilitated_sirets(
                        {link.certification_id for f in formations for link in f.certifications})
                    with reusing():  # repeated organisations and places built once per chunk
                        for formation in formations:
                            element = _formation(check, formation, report, partner, today, prefix, known,
                                                 perimeter)
                            if element is not None:
                                xf.write(element, pretty_print=pretty)
                                check.offres.remove(element)
    return report.written["formations"]


def _formation(check: FormationCheck, formation, report: GapReport, partner, today, prefix, habilitated,
               perimeter: bool = True):
    """The formation's element, valid and holding the sessions the partner takes; None when it
    is left out (reported)."""
    report.begin(formation.reference)
    if not perimeter:
        return _checked(check, formation, list(formation.sessions), report, prefix)
    habilitation = habilitation_problems(formation, habilitated, getattr(formation, "formateur_sirets", None))
    blocking = formation_blockers(formation, habilitation)
    if blocking:
        for rule, reason in blocking:
            report.blocking("formation", reason, rule)
        return None
    sessions = []
    for session in formation.sessions:
        judged = verdict(partner, session, today, habilitation)
        if judged.ready:
            sessions.append(session)
        elif not judged.applicable:
            report.excluded("non concerné : " + (judged.notes[0] if judged.notes else PARTNERS[partner]),
                            session.reference)
        else:
            report.excluded(judged.reasons[0], session.reference)
    return _checked(check, formation, sessions, report, prefix)


def _checked(check: FormationCheck, formation, sessions, report: GapReport, prefix):
    if not sessions:
        return None
    with recording(report):
        element = formation_element(check.offres, formation, sessions, prefix)
    problems = check.problems(element)
    if problems:
        check.offres.remove(element)
        report.drop()
        for path, reason in dict.fromkeys(problems):
            report.blocking(path, reason)
        return None
    report.commit(len(sessions))
    return element


def export_formations(formations, region_prefix: str | None = None, *, partner: str = NATIONAL,
                      today: date | None = None, report: GapReport | None = None, habilitated=None,
                      exported_at: datetime | None = None) -> bytes:
    """The LHEO document of in-memory `formations` (ORM objects or loaded records), as bytes.
    E3 reads the habilitations of the formations' structures unless `habilitated` is given."""
    if habilitated is None:
        habilitated = _habilitations_in_memory(formations)
    stream = io.BytesIO()
    write_offer(stream, [list(formations)], report or GapReport(), partner=partner, today=today,
                prefix=region_prefix, habilitated=habilitated, exported_at=exported_at)
    return stream.getvalue()


def export_bytes(db_session=None, *, partner: str = NATIONAL, today: date | None = None, formation_ids=None,
                 report: GapReport | None = None, exported_at: datetime | None = None) -> bytes:
    """The document `write_export` would write, from the database, as bytes (tests, small
    selections): inside an application context."""
    from app.extensions import db

    from .load import published_formations

    stream = io.BytesIO()
    write_offer(stream, published_formations(db_session or db.session, formation_ids=formation_ids),
                report or GapReport(), partner=partner, today=today, exported_at=exported_at)
    return stream.getvalue()


def _habilitations_in_memory(formations) -> dict:
    habilitated: dict = {}
    for formation in formations:
        structures = [formation.structure, *(link.structure for s in formation.sessions for link in s.formateurs)]
        for structure in filter(None, structures):
            for habilitation in getattr(structure, "habilitations", None) or ():
                key = habilitation.certification_id or getattr(habilitation.certification, "id", None)
                habilitated.setdefault(key, []).append(structure.siret)
    return habilitated
