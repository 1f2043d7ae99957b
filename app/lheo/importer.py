"""From a validated LHEO formation element to what the portal stores (SPEC J4): no database here.

Each level (formation, action, session) is split in two:
- the values the portal uses go to columns (intitulé, texts, niveaux, durations, dates…) and the
  elements they came from are taken out of the level's tree (`columns` lists them, so that the
  export puts the column's value back at its place — a manager's later change included);
- everything else stays in the level's stored tree (`lheo` column): organismes, lieux, contacts,
  financeurs, recrutement, extras, langue-formation, url-action, adresse-information,
  date-information, periode-inscription, code-perimetre-recrutement, conventionnement… as read.
Dates keep their precision: `periode` stays in the tree with its text (`20260900`, `00000000`,
`99999999`) and the columns hold the day it means (the 1st of the month, None when unknown).
A code the portal's referential does not know (a niveau, a modalité) stays in the tree.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from .tree import child, children, local, remove, text, to_tree

UNKNOWN_START, UNKNOWN_END = "00000000", "99999999"


def digest(element) -> str:
    """sha256 of the element's canonical form: equal digests, equal content."""
    return hashlib.sha256(etree.tostring(element, method="c14n")).hexdigest()


def lheo_day(value: str | None) -> date | None:
    """The day an LHEO date means: AAAAMMJJ; AAAAMM00 the 1st of the month; AAAA0000 the 1st of
    January; 00000000 and 99999999 (unknown) None; anything impossible None."""
    value = (value or "").strip()
    if len(value) != 8 or not value.isdecimal() or value in (UNKNOWN_START, UNKNOWN_END):
        return None
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    try:
        return date(year, month or 1, day or 1)
    except ValueError:
        return None


def same_day(raw: str | None, value: date | None) -> bool:
    """Whether the stored text `raw` still says the column's `value` (export keeps the text then)."""
    return lheo_day(raw) == value


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _flag(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get((value or "").strip())


@dataclass
class Organisme:
    """An organisme of the flow, to match by SIRET or to create (non-member structure)."""
    siret: str
    numero: str | None
    raison_sociale: str | None
    nom: str | None = None
    nda: str | None = None
    uai: str | None = None
    adresse: dict | None = None
    path: str = ""


@dataclass
class Place:
    """A lieu-de-formation with an address: becomes a Lieu of the action's formateur."""
    nom: str
    adresse: dict
    siret: str | None = None
    uai: str | None = None
    telephone: str | None = None


@dataclass
class ParsedSession:
    key: str
    numero: str | None
    digest: str
    tree: dict
    columns: list[str]
    values: dict
    path: str


@dataclass
class ParsedAction:
    key: str
    numero: str | None
    digest: str  # the action without its sessions
    tree: dict
    columns: list[str]
    values: dict  # session columns every session of the action takes
    codes: dict  # nomenclature kind → codes (attached when the referential knows them)
    formateurs: list[Organisme]
    places: list[Place]
    financeurs: list[tuple[str, int | None]]
    sessions: list[ParsedSession]
    path: str


@dataclass
class ParsedFormation:
    key: str
    numero: str | None
    digest: str  # the whole formation
    own_digest: str  # the formation without its actions
    tree: dict
    columns: list[str]
    values: dict
    codes: dict  # niveau, objectif_general (nomenclature codes), formacode, nsf, rome
    certifications: list[dict]
    responsable: Organisme
    actions: list[ParsedAction]
    path: str
    warnings: list[tuple[str, str]] = field(default_factory=list)


# Leaves of each level that go to columns: tag → (column, kind of value). A code (nomenclature)
# leaves the tree only when the referential knows it (decided when writing: `codes`).
FORMATION_TEXTS = {"intitule-formation": "intitule", "objectif-formation": "objectifs",
                   "resultats-attendus": "resultats", "contenu-formation": "contenu"}
FORMATION_CODES = {"code-niveau-entree": "niveau_entree", "objectif-general-formation": "objectif_general",
                   "code-niveau-sortie": "niveau_sortie"}
ACTION_INTEGERS = {"nombre-heures-centre": "duree_centre", "nombre-heures-entreprise": "duree_entreprise",
                   "nombre-heures-total": "duree_totale"}
ACTION_TEXTS = {"duree-indicative": "duree_indicative", "conditions-specifiques": "prerequis"}
ACTION_FLAGS = {"modalites-entrees-sorties": "entree_sortie_permanente",
                "niveau-entree-obligatoire": "niveau_entree_obligatoire"}
ACTION_CODES = {"modalites-enseignement": "modalite_enseignement"}
SESSION_TEXTS = {"modalites-inscription": "modalites_inscription"}


def _digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if not ch.isspace())


