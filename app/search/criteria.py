"""Criteria of the formations search (SPEC I1–I3), parsed from the request arguments: every
criterion is a URL argument, so a search can be bookmarked; invalid values are dropped and
reported in French."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from app.models import FormationEtat, SessionEtat

SORT_KEYS = ("reference", "session", "certification", "intitule", "debut", "fin", "formateur", "dispositif",
             "etat", "departement", "ville")
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_VALUES = 50  # values of a `;` list
YES_NO = {"oui": True, "non": False}
# What the search counts and lists: sessions (default), or formations — one row per formation
# and session, a formation without a running session listed once on its own (H1 counters).
MODES = ("", "formations")
FLAGS = ("certifiante", "apprentissage", "distance", "contrat_pro", "fonds_publics", "certification_expire",
         "erreurs", "partenaires", "en_suspens")
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9*]{1,20}$")
_POSTCODE = re.compile(r"^[0-9AB*]{1,5}$")


@dataclass(frozen=True)
class Criteria:
    q: str = ""  # recherche rapide: intitulé or reference (I1)
    type_reference: str = ""  # "F", "S" or "" (both)
    references: tuple[str, ...] = ()  # I2: `*` wildcard, `;` lists
    intitule: str = ""  # a word, or the exact label (I3)
    etat: str = ""
    mesure: int | None = None
    codes_postaux: tuple[str, ...] = ()
    departement: str = ""
    of_responsable: str = ""
    of_formateur: str = ""
    potentiel: str = ""  # a word of the organisation's potentiel de formation (C1: search keywords)
    niveau_entree: int | None = None
    niveau_sortie: int | None = None
    debut_du: date | None = None
    debut_au: date | None = None
    fin_du: date | None = None
    fin_au: date | None = None
    marche: str = ""
    certifiante: bool | None = None
    apprentissage: bool | None = None
    distance: bool | None = None
    # H1: the dashboard's counters open the search on these (app/search/formations.py says how)
    par: str = ""  # MODES
    etat_formation: str = ""  # FormationEtat of the formation (or of its open draft)
    contrat_pro: bool | None = None  # a financement on a contrat de professionnalisation mesure
    fonds_publics: bool | None = None  # a financement by a public financeur (C6's list)
    certification_expire: bool | None = None  # expiry radar
    erreurs: bool | None = None  # blocking errors (the SQL-expressible F rules)
    partenaires: bool | None = None  # sent to the partners (national flow's common conditions)
    en_suspens: bool | None = None  # G1: the formation is on hold (kept out of the exports)
    tri: str = "reference"
    ordre: str = "asc"
    page: int = 1
    taille: int = DEFAULT_PAGE_SIZE
    errors: tuple[str, ...] = ()

    def url_args(self, **changes) -> dict:
        """The criteria as URL arguments (pagination and sort links keep the search)."""
        values = {"q": self.q, "type_reference": self.type_reference, "reference": ";".join(self.references),
                  "intitule": self.intitule, "etat": self.etat, "mesure": self.mesure,
                  "code_postal": ";".join(self.codes_postaux), "departement": self.departement,
                  "of_responsable": self.of_responsable, "of_formateur": self.of_formateur,
                  "potentiel": self.potentiel,
                  "niveau_entree": self.niveau_entree, "niveau_sortie": self.niveau_sortie,
                  "debut_du": self.debut_du, "debut_au": self.debut_au, "fin_du": self.fin_du,
                  "fin_au": self.fin_au, "marche": self.marche,
                  **{name: _yes_no(getattr(self, name)) for name in FLAGS},
                  "par": self.par, "etat_formation": self.etat_formation,
                  "tri": self.tri, "ordre": self.ordre, "page": self.page, "taille": self.taille}
        values.update(changes)
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v not in ("", None)}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("oui" if value else "non")


def _text(args, name: str, limit: int = 200) -> str:
    return (args.get(name) or "").strip()[:limit]


def _int(args, name: str) -> int | None:
    value = _text(args, name, 10)
    return int(value) if value.isdecimal() and int(value) < 2**31 else None


def _date(args, name: str, label: str, errors: list) -> date | None:
    value = _text(args, name, 10)
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    errors.append(f"{label} : date invalide « {value} » (jj/mm/aaaa).")
    return None


def _values(args, name: str, pattern: re.Pattern, label: str, errors: list) -> tuple[str, ...]:
    values = [v.strip().upper() for v in _text(args, name, 2000).split(";") if v.strip()][:MAX_VALUES]
    bad = [v for v in values if not pattern.match(v)]
    if bad:
        errors.append(f"{label} : valeur invalide « {bad[0]} ».")
    return tuple(v for v in values if pattern.match(v))


def parse(args) -> Criteria:
    """Criteria from request arguments; invalid values are dropped and reported in `errors`."""
    errors: list[str] = []
    type_reference = _text(args, "type_reference", 1).upper()
    tri = _text(args, "tri", 20)
    taille = _int(args, "taille")
    values = dict(
        q=_text(args, "q"),
        type_reference=type_reference if type_reference in ("F", "S") else "",
        references=_values(args, "reference", REFERENCE_PATTERN, "Référence", errors),
        intitule=_text(args, "intitule", 255),
        etat=_text(args, "etat", 20) if _text(args, "etat", 20) in SessionEtat.LABELS else "",
        mesure=_int(args, "mesure"),
        codes_postaux=_values(args, "code_postal", _POSTCODE, "Code postal", errors),
        departement=_text(args, "departement", 3).upper(),
        of_responsable=_text(args, "of_responsable"),
        of_formateur=_text(args, "of_formateur"),
        potentiel=_text(args, "potentiel", 100),
        niveau_entree=_int(args, "niveau_entree"),
        niveau_sortie=_int(args, "niveau_sortie"),
        debut_du=_date(args, "debut_du", "Début de session du", errors),
        debut_au=_date(args, "debut_au", "Début de session au", errors),
        fin_du=_date(args, "fin_du", "Fin de session du", errors),
        fin_au=_date(args, "fin_au", "Fin de session au", errors),
        marche=_text(args, "marche", 50),
        **{name: YES_NO.get(_text(args, name, 3)) for name in FLAGS},
        par=_text(args, "par", 20) if _text(args, "par", 20) in MODES else "",
        etat_formation=(_text(args, "etat_formation", 20)
                        if _text(args, "etat_formation", 20) in FormationEtat.LABELS else ""),
        tri=tri if tri in SORT_KEYS else "reference",
        ordre="desc" if _text(args, "ordre", 4) == "desc" else "asc",
        page=max(1, min(_int(args, "page") or 1, 10**6)),
        taille=taille if taille in PAGE_SIZES else DEFAULT_PAGE_SIZE,
    )
    return Criteria(**values, errors=tuple(errors))
