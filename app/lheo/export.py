"""LHEO 2.3 export of the offer (SPEC J1, J3, E9).

A formation exports as one `formation`; each of its sessions as one `action` holding one
`session` (the Session model carries the action-level fields). Children are built in the XSD's
sequence order (LHEO-NOTES §2); mandatory text the portal lacks gets the producers' "-".
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.models import (
    BlocCompetences,
    Certification,
    CycleAlternance,
    Financement,
    Formation,
    FormationCertification,
    FormationEtat,
    Mesure,
    Recrutement,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
)

from .elements import (
    NS,
    PLACEHOLDER,
    _text,
    adresse,
    clean,
    code_in,
    compact,
    contact_blocks,
    diffusable,
    el,
    flag,
    has_address,
    html_to_text,
    lheo_date,
    lheo_hour,
    lieu_de_formation,
    organisme_contacts,
    organisme_formateur,
    organisme_responsable,
    person,
    principal_first,
    unique,
    url_block,
)

SCHEMA_PATH = Path(__file__).with_name("lheo.xsd")

# Formacode versions for the `ref` attribute: publics and modalités come from the shipped V10
# lists (app/data); domain codes from the operator's current Formacode (France compétences).
FORMACODE_VERSION = "V14"
PUBLIC_FORMACODE_VERSION = "V10"
ROME_VERSION = "V4"  # ROME 4.0 (v460); an absent ref would mean V3
# code-public-vise is mandatory: when no mesure gives a public, "83056 Tout public".
DEFAULT_PUBLIC = "83056"
TRAINEE_FINANCEUR = "10"  # dict-financeurs: "Bénéficiaire de l'action"
NIVEAUX = {*range(9), *range(11, 19)}

# Every relationship the mapping reads, so that an export costs a constant number of queries.
_LOAD_OPTIONS = (
    joinedload(Formation.structure).options(
        joinedload(Structure.parent),
        selectinload(Structure.coordonnees),
        selectinload(Structure.contacts).joinedload(StructureContact.type_contact),
    ),
    joinedload(Formation.niveau_entree),
    joinedload(Formation.niveau_sortie),
    joinedload(Formation.objectif_general),
    selectinload(Formation.formacodes),
    selectinload(Formation.nsf),
    selectinload(Formation.romes),
    selectinload(Formation.certifications).joinedload(FormationCertification.certification).options(
        joinedload(Certification.niveau_sortie),
        selectinload(Certification.formacodes),
        selectinload(Certification.nsf),
        selectinload(Certification.romes),
    ),
    selectinload(Formation.sessions).options(
        joinedload(Session.contact).joinedload(StructureContact.type_contact),
        joinedload(Session.type_parcours),
        joinedload(Session.modalite_enseignement),
        joinedload(Session.niveau_entree),
        joinedload(Session.lieu_inscription),
        joinedload(Session.validation_blocs),
        selectinload(Session.rythmes),
        selectinload(Session.modalites_pedagogiques),
        selectinload(Session.blocs).joinedload(BlocCompetences.certification)
        .selectinload(Certification.blocs),
        selectinload(Session.formateurs).joinedload(SessionFormateur.structure),
        selectinload(Session.lieux).joinedload(SessionLieu.lieu),
        selectinload(Session.financements).options(
            joinedload(Financement.financeur),
            joinedload(Financement.etat_recrutement),
            joinedload(Financement.mesure).selectinload(Mesure.publics),
        ),
        selectinload(Session.recrutements).joinedload(Recrutement.modalite),
        selectinload(Session.cycles).options(
            joinedload(CycleAlternance.type_cycle),
            joinedload(CycleAlternance.type_alternance),
            joinedload(CycleAlternance.unite_rythme),
        ),
    ),
)


# What partners receive (J3): validated formations and their validated sessions, never a draft.
EXPORTED_SESSIONS = (SessionEtat.DIFFUSEE, SessionEtat.TERMINEE)


def _exported(session) -> bool:
    """Sessions written for a formation: not archived, not a draft's copy."""
    return session.etat != SessionEtat.ARCHIVEE and not session.in_draft


