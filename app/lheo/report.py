"""The gap report of an LHEO export (issue 13): per XML path, what was left out and why (a
formation the schema refuses, E3), what was written by default because the portal lacks it
(`-`, `00000000`, the default public…), texts whose forbidden characters were removed, and the
sessions a partner's perimeter leaves out.

Every line goes to a CSV file as it happens (one line per path and reference); memory keeps the
counts and a few references per line of the summary, whatever the offer's size. The summary is
a small JSON document (the managers' page reads it) and a printed French text.
"""
from __future__ import annotations

import csv
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

BLOCKING = "bloquant"  # the formation is left out of the file
DEFAULT = "valeur par défaut"  # a placeholder was written
CLEANED = "texte corrigé"  # characters forbidden in XML 1.0 removed
EXCLUDED = "hors périmètre"  # a session the partner does not take
NATURES = (BLOCKING, DEFAULT, CLEANED, EXCLUDED)
CSV_HEADER = ("nature", "chemin", "motif ou valeur", "formation", "session", "règle")
SAMPLE = 20  # references kept per summary line


@dataclass
class Line:
    nature: str
    path: str
    reason: str
    count: int = 0
    references: list[str] = field(default_factory=list)


class GapReport:
    """Collects the lines of one export. `begin(formation)` opens a formation: its lines wait
    until `commit()` (the formation was written) or `drop()` (it was left out: only its blocking
    lines stay), so that a refused formation's defaults are not counted as written."""

    def __init__(self, csv_stream=None, *, kind: str = "export", partner: str = "", file: str = ""):
        self.kind, self.partner, self.file = kind, partner, file
        self.started_at = datetime.now().replace(microsecond=0)
        self.finished_at: datetime | None = None
        self.lines: dict[tuple[str, str, str], Line] = {}
        self.written = {"formations": 0, "actions": 0}
        self._csv = csv.writer(csv_stream, delimiter=";") if csv_stream is not None else None
        if self._csv is not None:
            self._csv.writerow(CSV_HEADER)
        self._pending: list[tuple] = []
        self.formation = self.session = ""

    # --- context ------------------------------------------------------------------------------

    def begin(self, formation_reference: str) -> None:
        self.formation, self.session, self._pending = formation_reference or "", "", []

    def in_session(self, session_reference: str | None) -> None:
        self.session = session_reference or ""

    def commit(self, actions: int) -> None:
        for entry in self._pending:
            self._add(*entry)
        self._pending = []
        self.written["formations"] += 1
        self.written["actions"] += actions

    def drop(self) -> None:
        self._pending, self.session = [], ""

    # A subtree built once and copied (elements.reuse) replays the lines of its first build.
    def capture(self) -> int:
        return len(self._pending)

    def release(self, start: int) -> list[tuple]:
        return [entry[:3] for entry in self._pending[start:]]

    def replay(self, lines: list[tuple]) -> None:
        """The lines of a copied subtree, for the open formation and session."""
        for nature, path, reason in lines:
            self._pending.append((nature, path, reason, self.formation, self.session, ""))

    # --- lines ----------------------------------------------------------------------------------

    def default(self, path: str, value: str) -> None:
        self._pending.append((DEFAULT, path, f"« {value} »", self.formation, self.session, ""))

    def cleaned(self, path: str) -> None:
        self._pending.append((CLEANED, path, "caractères interdits en XML retirés", self.formation,
                              self.session, ""))

    def blocking(self, path: str, reason: str, rule: str = "") -> None:
        """The open formation is left out (written at once: it stays whatever comes next)."""
        self._add(BLOCKING, path, reason, self.formation, self.session, rule)

    def excluded(self, reason: str, session_reference: str) -> None:
        self._add(EXCLUDED, "action", reason, self.formation, session_reference or "", "")

    def _add(self, nature, path, reason, formation, session, rule) -> None:
        path = path.removeprefix("lheo/offres/")  # built inside the validation wrapper
        line = self.lines.get((nature, path, reason))
        if line is None:
            line = self.lines[(nature, path, reason)] = Line(nature, path, reason)
        line.count += 1
        reference = session or formation
        if len(line.references) < SAMPLE and reference not in line.references:
            line.references.append(reference)
        if self._csv is not None:
            self._csv.writerow((nature, path, reason, formation, session, rule))

    # --- summary --------------------------------------------------------------------------------

    def finish(self) -> None:
        self.finished_at = datetime.now().replace(microsecond=0)

    def count(self, nature: str) -> int:
        return sum(line.count for line in self.lines.values() if line.nature == nature)

    def summary(self) -> dict:
        lines = sorted(self.lines.values(), key=lambda l: (NATURES.index(l.nature), -l.count, l.path, l.reason))
        return {
            "kind": self.kind, "partner": self.partner, "file": self.file,
            "started_at": self.started_at.isoformat(sep=" "),
            "finished_at": (self.finished_at or datetime.now().replace(microsecond=0)).isoformat(sep=" "),
            "written": dict(self.written),
            "totals": {nature: self.count(nature) for nature in NATURES},
            "lines": [{"nature": l.nature, "path": l.path, "reason": l.reason, "count": l.count,
                       "references": l.references} for l in lines],
        }

    def text(self) -> str:
        """The printed summary, in French."""
        written = self.written
        out = [f"{written['formations']} formation(s), {written['actions']} action(s) et session(s) écrites."]
        for nature, title in ((BLOCKING, "Formations écartées"), (EXCLUDED, "Sessions hors périmètre"),
                              (DEFAULT, "Valeurs par défaut écrites"), (CLEANED, "Textes corrigés")):
            lines = [l for l in self.lines.values() if l.nature == nature]
            if not lines:
                continue
            out.append(f"{title} : {sum(l.count for l in lines)}")
            for line in sorted(lines, key=lambda l: -l.count)[:15]:
                sample = ", ".join(line.references[:5])
                out.append(f"  {line.count:>7}  {line.path} — {line.reason} ({sample}{', …' if line.count > 5 else ''})")
        return "\n".join(out)


def write_summary(summary: dict, stream) -> None:
    json.dump(summary, stream, ensure_ascii=False, indent=1)


# The report being filled by the builders (elements.py) while a formation is built: a context
# variable rather than one more argument to every builder.
_current: ContextVar[GapReport | None] = ContextVar("lheo_report", default=None)


def current() -> GapReport | None:
    return _current.get()


@contextmanager
def recording(report: GapReport | None):
    token = _current.set(report)
    try:
        yield report
    finally:
        _current.reset(token)
