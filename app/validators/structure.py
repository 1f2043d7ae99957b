"""Structures (organismes de formation): identity C1, coordonnées C3, lieux C11."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from . import WARNING, Problem
from .common import check_max_length, check_one_principal, check_required, nested, text
from .identifiers import (
    check_ape,
    check_code_insee,
    check_code_postal,
    check_email,
    check_nda,
    check_phone,
    check_siret,
    check_uai,
    check_url,
)

# What antennas show in the NDA column (C1); it is a label, never a number.
ANTENNE_NDA = "ANTENNE-ORG"

RAISON_SOCIALE_MAX = 250  # LHEO raison-sociale
LIEU_NOM_MAX = 255  # LHEO adresse/denomination
ADRESSE_LIGNE_MAX = 50  # LHEO adresse/ligne and ville


# --- C1 identity ---------------------------------------------------------------------------


def check_structure_identity(
    raison_sociale: str | None,
    siret: str | None,
    nda: str | None,
    *,
    has_parent: bool,
    ape: str | None = None,
    uai: str | None = None,
) -> list[Problem]:
    """C1: a siège (no parent) carries the NDA; an antenna (has a parent) never does."""
    problems = check_required(
        raison_sociale, "raison_sociale", "La raison sociale est obligatoire.", rule="C1"
    )
    problems += check_max_length(
        raison_sociale, "raison_sociale", "La raison sociale", RAISON_SOCIALE_MAX, rule="C1"
    )
    problems += check_siret(siret, "siret", required=True)
    nda_value = "" if text(nda).upper() == ANTENNE_NDA else text(nda)
    if has_parent:
        if nda_value:
            problems.append(
                Problem(
                    "nda",
                    "Une antenne ne porte pas de numéro de déclaration d'activité : "
                    "seul le siège en a un.",
                    rule="C1",
                )
            )
    else:
        problems += check_nda(nda_value, "nda", required=True)
    problems += check_ape(ape, "ape")
    problems += check_uai(uai, "uai")
    return problems


def check_structure_parent(*, own_parent: bool, parent_is_antenna: bool) -> list[Problem]:
    """C1: an antenna is attached to a siège, never to itself nor to another antenna."""
    if own_parent:
        return [
            Problem(
                "parent",
                "Une structure ne peut pas être sa propre structure de rattachement.",
                rule="C1",
            )
        ]
    if parent_is_antenna:
        return [
            Problem(
                "parent",
                "La structure de rattachement doit être un siège, pas une antenne.",
                rule="C1",
            )
        ]
    return []


# --- C3 coordonnées ------------------------------------------------------------------------

EMAIL = "email"
TELEPHONE = "telephone"
WEB = "web"


@dataclass(frozen=True)
class Coordonnee:
    kind: str  # EMAIL, TELEPHONE or WEB
    value: str
    principal: bool = False
    diffusion: bool = True  # shown publicly or not; no rule depends on it
    type: str = ""  # e.g. accueil, portable, fax; free list


# kind → (list field, item label, message when no principal, message when several)
_KINDS: dict[str, tuple[str, str, str, str]] = {
    EMAIL: (
        "emails",
        "Adresse e-mail",
        "Désignez une adresse e-mail principale.",
        "Une seule adresse e-mail peut être principale.",
    ),
    TELEPHONE: (
        "telephones",
        "Téléphone",
        "Désignez un téléphone principal.",
        "Un seul téléphone peut être principal.",
    ),
    WEB: (
        "sites_web",
        "Site web",
        "Désignez un site web principal.",
        "Un seul site web peut être principal.",
    ),
}
_VALUE_CHECKS = {EMAIL: check_email, TELEPHONE: check_phone, WEB: check_url}


def check_coordonnee_list(
    kind: str, items: Sequence[Coordonnee], field: str | None = None
) -> list[Problem]:
    """C3 for one list (all e-mails, all phones or all websites): valid values, one principal."""
    if kind not in _KINDS:
        return [
            Problem(field or "coordonnees", f"Type de coordonnée inconnu : « {kind} ».", rule="C3")
        ]
    list_field, label, missing, too_many = _KINDS[kind]
    list_field = field or list_field
    problems: list[Problem] = []
    for index, item in enumerate(items):
        item_problems = _VALUE_CHECKS[kind](item.value, "value", required=True)
        problems += nested(item_problems, list_field, index, label)
    problems += check_one_principal(
        [item.principal for item in items],
        list_field,
        missing=missing,
        too_many=too_many,
        rule="C3",
    )
    return problems


def check_coordonnees(items: Sequence[Coordonnee]) -> list[Problem]:
    """C3 for a mixed list: each kind is checked as its own list."""
    problems: list[Problem] = []
    for kind in dict.fromkeys(item.kind for item in items):
        problems += check_coordonnee_list(kind, [item for item in items if item.kind == kind])
    return problems


# --- C11 lieux -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lieu:
    nom: str
    ligne1: str  # N° + voie
    code_postal: str
    ville: str
    complement: str = ""  # ZI, ZA, lieu-dit…
    bp_cs: str = ""
    code_insee: str = ""
    latitude: float | str | None = None
    longitude: float | str | None = None
    telephone: str = ""
    siret: str = ""


def _check_coordinate(
    value: object, field: str, label: str, bound: int, required: bool
) -> list[Problem]:
    raw = text(value).replace(",", ".")
    if not raw:
        return [Problem(field, f"La {label} est obligatoire.", rule="C11")] if required else []
    try:
        number = float(raw)
    except ValueError:
        return [
            Problem(field, f"La {label} doit être un nombre décimal (ex. 49.4431).", rule="C11")
        ]
    if not -bound <= number <= bound:  # also false for NaN
        return [
            Problem(field, f"La {label} doit être comprise entre -{bound} et {bound}.", rule="C11")
        ]
    return []


def check_lieu(lieu: Lieu, *, require_coordinates: bool = True) -> list[Problem]:
    """C11/F4: name, address line, postal code and city required; lat/long in range.

    Coordinates are required when a lieu is created in the form (F4); imports of older
    records may pass `require_coordinates=False`.
    """
    problems = check_required(lieu.nom, "nom", "Le nom du lieu est obligatoire.", rule="C11")
    problems += check_max_length(lieu.nom, "nom", "Le nom du lieu", LIEU_NOM_MAX, rule="C11")
    problems += check_required(
        lieu.ligne1, "ligne1", "Le numéro et la voie sont obligatoires.", rule="C11"
    )
    for field, label, value in (
        ("ligne1", "La ligne d'adresse", lieu.ligne1),
        ("complement", "Le complément d'adresse", lieu.complement),
        ("bp_cs", "La boîte postale", lieu.bp_cs),
        ("ville", "La ville", lieu.ville),
    ):
        problems += check_max_length(value, field, label, ADRESSE_LIGNE_MAX, rule="C11")
    problems += check_code_postal(lieu.code_postal, "code_postal", required=True)
    problems += check_required(lieu.ville, "ville", "La ville est obligatoire.", rule="C11")
    problems += check_code_insee(lieu.code_insee, "code_insee")
    problems += _check_coordinate(lieu.latitude, "latitude", "latitude", 90, require_coordinates)
    problems += _check_coordinate(
        lieu.longitude, "longitude", "longitude", 180, require_coordinates
    )
    problems += check_phone(lieu.telephone, "telephone", rule="C11")
    problems += check_siret(lieu.siret, "siret")
    return problems


def check_lieu_removal(sessions_using: int) -> list[Problem]:
    """C11, F4: a lieu that sessions use is not removed (their lieux de formation would vanish)."""
    if sessions_using:
        return [Problem("", f"Ce lieu est celui de {sessions_using} session(s) : retirez-le de ces sessions "
                            "avant de le supprimer.", rule="C11")]
    return []


# Abbreviations seen in the seeds ("ST ETIENNE DU ROUVRAY" vs "Saint-Etienne-du-Rouvray").
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "pl": "place",
    "rte": "route",
    "chem": "chemin",
    "imp": "impasse",
}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _normalize_words(value: object) -> str:
    decomposed = unicodedata.normalize("NFKD", text(value).lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NON_ALNUM.sub(" ", ascii_text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def lieu_key(lieu: Lieu) -> tuple[str, str, str]:
    """Comparison key of an address: accents, case, punctuation and abbreviations ignored."""
    address = _normalize_words(f"{text(lieu.ligne1)} {text(lieu.complement)}")
    return address, "".join(text(lieu.code_postal).split()), _normalize_words(lieu.ville)


def find_duplicate_lieux(lieux: Sequence[Lieu], existing: Sequence[Lieu] = ()) -> list[Problem]:
    """C11: warn (never block) when two lieux share the same address, postal code and city.

    `lieux` are compared with each other and with `existing` (e.g. the structure's saved lieux).
    """
    seen: dict[tuple[str, str, str], Lieu] = {}
    for lieu in existing:
        seen.setdefault(lieu_key(lieu), lieu)
    problems: list[Problem] = []
    for lieu in lieux:
        key = lieu_key(lieu)
        if not all(key):  # an incomplete address cannot be compared
            continue
        if key in seen:
            other = seen[key]
            problems.append(
                Problem(
                    "lieux",
                    f"Les lieux « {text(lieu.nom)} » et « {text(other.nom)} » ont la même "
                    "adresse : doublon probable, réutilisez le lieu existant.",
                    WARNING,
                    rule="C11",
                )
            )
        else:
            seen[key] = lieu
    return problems
