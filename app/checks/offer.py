"""Checks of formations, sessions and the session's child lists (SPEC E, F)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.extensions import db
from app.models import Certification, FormationCertification, Habilitation, MesureKind, Structure
from app.models.workflow import FormationEtat, SessionEtat
from app.validators import (
    CertificationChoice,
    Cycle,
    Financement,
    LieuFormation,
    Problem,
    RecrutementEvent,
    check_apprentissage_financements,
    check_blocs,
    check_blocs_of_formation,
    check_certification_change,
    check_certification_link,
    check_certifications,
    check_contrat_pro,
    check_copy_checked,
    check_cycle,
    check_cycle_year_not_described,
    check_cycles,
    check_descriptions,
    check_distance_learning,
    check_duree_cycle,
    check_durees,
    check_financement,
    check_financements,
    check_formateur_not_listed,
    check_formateurs,
    check_habilitation,
    check_intitule,
    check_lieu_inscription,
    check_lieu_not_listed,
    check_lieux_formation,
    check_lieux_in_region,
    check_of_responsable,
    check_presentation,
    check_qualiopi,
    check_recrutement_against,
    check_recrutement_event,
    check_recrutements,
    check_referent,
    check_session_contact,
    check_session_dates,
    check_start_before_certification_end,
    check_yearly_session,
    compute_duree_totale,
    for_session,
    is_public_funding,
)
from app.validators.session import AIF_MESURES, REFERENTS

from ._util import code, on_field, renamed, siblings

# Rule field names → model field names.
FORMATION_RENAMES = {"of_responsable": "structure", "le_plus": "plus_formation"}
SESSION_RENAMES = {"date_debut": "debut", "date_fin": "fin"}
RECRUTEMENT_RENAMES = {"adresse_ligne1": "ligne"}
CYCLE_RENAMES = {"rythme_unite": "unite_rythme", "rythme_centre": "unites_centre",
                "rythme_entreprise": "unites_entreprise"}

ENTIEREMENT_A_DISTANCE = "2"  # LHEO dict-modalites-enseignement
RYTHME_ALTERNANCE = "En alternance"
PUBLISHED = (FormationEtat.DIFFUSEE,)


def _region_code() -> str | None:
    """None when the deployment has not configured its region: F4's region tests are then not
    applied (app/region.py says so at start)."""
    from app.region import region_code

    return region_code()


# --- formations -------------------------------------------------------------------------------


def principal_certification(formation):
    """The principal certification of a formation (the first one when none is marked)."""
    links = list(getattr(formation, "certifications", None) or [])
    for link in links:
        if link.principal:
            return link.certification
    return links[0].certification if links else None


def formation_problems(formation) -> list[Problem]:
    """What blocks saving a formation's own form (E1, E4, E5, E6, E10)."""
    structure = formation.structure
    problems: list[Problem] = []
    if structure is not None:
        problems += check_of_responsable(is_siege=structure.parent_id is None, has_nda=bool(structure.nda))
    problems += check_intitule(formation.intitule, bool(formation.apprentissage))
    problems += check_descriptions(formation.objectifs, formation.contenu, formation.resultats)
    problems += check_presentation(formation.plus_formation, formation.url_video, formation.url_brochure,
                                   formation.url_page)
    problems += check_duree_cycle(formation.duree_cycle, bool(formation.apprentissage))
    if not formation.certifiante:
        problems += check_certifications(False, _choices(formation), [n.code for n in formation.formacodes])
    return renamed(problems, FORMATION_RENAMES)


def _choices(formation) -> list[CertificationChoice]:
    return [
        CertificationChoice(link.certification.code if link.certification else "", bool(link.principal))
        for link in formation.certifications
    ]


def formation_record_problems(formation, habilitation=None) -> list[Problem]:
    """The formation with its certifications and its sessions' financements (E2, E3, E7).
    `habilitation`: its `habilitation_problems`, when the caller has them already."""
    problems = formation_problems(formation)
    if formation.certifiante:
        problems += check_certifications(True, _choices(formation), [n.code for n in formation.formacodes])
    problems += habilitation_problems(formation) if habilitation is None else habilitation
    mesures = [f.mesure.nature == MesureKind.APPRENTISSAGE
               for s in formation.sessions for f in s.financements if f.mesure is not None]
    problems += check_apprentissage_financements(bool(formation.apprentissage), mesures)
    return renamed(problems, FORMATION_RENAMES)


