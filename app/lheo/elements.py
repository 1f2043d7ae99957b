"""Small builders shared by the LHEO export: namespaced elements, bounded text, dates, hours,
the `adresse` / `coordonnees` / contact blocks (LHEO-NOTES §3) and code-list helpers."""
from __future__ import annotations

import re
from datetime import date, time

import lxml.html
from lxml import etree

from app.models import CoordonneeKind, Structure, StructureContact

NS = "http://lheo.gouv.fr/2.3"
PLACEHOLDER = "-"  # what real producers put in mandatory text they do not have (LHEO-NOTES §1)
UNKNOWN_NDA = "99999999999"  # 11 characters, as the ONISEP flow does for organisations without NDA

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BLANKS = re.compile(r"[ \t\r\f\v\xa0]+")
_WHITESPACE = re.compile(r"\s+")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}


def el(parent, tag: str, /, **attributes):
    """A child element in the LHEO namespace; attributes whose value is None are left out."""
    attrs = {name: str(value) for name, value in attributes.items() if value not in (None, "")}
    return etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)


def clean(value) -> str:
    """Text as the XML may carry it: no control characters, inner blanks collapsed, stripped."""
    if value is None:
        return ""
    if isinstance(value, int):  # counts, hours, years (bool never reaches here: see flag())
        return str(value)
    lines = (_BLANKS.sub(" ", line).strip() for line in _XML_INVALID.sub("", str(value)).split("\n"))
    return "\n".join(line for line in lines if line)


def _text(parent, tag: str, value, /, max_len: int | None = None, required: bool = False,
          min_len: int = 1, **attributes):
    """`<tag>value</tag>` truncated to `max_len`. A value shorter than `min_len` (empty, most
    often) is left out, or replaced by "-" when the element is mandatory."""
    text = clean(value)
    if max_len is not None and len(text) > max_len:
        text = text[:max_len].rstrip()
    if len(text) < min_len:
        if not required:
            return None
        text = PLACEHOLDER
    element = el(parent, tag, **attributes)
    element.text = text
    return element


def html_to_text(value) -> str:
    """Plain text of simple rich text (E5): tags dropped, entities decoded, one line per block."""
    if value is None or not str(value).strip():
        return ""
    if "<" not in str(value) and "&" not in str(value):
        return clean(value)
    root = lxml.html.fragment_fromstring(str(value), create_parent="div")
    for node in root.iter():
        tag = node.tag.lower() if isinstance(node.tag, str) else None  # None: comment, PI
        if tag is None or tag in ("script", "style"):
            node.text = ""
        elif tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
    return clean(root.text_content())


def lheo_date(value: date | None, unknown: str) -> str:
    """YYYYMMDD; `unknown` is 00000000 for a start, 99999999 for an end (LHEO-NOTES §3)."""
    return value.strftime("%Y%m%d") if value else unknown


def lheo_hour(value: time | None) -> str | None:
    """"14h15", "9h" (heure-debut / heure-fin)."""
    if value is None:
        return None
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


def compact(value) -> str:
    """A code without any whitespace (SIRET, NDA, postal code pasted with spaces)."""
    return _WHITESPACE.sub("", str(value or ""))


def address_lines(place) -> list[str]:
    """The address lines of a Structure or Lieu (AddressMixin), each at most 50 characters."""
    lines = [clean(getattr(place, name, None))[:50].strip() for name in ("ligne", "complement", "bp_cs")]
    return [line for line in lines if line]


def has_address(place) -> bool:
    """Whether `place` can fill an LHEO `adresse`: a line, a 5-character postal code, a city."""
    return bool(place is not None and address_lines(place) and len(compact(place.code_postal)) == 5
                and clean(place.ville))


def adresse(parent, place, denomination: str | None = None):
    """`adresse` from an AddressMixin (with geolocalisation when it has latitude/longitude);
    the caller checks `has_address` first."""
    node = el(parent, "adresse")
    _text(node, "denomination", denomination, 255)
    for line in address_lines(place)[:4]:
        _text(node, "ligne", line, 50)
    _text(node, "codepostal", compact(place.code_postal), 5)
    _text(node, "ville", place.ville, 50)
    insee = compact(getattr(place, "code_insee", None))
    if len(insee) == 5:
        _text(node, "code-INSEE-commune", insee, 5)
    latitude, longitude = getattr(place, "latitude", None), getattr(place, "longitude", None)
    if latitude is not None and longitude is not None:
        geo = el(node, "geolocalisation")
        _text(geo, "latitude", latitude, 30)
        _text(geo, "longitude", longitude, 30)
    return node


def coordonnees(parent, *, nom=None, civilite=None, prenom=None, place=None, denomination=None,
                telephones=(), courriel=None, urls=()):
    """`coordonnees` with whatever is known, in the XSD order; every child is optional."""
    node = el(parent, "coordonnees")
    _text(node, "civilite", civilite, 50)
    _text(node, "nom", nom, 50)
    _text(node, "prenom", prenom, 50)
    if has_address(place):
        adresse(node, place, denomination)
    numbers = [clean(number) for number in telephones if clean(number)][:3]
    if numbers:
        telfixe = el(node, "telfixe")
        for number in numbers:
            _text(telfixe, "numtel", number, 25)
    _text(node, "courriel", courriel, 160, min_len=3)
    url_block(node, "web", urls)
    return node