def formations_for_export(db_session, formations_query=None) -> list[Formation]:
    """The formations to export, with everything the mapping reads loaded up front. Default:
    published formations (not drafts) that have at least one published session."""
    query = formations_query
    if query is None:
        query = select(Formation).where(
            Formation.etat == FormationEtat.DIFFUSEE,
            Formation.draft_of_id.is_(None),
            Formation.sessions.any(Session.etat.in_(EXPORTED_SESSIONS)),
        ).order_by(Formation.id)
    query = query.options(*_LOAD_OPTIONS)
    if hasattr(query, "all"):  # a legacy Query
        return query.all()
    return list(db_session.scalars(query).unique())


def export_formations(formations, region_prefix: str | None = None) -> bytes:
    """The LHEO 2.3 document of `formations` (their sessions not archived). A formation without
    such a session is left out: LHEO requires at least one action per formation."""
    if region_prefix is None and has_app_context():
        region_prefix = current_app.config.get("REGION_PREFIX")
    root = etree.Element(f"{{{NS}}}lheo", nsmap={None: NS})
    offres = el(root, "offres")
    for formation in formations:
        sessions = [session for session in formation.sessions if _exported(session)]
        if sessions:
            _formation(offres, formation, sessions, region_prefix)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


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


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


# --- formation ---------------------------------------------------------------------------------


def _formation(offres, formation: Formation, sessions: list[Session], region_prefix) -> None:
    node = el(offres, "formation", numero=formation.reference)
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
    parcours = next(filter(None, (code_in(session.type_parcours, range(1, 5)) for session in sessions)), "1")
    _text(node, "parcours-de-formation", parcours)
    niveaux = (code_in(item.niveau_entree, NIVEAUX) for item in (formation, *sessions))
    _text(node, "code-niveau-entree", next(filter(None, niveaux), "0"))
    _text(node, "objectif-general-formation", code_in(formation.objectif_general, range(1, 10)))
    for certification in [c for c in certifications if _certification_codes(c)][:5]:
        _certification(node, certification)
    niveau_sortie = formation.niveau_sortie or (principal.niveau_sortie if principal else None)
    _text(node, "code-niveau-sortie", code_in(niveau_sortie, NIVEAUX))
    url_block(node, "url-formation", [formation.url_page, formation.url_brochure, formation.url_video])
    for session in sessions:
        _action(node, formation, session, region_prefix)
    organisme_responsable(node, formation.structure)


def _domaine(parent, formation: Formation, principal: Certification | None) -> None:
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


def _certification_codes(certification: Certification) -> list[tuple[str, str]]:
    """(suffix, code) of a certification: RNCP kept as "RNCP…" (the XSD allows 1-10 characters
    and the definition's own example is RNCP25266), digits only if the prefix does not fit."""
    rncp = compact(certification.code_rncp).upper()
    if len(rncp) > 10:
        rncp = rncp.removeprefix("RNCP")
    candidates = [("RNCP", rncp, 1), ("CERTIFINFO", compact(certification.certif_info), 1),
                  ("RS", compact(certification.code_rs).upper(), 3)]
    return [(suffix, code) for suffix, code, shortest in candidates if shortest <= len(code) <= 10]


def _certification(parent, certification: Certification) -> None:
    node = el(parent, "certification")
    for suffix, code in _certification_codes(certification):
        _text(node, f"code-{suffix}", code)


def _reference_certification(parent, certification: Certification) -> None:
    node = el(parent, "reference-certification")
    for suffix, code in _certification_codes(certification):
        _text(node, f"reference-code-{suffix}", code)


# --- action ------------------------------------------------------------------------------------


