"""Codification at acceptance (SPEC K4): while accepting a formation the manager sets its
Formacodes, NSF and ROME codes and the état du dispositif of every financement; both are one
transaction with the acceptance. The view reads its form into a Codification of plain ids."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Nomenclature, NomenclatureKind
from app.validators import Problem
from app.views.labels import LABELS
from app.workflow.history import record

from .exceptions import Invalid
from .transition import FireTransition

CODE_LISTS = {"formacodes": NomenclatureKind.FORMACODE, "nsf": NomenclatureKind.NSF, "romes": NomenclatureKind.ROME}
ACTION = "Codification"


@dataclass(frozen=True)
class Codification:
    """Plain values from the review form; None means "not sent": left as it is."""

    formacodes: tuple[int, ...] | None = None
    nsf: tuple[int, ...] | None = None
    romes: tuple[int, ...] | None = None
    etat_dispositif: int | None = None


def _label(name: str) -> str:
    return str(LABELS.get(name, name))


class Codify:
    """validate() resolves every id in its code list (unknown ones are refused, all at once);
    apply() writes the codes, the financements and the history, without committing."""

    def __init__(self, formation, codification: Codification, user):
        self.formation, self.codification, self.user = formation, codification, user
        self._codes: dict[str, list] = {}
        self._etat = None

    def validate(self) -> None:
        problems = []
        for name, kind in CODE_LISTS.items():
            ids = getattr(self.codification, name)
            if ids is None:
                continue
            rows = self._rows(kind, ids)
            if len(rows) != len(set(ids)):
                problems.append(Problem(name, f"Code inconnu dans la liste « {_label(name)} »."))
            self._codes[name] = rows
        if self.codification.etat_dispositif is not None:
            rows = self._rows(NomenclatureKind.ETAT_DISPOSITIF, [self.codification.etat_dispositif])
            if not rows:
                problems.append(Problem("etat_dispositif", "État du dispositif inconnu."))
            self._etat = rows[0] if rows else None
        if problems:
            raise Invalid(problems)

    def apply(self) -> list[str]:
        """The labels of what changed (also the history's comment)."""
        formation, changed = self.formation, []
        for name, rows in self._codes.items():
            if {n.id for n in rows} != {n.id for n in getattr(formation, name)}:
                setattr(formation, name, rows)
                changed.append(_label(name))
        if self._etat is not None:
            for session in formation.sessions:
                for financement in session.financements:
                    financement.etat_dispositif = self._etat
            changed.append(_label("etat_dispositif"))
        if changed:
            record(db.session, formation.draft_of or formation, ACTION, self.user, ", ".join(changed))
        return changed

    @staticmethod
    def _rows(kind: str, ids) -> list:
        if not ids:
            return []
        return list(db.session.execute(select(Nomenclature).where(
            Nomenclature.kind == kind, Nomenclature.id.in_(set(ids)))).scalars())


class ReviewDecision:
    """A decision of the validation queue on one formation; acceptance carries the codification."""

    def __init__(self, formation, name: str, user, *, comment: str | None = None,
                 codification: Codification | None = None):
        self.transition = FireTransition(formation, name, user, comment=comment)
        self.codify = Codify(formation, codification, user) if name == "accept" and codification else None

    def validate(self) -> None:
        self.transition.validate()
        if self.codify is not None:
            self.codify.validate()

    def run(self):
        try:
            self.validate()
        except Invalid:
            db.session.rollback()
            raise
        if self.codify is not None:
            self.codify.apply()  # committed by the transition, or rolled back with its refusal
        return self.transition.run()