def url_block(parent, tag: str, urls):
    """`web`, `url-formation`, `url-action`, `url-session`: urlweb [1..3], 3-400 characters."""
    usable = [clean(url) for url in urls if 3 <= len(clean(url)) <= 400][:3]
    if not usable:
        return None
    node = el(parent, tag)
    for url in usable:
        _text(node, "urlweb", url, 400, min_len=3)
    return node


# --- organisations and contacts --------------------------------------------------------------


def lieu_de_formation(parent, lieu) -> None:
    node = el(parent, "lieu-de-formation")
    if len(compact(lieu.siret)) == 14:
        _text(el(node, "SIRET-lieu-formation"), "SIRET", compact(lieu.siret))
    if len(compact(lieu.uai)) == 8:
        _text(el(node, "code-UAI-lieu-formation"), "code-UAI", compact(lieu.uai))
    coordonnees(node, place=lieu, denomination=lieu.nom, telephones=[lieu.telephone])


def organisme_formateur(parent, structure: Structure) -> None:
    node = el(parent, "organisme-formateur", numero=structure.reference)
    _text(el(node, "SIRET-formateur"), "SIRET", compact(structure.siret), 14, required=True)
    _text(node, "raison-sociale-formateur", structure.raison_sociale, 250)
    if len(compact(structure.uai)) == 8:
        _text(el(node, "code-UAI-formateur"), "code-UAI", compact(structure.uai))


def organisme_responsable(parent, structure: Structure) -> None:
    node = el(parent, "organisme-formation-responsable", numero=structure.reference)
    ndas = (compact(candidate.nda) for candidate in (structure, structure.parent) if candidate is not None)
    _text(node, "numero-activite", next((nda for nda in ndas if len(nda) == 11), UNKNOWN_NDA))
    _text(el(node, "SIRET-organisme-formation"), "SIRET", compact(structure.siret), 14, required=True)
    _text(node, "nom-organisme", structure.enseigne or structure.raison_sociale, 250, required=True)
    _text(node, "raison-sociale", structure.raison_sociale, 250, required=True)
    coordonnees(el(node, "coordonnees-organisme"), place=structure,
                telephones=coordonnees_of(structure, CoordonneeKind.TELEPHONE),
                courriel=next(iter(coordonnees_of(structure, CoordonneeKind.EMAIL)), None),
                urls=coordonnees_of(structure, CoordonneeKind.WEB))
    contact_blocks(node, "contact-organisme", organisme_contacts(structure))
    if len(compact(structure.uai)) == 8:
        _text(el(node, "code-UAI-organisme-formation"), "code-UAI", compact(structure.uai))


def organisme_contacts(structure: Structure) -> list[tuple]:
    """contact-organisme is mandatory: the principal contact (or any), else the principal
    e-mail, else the raison sociale as a name."""
    people = [contact for contact in structure.contacts if diffusable(contact)]
    chosen = next((contact for contact in people if contact.principal), people[0] if people else None)
    if chosen is not None:
        return [person(chosen)]
    emails = coordonnees_of(structure, CoordonneeKind.EMAIL)
    return [(None, {"courriel": emails[0]} if emails else {"nom": structure.raison_sociale})]


def person(contact: StructureContact) -> tuple:
    """(type-contact code, coordonnees fields) of a structure's contact."""
    return code_in(contact.type_contact, range(15)), {
        "civilite": contact.civilite, "nom": contact.nom, "prenom": contact.prenom,
        "telephones": [contact.telephone], "courriel": contact.email}


def contact_blocks(parent, tag: str, contacts: list[tuple]) -> None:
    for type_contact, details in contacts:
        node = el(parent, tag)
        _text(node, "type-contact", type_contact)
        coordonnees(node, **details)


def coordonnees_of(structure: Structure, nature: str) -> list[str]:
    """The published e-mails, phones or websites of a structure (C3), principal first."""
    items = [c for c in structure.coordonnees if c.nature == nature and c.diffusion is not False]
    return [c.valeur for c in sorted(items, key=lambda c: not c.principal)]


# --- codes and flags ---------------------------------------------------------------------------


def code_in(item, allowed) -> str | None:
    """The code of a Nomenclature (or Financeur) entry when it belongs to the LHEO code list."""
    code = compact(getattr(item, "code", None))
    return code if code.isdigit() and str(int(code)) == code and int(code) in allowed else None


def flag(value) -> str:
    return "1" if value else "0"


def diffusable(contact) -> bool:
    return contact is not None and contact.diffusion is not False


def principal_first(links):
    return sorted(links, key=lambda link: not link.principal)


def unique(values) -> list:
    return [value for value in dict.fromkeys(values) if value]