def _action(parent, formation: Formation, session: Session, region_prefix) -> None:
    numero = session.reference
    if region_prefix and numero:
        numero = f"{region_prefix}_{numero}"  # partner number (E9)
    node = el(parent, "action", numero=numero)
    _text(node, "rythme-formation", ", ".join(r.libelle for r in session.rythmes), 3000, required=True)
    for code in _publics(session):
        _text(node, "code-public-vise", code, ref=PUBLIC_FORMACODE_VERSION)
    _text(node, "niveau-entree-obligatoire", flag(session.niveau_entree_obligatoire))
    _text(node, "modalites-alternance", PLACEHOLDER)
    _text(node, "modalites-enseignement", code_in(session.modalite_enseignement, range(3)) or "0")
    _text(node, "conditions-specifiques", html_to_text(session.prerequis) or "aucune", 3000)
    paid = any(code_in(f.financeur, range(21)) not in (None, TRAINEE_FINANCEUR) for f in session.financements)
    _text(node, "prise-en-charge-frais-possible", flag(paid))
    for link in principal_first(session.lieux):
        lieu_de_formation(node, link.lieu)
    _text(node, "modalites-entrees-sorties", flag(session.entree_sortie_permanente))
    _text(node, "duree-cycle", formation.duree_cycle)
    _session(node, formation, session, numero)
    pedagogiques = [code for code in unique(compact(m.code) for m in session.modalites_pedagogiques)
                    if len(code) == 5]
    for code in pedagogiques[:5]:
        _text(node, "code-modalite-pedagogique", code, ref=PUBLIC_FORMACODE_VERSION)
    _text(node, "duree-indicative", session.duree_indicative, 150)
    _text(node, "nombre-heures-centre", session.duree_centre)
    _text(node, "nombre-heures-entreprise", session.duree_entreprise)
    _text(node, "nombre-heures-total", session.duree_totale)
    conditions = unique(clean(f.conditions_prise_en_charge) for f in session.financements)
    _text(node, "detail-conditions-prise-en-charge", " ; ".join(filter(None, conditions)), 600)
    for link in principal_first(session.formateurs):
        organisme_formateur(node, link.structure)
    for code, places in _financeurs(session.financements)[:8]:
        financeur = el(node, "organisme-financeur")
        _text(financeur, "code-financeur", code)
        _text(financeur, "nb-places-financees", places)


def _publics(session: Session) -> list[str]:
    codes = unique(compact(public.code) for financement in session.financements
                   for public in financement.publics)
    return [code for code in codes if len(code) == 5][:10] or [DEFAULT_PUBLIC]


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


# --- session -----------------------------------------------------------------------------------


def _session(parent, formation: Formation, session: Session, numero) -> None:
    node = el(parent, "session", numero=numero)
    _periode(node, session.debut, session.fin)
    _adresse_inscription(node, session, formation.structure)
    _text(node, "modalites-inscription", session.modalites_inscription, 255)
    etats = (code_in(f.etat_recrutement, range(1, 4)) for f in session.financements)
    _text(node, "etat-recrutement", next(filter(None, etats), None))
    for recrutement in session.recrutements:
        _recrutement(node, recrutement)
    url_block(node, "url-session", [session.url_session])
    if diffusable(session.contact):
        contact_blocks(node, "contact-session", [person(session.contact)])
    _blocs_competences(node, session)
    for cycle in sorted(session.cycles, key=lambda c: c.annee or 0):
        _cycle(node, cycle, formation)


def _periode(parent, debut, fin) -> None:
    node = el(parent, "periode")
    _text(node, "debut", lheo_date(debut, "00000000"))
    _text(node, "fin", lheo_date(fin, "99999999"))


