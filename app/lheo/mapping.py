"""Formation → LHEO `formation` element (SPEC J1, J3, E9; LHEO-NOTES §2).

A formation exports as one `formation`; each of its sessions as one `action` holding one
`session` (the Session model carries the action-level fields). Children are built in the XSD's
sequence order. The functions read attributes only: ORM objects and the export's records
(load.py) alike. Mandatory values the portal lacks are written by default and reported.
"""
from __future__ import annotations

from app.validators import normalize_modalite
from app.validators.recrutement import ICO, ISC

from .elements import (
    PLACEHOLDER,
    _text,
    amount,
    carif_dates,
    clean,
    code_in,
    compact,
    defaulted,
    defaulted_at,
    diffusable,
    el,
    flag,
    html_to_text,
    lheo_date,
    numero,
    principal_first,
    reuse,
    stamps,
    unique,
)
from . import report
from .extras import action_extras, formation_extras, session_extras
from .imported import formation_element as imported_formation
from .imported import is_imported
from .organismes import (
    FORMACODE_VERSION,
    adresse,
    contact_blocks,
    has_address,
    lieu_de_formation,
    organisme_contacts,
    organisme_formateur,
    organisme_responsable,
    person,
    placeholder_adresse,
    practical,
    url_block,
)
from .sessions import blocs_competences, cycle, modalites_alternance, periode, recrutement

PUBLIC_FORMACODE_VERSION = "V10"  # publics and modalités: the shipped V10 lists (app/data)
ROME_VERSION = "V4"  # ROME 4.0 (v460); an absent ref would mean V3
DEFAULT_PUBLIC = "83056"  # code-public-vise is mandatory: "Tout public" when no mesure gives one
TRAINEE_FINANCEUR = "10"  # dict-financeurs: "Bénéficiaire de l'action"
CONVENTIONNE = "02"  # état du dispositif "Conventionné"
NIVEAUX = frozenset({*range(9), *range(11, 19)})


def formation_element(parent, formation, sessions, prefix: str | None):
    """The `formation` of `formation` with one action per session of `sessions`; an imported
    formation (J4) from its stored document, its sessions grouped by action (imported.py)."""
    if is_imported(formation):
        return imported_formation(parent, formation, sessions)
    node = el(parent, "formation", numero=numero(prefix, formation.reference), **stamps(formation),
              **carif_dates(formation))
    links = sorted(formation.certifications, key=lambda link: not link.principal)
    certifications = [link.certification for link in links if link.certification is not None]
    principal = certifications[0] if certifications else None
    _domaine(node, formation, principal)
    _text(node, "intitule-formation", formation.intitule, 255, required=True)
    _text(node, "objectif-formation", html_to_text(formation.objectifs), 3000, required=True)
    _text(node, "resultats-attendus", html_to_text(formation.resultats), 3000, required=True)
    _text(node, "contenu-formation", html_to_text(formation.contenu), 3000, required=True)
    _text(node, "certifiante", flag(formation.certifiante))
    session_contacts = unique(session.contact for session in sessions if diffusable(session.contact))
    contacts = [person(contact) for contact in session_contacts] or organisme_contacts(formation.structure)
    contact_blocks(node, "contact-formation", contacts)
    parcours = next(filter(None, (code_in(session.type_parcours, range(1, 5)) for session in sessions)), None)
    _coded(node, "parcours-de-formation", parcours, "1")
    niveaux = (code_in(item.niveau_entree, NIVEAUX) for item in (formation, *sessions))
    _coded(node, "code-niveau-entree", next(filter(None, niveaux), None), "0")
    _text(node, "objectif-general-formation", code_in(formation.objectif_general, range(1, 10)))
    with_codes = [c for c in certifications if certification_codes(c)][:5]
    for certification in with_codes:
        _codes(el(node, "certification"), "code", certification)
    niveau_sortie = formation.niveau_sortie or (principal.niveau_sortie if principal else None)
    _text(node, "code-niveau-sortie", code_in(niveau_sortie, NIVEAUX))
    url_block(node, "url-formation", [formation.url_page, formation.url_brochure, formation.url_video])
    for session in sessions:
        _action(node, formation, session, prefix, with_codes)
    if (recorder := report.current()) is not None:
        recorder.in_session(None)
    reuse(node, ("responsable", formation.structure.id),
          lambda parent: organisme_responsable(parent, formation.structure, prefix))
    formation_extras(node, formation)
    return node


