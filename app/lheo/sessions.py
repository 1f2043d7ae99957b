"""The session's own blocks (LHEO-NOTES §2): periods, recrutement events (F13), blocs de
compétences (F9), alternance cycles (F8) and the action's `modalites-alternance` text."""
from __future__ import annotations

from app.validators.recrutement import normalize_modalite

from .elements import (
    _text,
    code_in,
    compact,
    defaulted,
    el,
    flag,
    lheo_date,
    lheo_hour,
)
from .organismes import adresse, has_address

UNITS = {"0": ("heure", "heures"), "1": ("demi-journée", "demi-journées"), "2": ("journée", "journées"),
         "3": ("semaine", "semaines"), "4": ("mois", "mois")}
ALTERNANCE_RYTHME = "En alternance"


def periode(parent, debut, fin) -> None:
    """`periode`: an unknown start is 00000000, an unknown end 99999999 (reported)."""
    node = el(parent, "periode")
    for tag, value, unknown in (("debut", debut, "00000000"), ("fin", fin, "99999999")):
        text = lheo_date(value)
        if text is None:
            defaulted(node, tag, unknown)
        else:
            _text(node, tag, text)


def recrutement(parent, item) -> None:
    node = el(parent, "recrutement")
    _text(node, "modalite-recrutement", modalite_recrutement(item.modalite))
    _text(node, "a-distance", flag(item.a_distance))
    if not item.a_distance and has_address(item):
        adresse(node, item)
    _text(node, "urlweb", item.url, 400, min_len=3)
    _text(node, "nb-places", item.nb_places)
    if item.date_debut or item.date_fin:
        periode(node, item.date_debut, item.date_fin)
    _text(node, "heure-debut", lheo_hour(item.heure_debut), 5, min_len=2)
    _text(node, "heure-fin", lheo_hour(item.heure_fin), 5, min_len=2)
    _text(node, "commentaire", item.commentaire, 500)


def modalite_recrutement(modalite) -> str:
    """Portal codes MR.01…MR.09 are dict-modalite-recrutement 1…9; anything else is 0 (unknown)."""
    code = normalize_modalite(modalite.code if modalite is not None else "")
    number = code.removeprefix("MR.")
    return str(int(number)) if number.isdecimal() and 0 <= int(number) <= 9 else "0"


def blocs_competences(parent, session, certification_codes, write_codes) -> None:
    """One blocs-competences per certification of the session's blocs (F9)."""
    by_certification: dict = {}
    for bloc in session.blocs:
        if bloc.certification is not None and 8 <= len(compact(bloc.code)) <= 40:
            by_certification.setdefault(id(bloc.certification), (bloc.certification, []))[1].append(bloc)
    for certification, blocs in by_certification.values():
        if not certification_codes(certification):
            continue
        node = el(parent, "blocs-competences")
        validation = code_in(session.validation_blocs, range(3))
        if validation is None:  # not given: total when every bloc of the certification is taken
            own = {compact(b.code) for b in certification.blocs}
            validation = "1" if own <= {compact(b.code) for b in blocs} else "0"
        _text(node, "validation-blocs", validation)
        write_codes(el(node, "reference-certification"), "reference", certification)
        for bloc in sorted(blocs, key=lambda b: b.code):
            item = el(node, "bloc-competences")
            _text(item, "libelle-bloc", bloc.libelle, 500, required=True)
            _text(item, "code-bloc", compact(bloc.code), 40)


def cycle(parent, item, formation) -> None:
    node = el(parent, "cycle")
    _text(node, "type-cycle", code_in(item.type_cycle, range(2)) or flag(formation.apprentissage))
    _text(node, "annee-cycle", item.annee)
    _text(node, "effectif-minimal", item.effectif_minimal)
    _text(node, "capacite-simultanee", item.capacite_simultanee)
    _text(node, "capacite-cumulee", item.capacite_cumulee)
    type_alternance = code_in(item.type_alternance, range(3))
    if type_alternance is None:
        return
    alternance = el(node, "alternance")
    _text(alternance, "type-alternance", type_alternance)
    unite = code_in(item.unite_rythme, range(5))
    if unite is not None and item.unites_entreprise is not None and item.unites_centre is not None:
        rythme = el(alternance, "rythme-alternance")
        _text(rythme, "unite-rythme-alternance", unite)
        _text(rythme, "unites-entreprise", item.unites_entreprise)
        _text(rythme, "unites-centre", item.unites_centre)


def _units(count: int, unite: str) -> str:
    singular, plural = UNITS[unite]
    return f"{count} {singular if count <= 1 else plural}"


def modalites_alternance(formation, session) -> str:
    """The action's `modalites-alternance` (mandatory text): the rythme of each year of the
    cycle and the hours in centre and in company; "Sans alternance" for a session with neither
    alternance nor time in company. An alternance without rythme nor hours gets "-"."""
    years = []
    for item in sorted(session.cycles, key=lambda c: c.annee or 0):
        unite = code_in(item.unite_rythme, range(5))
        if unite is None or item.unites_centre is None or item.unites_entreprise is None:
            continue
        years.append(f"année {item.annee} : {_units(item.unites_centre, unite)} en centre, "
                     f"{_units(item.unites_entreprise, unite)} en entreprise")
    parts = ["Rythme de l'alternance, " + " ; ".join(years) + "."] if years else []
    if session.duree_entreprise:
        centre = f"{session.duree_centre} h en centre, " if session.duree_centre else ""
        parts.append(f"{centre}{session.duree_entreprise} h en entreprise.")
    if parts:
        return " ".join(parts)
    alternance = (formation.apprentissage or session.cycles
                  or any(r.libelle == ALTERNANCE_RYTHME for r in session.rythmes))
    return "" if alternance else "Sans alternance."  # "" → "-", reported