def _adresse_inscription(parent, session: Session, structure: Structure) -> None:
    """Lieu d'inscription (F12), else the OF responsable's or its siège's address, else a lieu de
    formation; the element is mandatory, so the last resort is a placeholder address."""
    node = el(parent, "adresse-inscription")
    lieux = [link.lieu for link in principal_first(session.lieux)]
    for place in (session.lieu_inscription, structure, structure.parent, *lieux):
        if has_address(place):
            adresse(node, place, getattr(place, "nom", None))
            return
    placeholder = el(node, "adresse")
    for tag, value in (("ligne", PLACEHOLDER), ("codepostal", "00000"), ("ville", PLACEHOLDER)):
        _text(placeholder, tag, value)


def _recrutement(parent, recrutement: Recrutement) -> None:
    node = el(parent, "recrutement")
    _text(node, "modalite-recrutement", _modalite_recrutement(recrutement.modalite))
    _text(node, "a-distance", flag(recrutement.a_distance))
    if not recrutement.a_distance and has_address(recrutement):
        adresse(node, recrutement)
    _text(node, "urlweb", recrutement.url, 400, min_len=3)
    _text(node, "nb-places", recrutement.nb_places)
    if recrutement.date_debut or recrutement.date_fin:
        _periode(node, recrutement.date_debut, recrutement.date_fin)
    _text(node, "heure-debut", lheo_hour(recrutement.heure_debut), 5, min_len=2)
    _text(node, "heure-fin", lheo_hour(recrutement.heure_fin), 5, min_len=2)
    _text(node, "commentaire", recrutement.commentaire, 500)


def _modalite_recrutement(modalite) -> str:
    """Portal codes MR.01…MR.09 are dict-modalite-recrutement 1…9; anything else is 0 (unknown)."""
    code = (modalite.code if modalite else "") or ""
    number = code.upper().removeprefix("MR.")
    return str(int(number)) if number.isdigit() and 0 <= int(number) <= 9 else "0"


def _blocs_competences(parent, session: Session) -> None:
    """One blocs-competences per certification of the session's blocs (F9)."""
    by_certification: dict = {}
    for bloc in session.blocs:
        if bloc.certification is not None and 8 <= len(compact(bloc.code)) <= 40:
            by_certification.setdefault(bloc.certification, []).append(bloc)
    for certification, blocs in by_certification.items():
        if not _certification_codes(certification):
            continue
        node = el(parent, "blocs-competences")
        validation = code_in(session.validation_blocs, range(3))
        if validation is None:  # not given: total when every bloc of the certification is taken
            validation = "1" if set(certification.blocs) <= set(blocs) else "0"
        _text(node, "validation-blocs", validation)
        _reference_certification(node, certification)
        for bloc in sorted(blocs, key=lambda b: b.code):
            item = el(node, "bloc-competences")
            _text(item, "libelle-bloc", bloc.libelle, 500, required=True)
            _text(item, "code-bloc", compact(bloc.code), 40)


def _cycle(parent, cycle: CycleAlternance, formation: Formation) -> None:
    node = el(parent, "cycle")
    _text(node, "type-cycle", code_in(cycle.type_cycle, range(2)) or flag(formation.apprentissage))
    _text(node, "annee-cycle", cycle.annee)
    _text(node, "effectif-minimal", cycle.effectif_minimal)
    _text(node, "capacite-simultanee", cycle.capacite_simultanee)
    _text(node, "capacite-cumulee", cycle.capacite_cumulee)
    type_alternance = code_in(cycle.type_alternance, range(3))
    if type_alternance is None:
        return
    alternance = el(node, "alternance")
    _text(alternance, "type-alternance", type_alternance)
    unite = code_in(cycle.unite_rythme, range(5))
    if unite is not None and cycle.unites_entreprise is not None and cycle.unites_centre is not None:
        rythme = el(alternance, "rythme-alternance")
        _text(rythme, "unite-rythme-alternance", unite)
        _text(rythme, "unites-entreprise", cycle.unites_entreprise)
        _text(rythme, "unites-centre", cycle.unites_centre)