def _coded(parent, tag: str, code: str | None, default: str) -> None:
    if code is None:
        defaulted(parent, tag, default)
    else:
        _text(parent, tag, code)


def _domaine(parent, formation, principal) -> None:
    """Formacode, NSF, ROME of the formation, else of its principal certification (E10)."""
    def codes(attribute, length):
        items = getattr(formation, attribute) or (getattr(principal, attribute) if principal else [])
        return unique(compact(item.code)[:length] for item in items if len(compact(item.code)) >= length)

    node = el(parent, "domaine-formation")
    for index, code in enumerate(codes("formacodes", 5)[:5]):
        _text(node, "code-FORMACODE", code, ref=FORMACODE_VERSION, tag="principal" if index == 0 else None)
    for code in codes("nsf", 3)[:3]:  # lettered NSF sub-codes (221w) keep their 3-digit group
        _text(node, "code-NSF", code)
    for code in codes("romes", 5)[:5]:
        _text(node, "code-ROME", code, ref=ROME_VERSION)


def certification_codes(certification) -> list[tuple[str, str]]:
    """(suffix, code) of a certification. RNCP as digits, as LHEO's dictionary and real flows
    write it (`37682`, not `RNCP37682`); RS keeps its prefix (the XSD's 3-character minimum)."""
    rncp = compact(certification.code_rncp).upper().removeprefix("RNCP")
    candidates = [("RNCP", rncp, 1), ("CERTIFINFO", compact(certification.certif_info), 1),
                  ("RS", compact(certification.code_rs).upper(), 3)]
    return [(suffix, code) for suffix, code, shortest in candidates if shortest <= len(code) <= 10]


def _codes(node, kind: str, certification) -> None:
    """`code-RNCP…` (certification) or `reference-code-RNCP…` (reference-certification)."""
    prefix = "code" if kind == "code" else "reference-code"
    for suffix, code in certification_codes(certification):
        _text(node, f"{prefix}-{suffix}", code)


# --- action --------------------------------------------------------------------------------------


