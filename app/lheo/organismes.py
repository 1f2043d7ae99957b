"""The `adresse` / `coordonnees` / contact blocks (LHEO-NOTES §3), lieux de formation and the
two organisations of an offer: the OF responsable and each OF formateur."""
from __future__ import annotations

from app.models import CoordonneeKind
from app.validators import departement_of_postal_code, region_of_departement

from .elements import (
    PLACEHOLDER,
    UNKNOWN_NDA,
    _text,
    clean,
    code_in,
    compact,
    defaulted,
    defaulted_at,
    diffusable,
    el,
    memo,
    numero,
    reuse,
    stamps,
    unique,
)

FORMACODE_VERSION = "V14"  # the operator's current Formacode (France compétences)
# Structures' infrastructures d'accueil (C4) → the action's practical elements.
INFRASTRUCTURES = {
    "01": ("restauration", "Restauration sur place"),
    "02": ("hebergement", "Hébergement possible"),
    "03": ("acces-handicapes", "Locaux accessibles aux personnes en situation de handicap"),
    "04": ("transport", "bus"),
    "05": ("transport", "tramway"),
    "06": ("transport", "train"),
    "07": ("transport", "parking"),
}
QUALIOPI = (("qualiopi_action_formation", "actions de formation"), ("qualiopi_bilan", "bilans de compétences"),
            ("qualiopi_vae", "VAE"), ("qualiopi_apprentissage", "apprentissage"))


# --- addresses and coordonnées -------------------------------------------------------------------


def address_lines(place) -> list[str]:
    """The address lines of a Structure or Lieu (AddressMixin), each at most 50 characters."""
    return memo(("lines", id(place)), lambda: [line for line in (
        clean(getattr(place, name, None))[:50].strip() for name in ("ligne", "complement", "bp_cs")) if line])


def has_address(place) -> bool:
    """Whether `place` can fill an LHEO `adresse`: a line, a 5-character postal code, a city."""
    return place is not None and memo(("has-address", id(place)), lambda: bool(
        address_lines(place) and len(compact(place.code_postal)) == 5 and clean(place.ville)))


def departement(place) -> str | None:
    """The département of an address: the structure's own, else its INSEE or postal code's."""
    code = compact(getattr(place, "departement_code", None))
    if code:
        return code
    insee = compact(getattr(place, "code_insee", None))
    if len(insee) == 5:
        return insee[:3] if insee.startswith("97") else insee[:2]
    return departement_of_postal_code(compact(getattr(place, "code_postal", None)))


def adresse(parent, place, denomination: str | None = None):
    """`adresse` from an AddressMixin, with département, région and geolocalisation when
    known; the caller checks `has_address` first."""
    node = el(parent, "adresse")
    _text(node, "denomination", denomination, 255)
    for line in address_lines(place)[:4]:
        _text(node, "ligne", line, 50)
    _text(node, "codepostal", compact(place.code_postal), 5)
    _text(node, "ville", place.ville, 50)
    dep = departement(place)
    if dep and 2 <= len(dep) <= 3:
        _text(node, "departement", dep)
    insee = compact(getattr(place, "code_insee", None))
    if len(insee) == 5:
        _text(node, "code-INSEE-commune", insee, 5)
    region = region_of_departement(dep or "")
    if region:
        _text(node, "region", region)
    latitude, longitude = getattr(place, "latitude", None), getattr(place, "longitude", None)
    if latitude is not None and longitude is not None:
        geo = el(node, "geolocalisation")
        _text(geo, "latitude", latitude, 30)
        _text(geo, "longitude", longitude, 30)
    return node


def placeholder_adresse(parent) -> None:
    """A mandatory `adresse` nobody gave (adresse-inscription): reported line by line."""
    node = el(parent, "adresse")
    for tag, value in (("ligne", PLACEHOLDER), ("codepostal", "00000"), ("ville", PLACEHOLDER)):
        defaulted(node, tag, value)


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
    if not any(urls):
        return None
    usable = [url for url in unique(clean(url) for url in urls) if 3 <= len(url) <= 400][:3]
    if not usable:
        return None
    node = el(parent, tag)
    for url in usable:
        _text(node, "urlweb", url, 400, min_len=3)
    return node


def coordonnees_of(structure, nature: str) -> list[str]:
    """The published e-mails, phones or websites of a structure (C3), principal first."""
    items = [c for c in structure.coordonnees if c.nature == nature and c.diffusion is not False]
    return [c.valeur for c in sorted(items, key=lambda c: not c.principal)]


# --- contacts -------------------------------------------------------------------------------------


def person(contact) -> tuple:
    """(type-contact code, coordonnees fields, reuse key) of a structure's contact."""
    return code_in(contact.type_contact, range(15)), {
        "civilite": contact.civilite, "nom": contact.nom, "prenom": contact.prenom,
        "telephones": [contact.telephone], "courriel": contact.email}, ("contact", contact.id)


def organisme_contacts(structure, *, fallback: bool = True) -> list[tuple]:
    """The principal published contact (or any); with `fallback` (contact-organisme is
    mandatory): else the principal e-mail, else the raison sociale as a name (reported)."""
    people = [contact for contact in structure.contacts if diffusable(contact)]
    chosen = next((contact for contact in people if contact.principal), people[0] if people else None)
    if chosen is not None:
        return [person(chosen)]
    if not fallback:
        return []
    emails = coordonnees_of(structure, CoordonneeKind.EMAIL)
    if emails:
        return [(None, {"courriel": emails[0]}, None, "courriel de l'organisme")]
    return [(None, {"nom": structure.raison_sociale}, None, "raison sociale de l'organisme")]