def habilitation_problems(formation, habilitated=None, formateur_sirets=None) -> list[Problem]:
    """E3 warning per certification: neither the OF responsable nor an OF formateur (of any of
    the formation's sessions) habilitated. The LHEO export reads many formations at once and
    passes `habilitated` (certification id → habilitated SIRETs) and the `formateur_sirets` of
    all the formation's sessions; else one query, and the sessions loaded with the formation."""
    links = [link for link in formation.certifications if link.certification is not None]
    if not links or formation.structure is None:
        return []
    certification_ids = [link.certification_id or link.certification.id for link in links]
    if habilitated is None:
        habilitated = habilitated_sirets(certification_ids)
    formateurs = formateur_sirets if formateur_sirets is not None else [
        f.structure.siret for s in formation.sessions for f in s.formateurs if f.structure]
    problems: list[Problem] = []
    for link in links:
        certification = link.certification
        problems += check_habilitation(
            habilitated.get(certification.id, ()),
            formation.structure.siret,
            formateurs,
            exempt=bool(certification.education_nationale),
            certification_code=certification.code,
        )
    return problems


def habilitated_sirets(certification_ids) -> dict[int, list[str]]:
    """Certification id → the SIRETs of the structures habilitated for it (C7), in one query."""
    rows = db.session.execute(
        select(Habilitation.certification_id, Structure.siret)
        .join(Structure, Structure.id == Habilitation.structure_id)
        .where(Habilitation.certification_id.in_(list(certification_ids)))
    ).all() if certification_ids else []
    sirets: dict[int, list[str]] = {}
    for certification_id, siret in rows:
        sirets.setdefault(certification_id, []).append(siret)
    return sirets


def certification_link_problems(link, *, removing: bool = False) -> list[Problem]:
    """A certification added to, changed in or removed from a formation (E2, E8)."""
    formation = link.formation
    if formation is None:
        return []
    problems: list[Problem] = []
    others = siblings(formation.certifications, link)[:-1]
    if not removing and link.certification is not None:
        linked = any(_same(other.certification, other.certification_id, link.certification) for other in others)
        problems += check_certification_link(bool(formation.certifiante), linked)
    # E8 holds for a published formation and for the draft of one (against the published codes).
    reference = formation.draft_of or formation
    published = reference.etat in PUBLISHED
    old_codes = _saved_certification_codes(reference) if reference.id is not None else []
    new_links = others if removing else [*others, link]
    new_codes = [other.certification.code for other in new_links if other.certification is not None]
    problems += on_field(check_certification_change(old_codes, new_codes, published), "certification")
    return problems


def _saved_certification_codes(formation) -> list[str]:
    """The formation's certification codes as saved (the form may have changed them in memory)."""
    with db.session.no_autoflush:
        rows = db.session.execute(
            select(Certification.code_rncp, Certification.code_rs)
            .join(FormationCertification, FormationCertification.certification_id == Certification.id)
            .where(FormationCertification.formation_id == formation.id)
        ).all()
    return [rncp or rs for rncp, rs in rows if rncp or rs]


# --- sessions -----------------------------------------------------------------------------------


def is_alternance(session) -> bool:
    return any(r.libelle == RYTHME_ALTERNANCE for r in session.rythmes)