def _action(parent, formation, session, prefix, certifications) -> None:
    recorder = report.current()
    if recorder is not None:
        recorder.in_session(session.reference)
    number = numero(prefix, session.reference)
    node = el(parent, "action", numero=number, **stamps(session), **carif_dates(session))
    _text(node, "rythme-formation", ", ".join(clean(r.libelle) for r in session.rythmes), 3000, required=True)
    publics = [code for code in unique(compact(p.code) for f in session.financements for p in f.publics)
               if len(code) == 5][:10]
    for code in publics:
        _text(node, "code-public-vise", code, ref=PUBLIC_FORMACODE_VERSION)
    if not publics:
        defaulted(node, "code-public-vise", DEFAULT_PUBLIC, ref=PUBLIC_FORMACODE_VERSION)
    _text(node, "niveau-entree-obligatoire", flag(session.niveau_entree_obligatoire))
    _text(node, "modalites-alternance", modalites_alternance(formation, session), 3000, required=True)
    _coded(node, "modalites-enseignement", code_in(session.modalite_enseignement, range(3)), "0")
    prerequis = html_to_text(session.prerequis)
    if prerequis:
        _text(node, "conditions-specifiques", prerequis, 3000)
    else:  # the definition's own word when there is no prerequisite
        defaulted(node, "conditions-specifiques", "aucune")
    said = [f.prise_en_charge_frais for f in session.financements if f.prise_en_charge_frais is not None]
    # What the organisation said (seed 004) wins; otherwise a funder other than the trainee pays.
    paid = any(said) if said else any(code_in(f.financeur, range(21)) not in (None, TRAINEE_FINANCEUR)
                                      for f in session.financements)
    _text(node, "prise-en-charge-frais-possible", flag(paid))
    for link in principal_first(session.lieux):
        if link.lieu is not None:
            reuse(node, ("lieu", link.lieu.id), lambda parent, lieu=link.lieu: lieu_de_formation(parent, lieu))
    _text(node, "modalites-entrees-sorties", flag(session.entree_sortie_permanente))
    _text(node, "duree-cycle", formation.duree_cycle)
    _session(node, formation, session, number, certifications)
    _information(node, session)
    formateur = next((link.structure for link in principal_first(session.formateurs) if link.structure), None)
    for tag, text in sorted(practical(formateur or formation.structure).items(),
                            key=lambda item: PRACTICAL_ORDER.index(item[0])):
        _text(node, tag, text, 250)
    pedagogiques = [code for code in unique(compact(m.code) for m in session.modalites_pedagogiques)
                    if len(code) == 5]
    for code in pedagogiques[:5]:
        _text(node, "code-modalite-pedagogique", code, ref=PUBLIC_FORMACODE_VERSION)
    if clean(session.equipements):
        equipement = el(node, "equipement")
        defaulted(equipement, "type-equipement", "0")  # free text only: "Autre"
        _text(equipement, "commentaire", session.equipements, 500)
    _prices(node, session)
    _text(node, "duree-indicative", session.duree_indicative, 150)
    _text(node, "nombre-heures-centre", session.duree_centre)
    _text(node, "nombre-heures-entreprise", session.duree_entreprise)
    _text(node, "nombre-heures-total", session.duree_totale)
    conditions = unique(clean(f.conditions_prise_en_charge) for f in session.financements)
    _text(node, "detail-conditions-prise-en-charge", " ; ".join(conditions), 600)
    etats = [compact(f.etat_dispositif.code) for f in session.financements if f.etat_dispositif is not None]
    if etats:
        conventionne = CONVENTIONNE in etats
        _text(node, "conventionnement", flag(conventionne))
        if conventionne:
            _text(node, "duree-conventionnee", session.duree_totale)
    for link in principal_first(session.formateurs):
        if link.structure is not None:
            reuse(node, ("formateur", link.structure.id),
                  lambda parent, structure=link.structure: organisme_formateur(parent, structure, prefix))
    for code, places in _financeurs(session.financements)[:8]:
        financeur = el(node, "organisme-financeur")
        _text(financeur, "code-financeur", code)
        _text(financeur, "nb-places-financees", places)
    action_extras(node, session)


PRACTICAL_ORDER = ("restauration", "hebergement", "transport", "acces-handicapes")


def _information(parent, session) -> None:
    """adresse-information and date-information: the session's information collectives (ICO)."""
    icos = sorted((r for r in session.recrutements if normalize_modalite(_code(r.modalite)) == ICO
                   and r.date_debut is not None), key=lambda r: r.date_debut)
    place = next((r for r in icos if not r.a_distance and has_address(r)), None)
    if place is not None:
        adresse(el(parent, "adresse-information"), place)
    for day in unique(lheo_date(r.date_debut) for r in icos)[:3]:
        _text(el(parent, "date-information"), "date", day)


def _code(item) -> str:
    return item.code if item is not None else ""