def contact_blocks(parent, tag: str, contacts: list[tuple]) -> None:
    """One `tag` per (type-contact, coordonnees fields, reuse key[, default]) of `contacts`; a
    default (no person to name) is reported."""
    for type_contact, details, key, *default in contacts:
        if default:
            defaulted_at(parent, f"{tag}/coordonnees", default[0])
        reuse(parent, (tag, *key) if key else None,
              lambda parent, type_contact=type_contact, details=details: _contact(parent, tag, type_contact, details))


def _contact(parent, tag: str, type_contact, details: dict) -> None:
    node = el(parent, tag)
    _text(node, "type-contact", type_contact)
    coordonnees(node, **details)


# --- places and organisations ---------------------------------------------------------------------


def lieu_de_formation(parent, lieu) -> None:
    node = el(parent, "lieu-de-formation")
    if len(compact(lieu.siret)) == 14:
        _text(el(node, "SIRET-lieu-formation"), "SIRET", compact(lieu.siret))
    if len(compact(lieu.uai)) == 8:
        _text(el(node, "code-UAI-lieu-formation"), "code-UAI", compact(lieu.uai))
    coordonnees(node, place=lieu, denomination=lieu.nom, telephones=[lieu.telephone])


def potentiel(parent, structure) -> None:
    """The structure's Formacodes (C1) as `potentiel` (1 to 25 codes)."""
    codes = [c for c in unique(compact(n.code) for n in getattr(structure, "potentiel_formacodes", ()) or ())
             if len(c) == 5][:25]
    if codes:
        node = el(parent, "potentiel")
        for code in codes:
            _text(node, "code-FORMACODE", code, ref=FORMACODE_VERSION)


def siret(parent, tag: str, structure) -> None:
    """`tag/SIRET`: the SIRET as stored, spaces removed. An absent or malformed one is written
    as it is: the schema refuses the formation and the gap report says why (never a "-")."""
    el(el(parent, tag), "SIRET").text = clean(compact(structure.siret))


def organisme_formateur(parent, structure, prefix: str | None) -> None:
    node = el(parent, "organisme-formateur", numero=numero(prefix, structure.reference), **stamps(structure))
    siret(node, "SIRET-formateur", structure)
    _text(node, "raison-sociale-formateur", structure.raison_sociale, 250)
    contact_blocks(node, "contact-formateur", organisme_contacts(structure, fallback=False))
    potentiel(node, structure)
    if len(compact(structure.uai)) == 8:
        _text(el(node, "code-UAI-formateur"), "code-UAI", compact(structure.uai))


def organisme_responsable(parent, structure, prefix: str | None) -> None:
    node = el(parent, "organisme-formation-responsable", numero=numero(prefix, structure.reference),
              **stamps(structure))
    ndas = [compact(candidate.nda) for candidate in (structure, structure.parent) if candidate is not None]
    nda = next((nda for nda in ndas if len(nda) == 11), None)
    if nda is None:
        defaulted(node, "numero-activite", UNKNOWN_NDA)
    else:
        _text(node, "numero-activite", nda)
    siret(node, "SIRET-organisme-formation", structure)
    _text(node, "nom-organisme", structure.enseigne or structure.raison_sociale, 250, required=True)
    _text(node, "raison-sociale", structure.raison_sociale, 250, required=True)
    coordonnees(el(node, "coordonnees-organisme"), place=structure,
                telephones=coordonnees_of(structure, CoordonneeKind.TELEPHONE),
                courriel=next(iter(coordonnees_of(structure, CoordonneeKind.EMAIL)), None),
                urls=coordonnees_of(structure, CoordonneeKind.WEB))
    contact_blocks(node, "contact-organisme", organisme_contacts(structure))
    _text(node, "renseignements-specifiques", renseignements(structure), 3000)
    potentiel(node, structure)
    if len(compact(structure.uai)) == 8:
        _text(el(node, "code-UAI-organisme-formation"), "code-UAI", compact(structure.uai))
    from .extras import organisme_extras  # extras import this module

    organisme_extras(node, structure)


def renseignements(structure) -> str:
    """Quality labels (C6) as text: "Certifié Qualiopi : actions de formation, VAE. Labels : …"."""
    qualiopi = [label for name, label in QUALIOPI if getattr(structure, name, False)]
    parts = [f"Certifié Qualiopi : {', '.join(qualiopi)}." if qualiopi else ""]
    labels = [clean(n.libelle) for n in getattr(structure, "labels", ()) or ()]
    if labels:
        parts.append(f"Labels : {', '.join(labels)}.")
    return " ".join(p for p in parts if p)


def practical(structure) -> dict[str, str]:
    """restauration, hebergement, transport, acces-handicapes from the structure's
    infrastructures d'accueil (C4)."""
    found: dict[str, list[str]] = {}
    for item in getattr(structure, "infrastructures", ()) or ():
        tag, text = INFRASTRUCTURES.get(compact(item.code), (None, None))
        if tag:
            found.setdefault(tag, []).append(text)
    result = {tag: texts[0] for tag, texts in found.items() if tag != "transport"}
    if "transport" in found:
        result["transport"] = "Accès : " + ", ".join(found["transport"])
    return result