def _address(tree: dict | None) -> dict | None:
    """An `adresse` tree as a Lieu's / Structure's address columns (None without a usable one)."""
    if tree is None:
        return None
    lines = [text(line) for line in children(tree, "ligne") if text(line)]
    code_postal, ville = text(tree, "codepostal"), text(tree, "ville")
    if not lines or not code_postal or not ville:
        return None
    geo = child(tree, "geolocalisation")
    result = {"ligne": lines[0][:50], "complement": lines[1][:50] if len(lines) > 1 else None,
              "code_postal": code_postal[:5], "ville": ville[:50],
              "code_insee": text(tree, "code-INSEE-commune"), "denomination": text(tree, "denomination")}
    if geo is not None:
        try:
            result["latitude"] = float(text(geo, "latitude"))
            result["longitude"] = float(text(geo, "longitude"))
        except (TypeError, ValueError):
            pass
    return result


def _organisme_responsable(tree: dict, path: str) -> Organisme:
    coordonnees = child(child(tree, "coordonnees-organisme") or {}, "coordonnees")
    nda = _digits(text(tree, "numero-activite"))
    uai = text(child(tree, "code-UAI-organisme-formation"), "code-UAI")
    return Organisme(siret=_digits(text(child(tree, "SIRET-organisme-formation"), "SIRET")),
                     numero=(tree.get("a") or {}).get("numero"), raison_sociale=text(tree, "raison-sociale"),
                     nom=text(tree, "nom-organisme"), nda=nda if nda and set(nda) != {"9"} else None, uai=uai,
                     adresse=_address(child(coordonnees or {}, "adresse")), path=path)


def _organisme_formateur(tree: dict, path: str) -> Organisme:
    contact = child(tree, "contact-formateur")
    coordonnees = child(contact, "coordonnees") if contact else None
    return Organisme(siret=_digits(text(child(tree, "SIRET-formateur"), "SIRET")),
                     numero=(tree.get("a") or {}).get("numero"),
                     raison_sociale=text(tree, "raison-sociale-formateur"),
                     uai=text(child(tree, "code-UAI-formateur"), "code-UAI"),
                     adresse=_address(child(coordonnees or {}, "adresse")), path=path)


def _place(tree: dict) -> Place | None:
    coordonnees = child(tree, "coordonnees") or {}
    address = _address(child(coordonnees, "adresse"))
    if address is None:
        return None
    lines = [text(line) for line in children(coordonnees, "ligne") if text(line)]
    nom = address.get("denomination") or text(coordonnees, "nom") or (lines[0] if lines else None) or address["ville"]
    phone = text(child(coordonnees, "telfixe") or {}, "numtel")
    return Place(nom=nom[:255], adresse=address, siret=_digits(text(child(tree, "SIRET-lieu-formation"), "SIRET")) or None,
                 uai=text(child(tree, "code-UAI-lieu-formation"), "code-UAI"), telephone=phone[:25] if phone else None)


def _take_texts(tree: dict, mapping: dict, values: dict, columns: list[str]) -> None:
    for tag, column in mapping.items():
        node = child(tree, tag)
        if node is not None:
            values[column] = node.get("x") or ""
            remove(tree, tag)
            columns.append(tag)


def _take(tree: dict, mapping: dict, convert, values: dict, columns: list[str]) -> None:
    for tag, column in mapping.items():
        converted = convert(text(tree, tag))
        if converted is not None:
            values[column] = converted
            remove(tree, tag)
            columns.append(tag)