def _prices(parent, session) -> None:
    """frais-restants, prix-horaire-TTC, prix-total-TTC from the first financement with a price:
    its TTC price, else its total (training is mostly VAT-exempt); "1250.00"."""
    fees = []
    for financement in session.financements:
        for label, value in (("frais d'inscription", financement.frais_inscription),
                             ("frais de matériel", financement.frais_materiel),
                             ("frais de certification", financement.frais_certification),
                             ("frais additionnels non pris en charge", financement.frais_additionnels)):
            if value is not None and f"{label} : {amount(value)} €" not in fees:
                fees.append(f"{label} : {amount(value)} €")
    if fees:
        _text(parent, "frais-restants", " ; ".join(fees).capitalize(), 200)
    price = next((f.prix_ttc if f.prix_ttc is not None else f.prix_total for f in session.financements
                  if f.prix_ttc is not None or f.prix_total is not None), None)
    if price is None:
        return
    hours = session.duree_totale or session.duree_centre
    hourly = amount(float(price) / hours) if hours else None
    if hourly is not None and len(hourly) <= 6:
        _text(parent, "prix-horaire-TTC", hourly)
    if len(amount(price)) <= 10:
        _text(parent, "prix-total-TTC", amount(price))


def _financeurs(financements) -> list[tuple[str, int | None]]:
    """One organisme-financeur per financeur code, its places summed over its financements."""
    places: dict[str, int | None] = {}
    for financement in financements:
        code = code_in(financement.financeur, range(21))
        if code is not None:
            places.setdefault(code, None)
            if financement.nb_places is not None:
                places[code] = (places[code] or 0) + financement.nb_places
    return list(places.items())


# --- session ----------------------------------------------------------------------------------


def _session(parent, formation, session, number, certifications) -> None:
    node = el(parent, "session", numero=number, **stamps(session), **carif_dates(session))
    periode(node, session.debut, session.fin)
    _adresse_inscription(node, session, formation.structure)
    _text(node, "modalites-inscription", session.modalites_inscription, 255)
    iscs = sorted((r for r in session.recrutements if normalize_modalite(_code(r.modalite)) == ISC
                   and r.date_debut is not None), key=lambda r: r.date_debut)
    if iscs:
        periode(el(node, "periode-inscription"), iscs[0].date_debut, iscs[0].date_fin)
    etats = (code_in(f.etat_recrutement, range(1, 4)) for f in session.financements)
    _text(node, "etat-recrutement", next(filter(None, etats), None))
    for item in session.recrutements:
        recrutement(node, item)
    url_block(node, "url-session", [session.url_session])
    contacts = [person(session.contact)] if diffusable(session.contact) else []
    for type_contact, field in (("1", "referent_handicap"), ("2", "referent_mobilite")):
        chosen, typed = getattr(session, f"{field}_contact", None), getattr(session, field)
        if diffusable(chosen):  # F5: a contact of the structures, with his phone and e-mail
            contacts.append((type_contact, person(chosen)[1], ("referent", type_contact, chosen.id)))
        elif clean(typed):
            contacts.append((type_contact, {"nom": typed}, None))
    contact_blocks(node, "contact-session", contacts)
    for certification in certifications:
        _codes(el(node, "reference-certification"), "reference", certification)
    blocs_competences(node, session, certification_codes, _codes)
    for item in sorted(session.cycles, key=lambda c: c.annee or 0):
        cycle(node, item, formation)
    session_extras(node, session)


def _adresse_inscription(parent, session, structure) -> None:
    """The lieu d'inscription (F12), else the principal lieu de formation, else the OF
    responsable's address (reported), else placeholders (reported)."""
    node = el(parent, "adresse-inscription")
    lieux = [session.lieu_inscription, *(link.lieu for link in principal_first(session.lieux))]
    place = next((lieu for lieu in lieux if has_address(lieu)), None)
    if place is not None:
        reuse(node, ("adresse", place.id), lambda parent: adresse(parent, place, place.nom))
    elif has_address(structure):
        reuse(node, ("adresse-structure", structure.id), lambda parent: adresse(parent, structure))
        defaulted_at(node, "adresse", "adresse de l'OF responsable")
    else:
        placeholder_adresse(node)


__all__ = ["DEFAULT_PUBLIC", "PLACEHOLDER", "formation_element", "certification_codes"]