def session_problems(session, today: date | None = None) -> list[Problem]:
    """What blocks saving a session's own form (F1, F2, F5, F7 rythme, F9, F10, F12)."""
    formation = session.formation
    problems = check_session_dates(session.debut, session.fin)
    problems += check_yearly_session(
        compute_duree_totale(session.duree_centre, session.duree_entreprise) or session.duree_totale,
        any(f.mesure is not None and f.mesure.code in AIF_MESURES for f in session.financements),
        session.debut, session.fin, bool(session.entree_sortie_permanente))
    certification = principal_certification(formation) if formation is not None else None
    if certification is not None:
        problems += check_start_before_certification_end(session.debut, certification.date_fin_enregistrement)
    problems += check_session_contact(1 if session.contact is not None else 0)
    for field in REFERENTS:
        chosen = getattr(session, f"{field}_contact")
        problems += check_referent(field, None if chosen is None else _of_the_session(chosen, session),
                                   getattr(session, field))
    problems += check_lieu_inscription(session.lieu_inscription)
    totale = compute_duree_totale(session.duree_centre, session.duree_entreprise)
    problems += check_durees(session.duree_centre, session.duree_entreprise,
                             totale if totale is not None else session.duree_totale, session.duree_hebdomadaire)
    problems += _blocs_problems(session)
    if formation is not None:
        contrat_pro = [f.mesure.nature == MesureKind.CONTRAT_PRO for f in session.financements if f.mesure]
        problems += [p for p in _contrat_pro(session, contrat_pro) if p.field == "rythmes"]
        if session.modalite_enseignement is not None and formation.structure is not None:
            problems += check_distance_learning(_entierement_a_distance(session), _in_region(formation.structure))
    return renamed(problems, SESSION_RENAMES)


def _of_the_session(contact, session) -> bool:
    """F5: the contact belongs to the OF responsable or an OF formateur of the session, their siège
    or one of their antennas."""
    structures = [session.formation.structure if session.formation is not None else None,
                  *(link.structure for link in session.formateurs)]
    family = {s.id for s in structures if s is not None} | {s.parent_id for s in structures if s is not None}
    family.discard(None)
    owner = contact.structure
    return owner is not None and (owner.id in family or owner.parent_id in family)


def _blocs_problems(session) -> list[Problem]:
    formation = session.formation
    if formation is None:
        return []
    problems: list[Problem] = []
    chosen = [bloc.code for bloc in session.blocs]
    certifications = [link.certification for link in formation.certifications if link.certification]
    for certification in certifications:
        own = {bloc.code for bloc in certification.blocs}
        problems += check_blocs(
            code(session.validation_blocs),
            [c for c in chosen if c in own],
            own,
            apprentissage=bool(formation.apprentissage),
            certification_code=certification.code,
        )
    problems += check_blocs_of_formation(chosen, [b.code for c in certifications for b in c.blocs])
    return problems


def _contrat_pro(session, contrat_pro: list[bool]) -> list[Problem]:
    formation = session.formation
    certification = principal_certification(formation)
    return check_contrat_pro(
        contrat_pro,
        rythme_alternance=is_alternance(session),
        certifiante=bool(formation.certifiante),
        code_rncp=certification.code_rncp if certification is not None else None,
    )


def _lieux(session, lieux=None) -> list[Problem]:
    structure = session.formation.structure
    links = session.lieux if lieux is None else lieux
    return check_lieux_formation(
        [_lieu_formation(link) for link in links if link.lieu is not None],
        entierement_a_distance=_entierement_a_distance(session),
        structure_in_region=_in_region(structure),
        region_code=_region_code(),
    )


def _entierement_a_distance(session) -> bool:
    return code(session.modalite_enseignement) == ENTIEREMENT_A_DISTANCE


def _lieu_formation(link) -> LieuFormation:
    lieu = link.lieu
    return LieuFormation(lieu.nom, bool(link.principal), code_postal=lieu.code_postal or "")


def _in_region(structure) -> bool:
    from app.validators import departement_of_postal_code, region_of_departement

    region = _region_code()
    if region is None:
        return True  # not judged without a configured region
    departement = structure.departement_code or departement_of_postal_code(structure.code_postal or "")
    return region_of_departement(departement or "") == region


