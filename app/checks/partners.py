"""Partner perimeters (SPEC J3, E3, F15, G1): which sessions each partner flow takes, and why not.

One set of functions for the session pages' *Diffusion aux partenaires* panel (readiness.py) and
for the nightly flows (app/lheo/flows.py): what the panel says about a session is what the flow
does with it. They read attributes only (a saved or in-memory ORM record, or the lighter records
the LHEO export loads), so the export can apply them to tens of thousands of sessions without a
query per session; the E3 habilitation problems come from the caller (one query per formation or
per chunk of formations).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.models import MesureKind
from app.models.workflow import FormationEtat, SessionEtat
from app.validators import WARNING, is_valid_siret
from app.validators.recrutement import POSITIONING, normalize_modalite

from ._util import code
from .offer import is_alternance, principal_certification

ENDED_GRACE_DAYS = 30  # partners stop receiving a session 30 days after its end (F15)

KAIROS = "kairos"
PARCOURSUP = "parcoursup"
NATIONAL = "national"
PARTNERS = {
    KAIROS: "France Travail (Kairos, AUDE)",
    PARCOURSUP: "Parcoursup et Affelnet (apprentissage)",
    NATIONAL: "Base nationale des Carif-Oref",
}
TYPE_CYCLE_FORMATION_INITIALE = "0"  # LHEO dict-type-cycle


@dataclass
class Readiness:
    partner: str  # French label, e.g. "France Travail (Kairos, AUDE)"
    reasons: list[str] = field(default_factory=list)  # why it does not reach the partner
    notes: list[str] = field(default_factory=list)  # things to know, not blocking
    applicable: bool = True  # False: this partner does not take this kind of offer

    @property
    def ready(self) -> bool:
        return self.applicable and not self.reasons


# --- what every partner requires ------------------------------------------------------------


def ended_too_long_ago(fin: date | None, today: date) -> bool:
    """F15: a session ended more than ENDED_GRACE_DAYS days ago is no longer sent."""
    return fin is not None and fin < today - timedelta(days=ENDED_GRACE_DAYS)


def habilitation_warning(habilitation) -> bool:
    """E3: the formation is not published while its habilitation warning holds."""
    return any(p.severity == WARNING and p.rule == "E3" for p in habilitation or ())


def formation_blockers(formation, habilitation) -> list[tuple[str, str]]:
    """(rule, French reason) for which none of the formation's sessions reaches any partner:
    a draft or a formation not published or on hold (G1, G2), the habilitation warning (E3)."""
    reasons: list[tuple[str, str]] = []
    if formation is None:
        return reasons
    if getattr(formation, "draft_of_id", None) is not None or getattr(formation, "draft_of", None) is not None:
        reasons.append(("G2", "Cette fiche est un brouillon de modification : c'est la version validée qui est "
                              "diffusée."))
    elif formation.etat != FormationEtat.DIFFUSEE:
        label = FormationEtat.LABELS.get(formation.etat, formation.etat or "non enregistrée")
        reasons.append(("G1", f"La formation n'est pas diffusée (état : {label})."))
    if getattr(formation, "en_suspens", False):
        motif = getattr(formation, "motif_suspension", None) or "motif non précisé"
        reasons.append(("G1", f"La formation est en suspens ({motif}) : elle n'est envoyée à aucun partenaire ni "
                              "exportée tant que le Carif-Oref n'a pas levé la suspension."))
    if habilitation_warning(habilitation):
        reasons.append(("E3", "Aucun organisme de la session n'est habilité pour la certification : "
                              "la formation n'est pas diffusée tant que l'avertissement persiste."))
    return reasons


def common_reasons(session, today: date, habilitation) -> list[str]:
    """Why the session reaches no partner: not validated, a draft's copy, ended too long ago,
    or its formation is not published."""
    reasons: list[str] = []
    if session.etat != SessionEtat.DIFFUSEE or session.in_draft:
        reasons.append("La session n'est pas encore validée par le Carif-Oref.")
    if ended_too_long_ago(session.fin, today):
        reasons.append(f"La session est terminée depuis plus de {ENDED_GRACE_DAYS} jours.")
    return reasons + [reason for _, reason in formation_blockers(session.formation, habilitation)]


# --- each partner ---------------------------------------------------------------------------


def is_apprentissage(session) -> bool:
    formation = session.formation
    return bool(formation is not None and formation.apprentissage) or any(
        f.mesure is not None and f.mesure.nature == MesureKind.APPRENTISSAGE for f in session.financements)


def is_formation_initiale(session) -> bool:
    return any(code(c.type_cycle) == TYPE_CYCLE_FORMATION_INITIALE for c in session.cycles)


def siret_reasons(session) -> list[str]:
    """Kairos identifies organisations by SIRET: the OF responsable's and the principal OF
    formateur's must be valid (14 digits, Luhn; app/validators)."""
    reasons: list[str] = []
    formation = session.formation
    responsable = formation.structure if formation is not None else None
    if responsable is not None and not is_valid_siret(responsable.siret):
        reasons.append(f"Le SIRET de l'OF responsable ({responsable.siret or 'absent'}) n'est pas valide.")
    principal = next((f for f in session.formateurs if f.principal), None)
    siret = principal.structure.siret if principal is not None and principal.structure else None
    if not siret:
        reasons.append("L'OF formateur principal n'a pas de SIRET : Kairos identifie l'organisme "
                       "par ce SIRET.")
    elif not is_valid_siret(siret):
        reasons.append(f"Le SIRET de l'OF formateur principal ({siret}) n'est pas valide.")
    return reasons