def parse_formation(element, path: str) -> ParsedFormation:
    """The formation element (2.3 namespace, schema-valid) as what the portal stores."""
    whole = digest(element)
    tree = to_tree(element)
    numero = (tree.get("a") or {}).get("numero") or None
    action_trees = remove(tree, "action")
    own = hashlib.sha256(repr(tree).encode()).hexdigest()
    responsable_tree = child(tree, "organisme-formation-responsable")
    responsable = _organisme_responsable(responsable_tree, f"{path}/organisme-formation-responsable")
    columns: list[str] = []
    values: dict = {}
    _take_texts(tree, FORMATION_TEXTS, values, columns)
    _take(tree, {"certifiante": "certifiante"}, _flag, values, columns)
    codes = {column: text(tree, tag) for tag, column in FORMATION_CODES.items() if text(tree, tag) is not None}
    domaine = child(tree, "domaine-formation") or {}
    codes["formacode"] = [text(c) for c in children(domaine, "code-FORMACODE") if text(c)]
    codes["nsf"] = [text(c) for c in children(domaine, "code-NSF") if text(c)]
    codes["rome"] = [text(c) for c in children(domaine, "code-ROME") if text(c)]
    certifications = [{"rncp": text(c, "code-RNCP"), "certif_info": text(c, "code-CERTIFINFO"),
                       "rs": text(c, "code-RS")} for c in children(tree, "certification")]
    url = child(tree, "url-formation")
    values["url_page"] = text(url, "urlweb") if url else None
    parcours = text(tree, "parcours-de-formation")
    key = numero or "~" + hashlib.sha1(f"{responsable.siret}|{values.get('intitule', '')}".encode()).hexdigest()[:20]
    actions = []
    action_elements = [node for node in element if isinstance(node.tag, str) and local(node.tag) == "action"]
    for rank, (action_element, action_tree) in enumerate(zip(action_elements, action_trees), start=1):
        actions.append(_parse_action(action_element, action_tree, rank, f"{path}/action[{rank}]", parcours))
    return ParsedFormation(key=key, numero=numero, digest=whole, own_digest=own, tree=tree, columns=columns,
                           values=values, codes=codes, certifications=certifications, responsable=responsable,
                           actions=actions, path=path)


def _parse_action(element, tree: dict, rank: int, path: str, parcours: str | None) -> ParsedAction:
    numero = (tree.get("a") or {}).get("numero") or None
    session_trees = remove(tree, "session")
    own = hashlib.sha256(repr(tree).encode()).hexdigest()  # the action without its sessions
    columns: list[str] = []
    values: dict = {}
    _take(tree, ACTION_INTEGERS, _int, values, columns)
    _take_texts(tree, ACTION_TEXTS, values, columns)
    _take(tree, ACTION_FLAGS, _flag, values, columns)
    codes = {column: text(tree, tag) for tag, column in ACTION_CODES.items() if text(tree, tag) is not None}
    if parcours:
        codes["type_parcours"] = parcours
    formateurs = [_organisme_formateur(node, f"{path}/organisme-formateur[{index}]")
                  for index, node in enumerate(children(tree, "organisme-formateur"), start=1)]
    places = [place for place in map(_place, children(tree, "lieu-de-formation")) if place is not None]
    financeurs = [(text(node, "code-financeur"), _int(text(node, "nb-places-financees")))
                  for node in children(tree, "organisme-financeur") if text(node, "code-financeur")]
    session_elements = [node for node in element if isinstance(node.tag, str) and local(node.tag) == "session"]
    sessions = [_parse_session(session_element, session_tree, index, f"{path}/session[{index}]")
                for index, (session_element, session_tree) in enumerate(zip(session_elements, session_trees), start=1)]
    return ParsedAction(key=numero or f"~{rank}", numero=numero, digest=own, tree=tree,
                        columns=columns, values=values, codes=codes, formateurs=formateurs, places=places,
                        financeurs=financeurs, sessions=sessions, path=path)


def _parse_session(element, tree: dict, rank: int, path: str) -> ParsedSession:
    numero = (tree.get("a") or {}).get("numero") or None
    columns: list[str] = []
    values: dict = {}
    periode = child(tree, "periode") or {}
    values["debut"], values["fin"] = lheo_day(text(periode, "debut")), lheo_day(text(periode, "fin"))
    _take_texts(tree, SESSION_TEXTS, values, columns)
    url = child(tree, "url-session")
    values["url_session"] = (text(url, "urlweb") or "")[:400] or None if url else None
    return ParsedSession(key=numero or f"~{rank}", numero=numero, digest=digest(element), tree=tree,
                         columns=columns, values=values, path=path)