def session_record_problems(session, today: date | None = None) -> list[Problem]:
    """The session with every child list: what blocks submitting it (F1–F13)."""
    formation = session.formation
    problems = session_problems(session, today)
    problems += check_formateurs([bool(f.principal) for f in session.formateurs])
    if formation is not None and formation.structure is not None:
        problems += [p for p in _lieux(session) if p.field != "modalite_enseignement"]
    financements = list(session.financements)
    problems += check_financements([_financement(f) for f in financements])
    if formation is not None:
        contrat_pro = [f.mesure.nature == MesureKind.CONTRAT_PRO for f in financements if f.mesure]
        problems += [p for p in _contrat_pro(session, contrat_pro) if p.field != "rythmes"]
        apprentissage = [f.mesure.nature == MesureKind.APPRENTISSAGE for f in financements if f.mesure]
        problems += check_apprentissage_financements(bool(formation.apprentissage), apprentissage)
        problems += on_field(qualiopi_problems(formation, financements), "financements")
        # Saved events are judged without "not in the past", which applies when they are typed.
        problems += check_recrutements([_event(r) for r in session.recrutements], session_fin=session.fin,
                                       today=date.min)
        problems += check_cycles([_cycle(c) for c in session.cycles], formation.duree_cycle,
                                 bool(formation.apprentissage))
    problems += _copy_checks(session)
    return renamed(problems, SESSION_RENAMES)


def _copy_checks(session) -> list[Problem]:
    """F14: a duplicated session's contact and lieux are to be checked by the organisation."""
    return check_copy_checked(bool(session.contact_a_verifier),
                              [link.lieu.nom for link in session.lieux if link.a_verifier and link.lieu is not None])


# Rules a formation checks over all its sessions at once: its sessions' own reports of them
# are left out of the formation's list, or the formation page would show them twice.
FORMATION_WIDE_RULES = frozenset({"E7"})


def formation_tree_problems(formation, session_ids=None, records=None, habilitation=None) -> list[Problem]:
    """The formation and each of its running sessions (finished and archived ones cannot change):
    what the formation page lists and what blocks submitting or accepting it. `session_ids`
    limits the sessions listed (a formateur reading another organisation's formation sees only
    his own, A3); None lists them all. `records` (session id → `session_record_problems`) are
    those a page has computed already, as `habilitation` (its `habilitation_problems`)."""
    records = records or {}
    problems = formation_record_problems(formation, habilitation)
    for session in formation.sessions:
        if session.etat in (SessionEtat.TERMINEE, SessionEtat.ARCHIVEE):
            continue
        if session_ids is not None and session.id not in session_ids:
            continue
        record = records[session.id] if session.id in records else session_record_problems(session)
        own = [p for p in record if p.rule not in FORMATION_WIDE_RULES]
        problems += for_session(session.reference, own)
    return problems


# --- the session's child lists --------------------------------------------------------------------


def formateur_problems(link) -> list[Problem]:
    """F3 when a formateur is added or changed: the same structure only once."""
    session = link.session
    if session is None or link.structure is None:
        return []
    others = siblings(session.formateurs, link)[:-1]
    listed = any(_same(other.structure, other.structure_id, link.structure) for other in others)
    return check_formateur_not_listed(listed)


def _same(row, row_id, wanted) -> bool:
    """Whether a child row points at `wanted` (two unsaved rows, whose ids are both None, do not)."""
    return row is wanted or (wanted.id is not None and row_id == wanted.id)


def session_lieu_problems(link) -> list[Problem]:
    """F4 when a lieu de formation is added or changed: in the region, listed once."""
    session = link.session
    if session is None or link.lieu is None or session.formation is None or session.formation.structure is None:
        return []
    others = siblings(session.lieux, link)[:-1]
    problems = check_lieu_not_listed(any(_same(other.lieu, other.lieu_id, link.lieu) for other in others))
    problems += check_lieux_in_region([_lieu_formation(link)], _region_code(), field="lieu")
    return problems


def _financement(financement) -> Financement:
    financeur, mesure = financement.financeur, financement.mesure
    return Financement(
        financeur=financeur.code if financeur else None,
        mesure=mesure.code if mesure else None,
        allowed_mesures=[m.code for m in financeur.mesures] if financeur else None,
        nb_places=financement.nb_places,
        prix_total=financement.prix_total,
        frais_inscription=financement.frais_inscription,
        prix_ht=financement.prix_ht,
        tva=financement.tva,
        prix_ttc=financement.prix_ttc,
        frais_certification=financement.frais_certification,
        frais_additionnels=financement.frais_additionnels,
    )