def france_travail(session, common: list[str], today: date) -> Readiness:
    readiness = Readiness(PARTNERS[KAIROS], list(common))
    if is_apprentissage(session) or is_formation_initiale(session):
        readiness.applicable = False
        readiness.notes.append("L'apprentissage et la formation initiale ne sont pas diffusés à France Travail.")
        return readiness
    kinds = {normalize_modalite(code(r.modalite)) for r in session.recrutements}
    if not kinds & set(POSITIONING):
        readiness.reasons.append("Aucune modalité ISC, RDVI ou ICO : les candidats ne peuvent pas se "
                                 "positionner en ligne (Ouiform, AUDE).")
    natures = [f.mesure.nature for f in session.financements if f.mesure is not None]
    if MesureKind.CONTRAT_PRO in natures:
        if len(set(natures)) > 1:
            readiness.reasons.append("Le contrat de professionnalisation est mélangé à d'autres dispositifs : "
                                     "il n'est pas diffusé dans Kairos et bloque les autres financements.")
        else:
            readiness.applicable = False
            readiness.notes.append("Le contrat de professionnalisation n'est pas diffusé dans Kairos.")
    readiness.reasons += siret_reasons(session)
    meetings = [r for r in session.recrutements if normalize_modalite(code(r.modalite)) in POSITIONING[1:]]
    if meetings and all(r.date_debut is not None and r.date_debut < today for r in meetings):
        readiness.notes.append("Toutes les ICO et tous les RDVI sont passés : ajoutez les prochaines dates.")
    return readiness


def parcoursup_affelnet(session, common: list[str]) -> Readiness:
    readiness = Readiness(PARTNERS[PARCOURSUP], list(common))
    formation = session.formation
    if formation is None or not formation.apprentissage:
        readiness.applicable = False
        readiness.notes.append("Seules les formations en apprentissage y sont diffusées.")
        return readiness
    if len([link for link in formation.certifications if link.certification is not None]) != 1:
        readiness.reasons.append("Indiquez une seule certification (créez une formation par option du diplôme).")
    principal = principal_certification(formation)
    if principal is None or not principal.code_rncp:
        readiness.reasons.append("La certification doit avoir un code RNCP.")
    if not session.cycles:
        readiness.reasons.append("Les cycles de l'alternance ne sont pas renseignés.")
    if formation.duree_cycle is None:
        readiness.reasons.append("La durée de cycle de la formation n'est pas renseignée.")
    if not is_alternance(session):
        readiness.notes.append("Le rythme « En alternance » n'est pas coché.")
    readiness.notes.append("Parcoursup : saisie avant fin octobre pour la rentrée suivante ; "
                           "Affelnet : avant fin mars, intégrée en une seule fois.")
    return readiness


def national(session, common: list[str]) -> Readiness:
    return Readiness(PARTNERS[NATIONAL], list(common))


def partner_verdicts(session, today: date, habilitation) -> dict[str, Readiness]:
    """Each partner's verdict on the session: the flows send it where `ready`."""
    common = common_reasons(session, today, habilitation)
    return {
        KAIROS: france_travail(session, common, today),
        PARCOURSUP: parcoursup_affelnet(session, common),
        NATIONAL: national(session, common),
    }


def verdict(partner: str, session, today: date, habilitation) -> Readiness:
    """One partner's verdict (what a flow asks for each session)."""
    common = common_reasons(session, today, habilitation)
    if partner == KAIROS:
        return france_travail(session, common, today)
    if partner == PARCOURSUP:
        return parcoursup_affelnet(session, common)
    if partner == NATIONAL:
        return national(session, common)
    raise ValueError(f"unknown partner {partner!r}")