def financement_problems(financement) -> list[Problem]:
    """F6 (financeur → mesure cascade, places, amounts), F7 and E7 (no mix of dispositifs)."""
    problems = check_financement(_financement(financement))
    session = financement.session
    if session is None or financement.mesure is None or session.formation is None:
        return problems
    all_rows = [f for f in siblings(session.financements, financement) if f.mesure is not None]
    contrat_pro = [f.mesure.nature == MesureKind.CONTRAT_PRO for f in all_rows]
    session_wide = [p for p in _contrat_pro(session, contrat_pro) if p.field in ("financements", "certifications")]
    problems += on_field(session_wide, "mesure")
    formation = session.formation
    apprentissage = [financement.mesure.nature == MesureKind.APPRENTISSAGE]
    problems += on_field(check_apprentissage_financements(bool(formation.apprentissage), apprentissage), "mesure")
    problems += qualiopi_problems(formation, [financement])
    return problems


def qualiopi_problems(formation, financements) -> list[Problem]:
    """C6 for the OF responsable of `formation`, given the financements of a session."""
    structure = formation.structure
    if structure is None:
        return []
    rows = [f for f in financements if f.mesure is not None]
    return check_qualiopi(
        public_funding=any(is_public_funding(f.financeur.code if f.financeur else None, f.mesure.code) for f in rows),
        apprentissage=any(f.mesure.nature == MesureKind.APPRENTISSAGE for f in rows),
        qualiopi_action_formation=bool(structure.qualiopi_action_formation),
        qualiopi_apprentissage=bool(structure.qualiopi_apprentissage),
    )


def _event(recrutement) -> RecrutementEvent:
    return RecrutementEvent(
        modalite=code(recrutement.modalite),
        numero=recrutement.numero,
        date_debut=recrutement.date_debut,
        date_fin=recrutement.date_fin,
        heure_debut=recrutement.heure_debut,
        heure_fin=recrutement.heure_fin,
        nb_places=recrutement.nb_places,
        commentaire=recrutement.commentaire or "",
        a_distance=bool(recrutement.a_distance),
        adresse_ligne1=recrutement.ligne or "",
        ville=recrutement.ville or "",
        code_postal=recrutement.code_postal or "",
        url=recrutement.url or "",
    )


def recrutement_problems(recrutement, today: date | None = None) -> list[Problem]:
    """F13 for a modality being typed (date ≥ today applies), and against the session's others
    (unique number, ISC periods not overlapping)."""
    if recrutement.modalite is None:
        return []
    session = recrutement.session
    fin = session.fin if session is not None else None
    # "Not in the past" applies to a date being typed, not to a saved one left unchanged.
    typed = recrutement.id is None or sa_inspect(recrutement).attrs.date_debut.history.has_changes()
    today = (today or date.today()) if typed else date.min
    problems = check_recrutement_event(_event(recrutement), session_fin=fin, today=today)
    if session is not None:
        others = [_event(r) for r in siblings(session.recrutements, recrutement)[:-1]]
        problems += check_recrutement_against(_event(recrutement), others)
    return renamed(problems, RECRUTEMENT_RENAMES)


def _cycle(cycle) -> Cycle:
    return Cycle(
        annee=cycle.annee,
        effectif_minimal=cycle.effectif_minimal,
        capacite_simultanee=cycle.capacite_simultanee,
        capacite_cumulee=cycle.capacite_cumulee,
        rythme_unite=code(cycle.unite_rythme) or None,
        rythme_centre=cycle.unites_centre,
        rythme_entreprise=cycle.unites_entreprise,
    )


def cycle_problems(cycle) -> list[Problem]:
    """F8 for one year of the cycle, and each année once in the session."""
    session = cycle.session
    formation = session.formation if session is not None else None
    duree_cycle = formation.duree_cycle if formation is not None else None
    problems = check_cycle(_cycle(cycle), duree_cycle)
    if session is not None:
        others = siblings(session.cycles, cycle)[:-1]
        problems += check_cycle_year_not_described(cycle.annee, [other.annee for other in others])
    return renamed(problems, CYCLE_RENAMES)
