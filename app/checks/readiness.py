"""Completeness and partner readiness of formations and sessions, shown on their pages.

*Completeness* lists optional but important items that are missing (they make an offer
findable and usable). *Partner readiness* says, per partner flow, why a session would not reach
it. Both read the record through the same rules as the forms (app/validators via offer.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.models import MesureKind
from app.models.workflow import SessionEtat
from app.validators import ERROR, WARNING, has_errors, is_valid_siret
from app.validators.recrutement import ICO, POSITIONING, RDVI, normalize_modalite

from ._util import code
from .offer import (
    is_alternance,
    habilitation_problems,
    principal_certification,
    session_record_problems,
)

ENDED_GRACE_DAYS = 30  # partners stop receiving a session 30 days after its end (F15)


@dataclass(frozen=True)
class Item:
    label: str  # French, e.g. "Modalités de recrutement"
    ok: bool
    hint: str = ""  # what to do when missing


@dataclass
class Completeness:
    items: list[Item]

    @property
    def missing(self) -> list[Item]:
        return [item for item in self.items if not item.ok]

    @property
    def percent(self) -> int:
        return round(100 * sum(item.ok for item in self.items) / len(self.items)) if self.items else 100


@dataclass
class Readiness:
    partner: str  # e.g. "France Travail (Kairos, AUDE)"
    reasons: list[str] = field(default_factory=list)  # why it would not reach the partner
    notes: list[str] = field(default_factory=list)  # things to know, not blocking
    applicable: bool = True  # False: this partner does not take this kind of offer

    @property
    def ready(self) -> bool:
        return self.applicable and not self.reasons


def _filled(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, set)):
        return bool(value)
    return True


def formation_completeness(formation) -> Completeness:
    certification = principal_certification(formation)
    items = [
        Item("Contenu de la formation", _filled(formation.contenu), "Décrivez le programme."),
        Item("Résultats attendus", _filled(formation.resultats)),
        Item("Niveau de sortie", formation.niveau_sortie is not None),
        Item("Formacode", _filled(list(formation.formacodes)), "Indiquez au moins un domaine (Formacode)."),
        Item("Codes ROME (métiers visés)", _filled(list(formation.romes))),
        Item("Mots-clés", _filled(formation.mots_cles)),
        Item("Le + de la formation", _filled(formation.plus_formation)),
        Item("Page web de la formation", _filled(formation.url_page)),
        Item("Au moins une session", _filled(list(formation.sessions)), "Créez la première session."),
    ]
    if formation.certifiante:
        items.insert(0, Item("Certification principale", certification is not None,
                             "Ajoutez la certification préparée."))
    return Completeness(items)


def completeness(session) -> Completeness:
    """What is missing from a session, beyond what the rules require."""
    formation = session.formation
    certification = principal_certification(formation) if formation is not None else None
    items = [
        Item("Durée totale en heures", session.duree_totale is not None or session.duree_centre is not None),
        Item("Durée hebdomadaire", session.duree_hebdomadaire is not None),
        Item("Modalités de recrutement", _filled(list(session.recrutements)),
             "Ajoutez une ICO, un RDVI ou une période de candidature."),
        Item("Contact de la session", session.contact is not None),
        Item("Référent handicap", _filled(session.referent_handicap)),
        Item("Prérequis", _filled(session.prerequis)),
        Item("Rythme", _filled(list(session.rythmes))),
        Item("Modalité d'enseignement", session.modalite_enseignement is not None),
        Item("Type de parcours", session.type_parcours is not None),
        Item("Niveau d'entrée", session.niveau_entree is not None),
        Item("Lieu de formation", _filled(list(session.lieux))),
        Item("Financement", _filled(list(session.financements))),
        Item("Nombre de places", any(f.nb_places for f in session.financements)),
    ]
    if certification is not None and certification.blocs:
        items.append(Item("Blocs de compétences", session.validation_blocs is not None,
                          "Précisez le type de validation des blocs."))
    if formation is not None and formation.apprentissage:
        items.append(Item("Cycles de l'alternance", _filled(list(session.cycles))))
    return Completeness(items)


def partner_readiness(session, today: date | None = None, *, record=None, habilitation=None) -> list[Readiness]:
    """Why the session would not reach each partner flow (J3), in French. A page listing many
    sessions of one formation passes what it has already computed: the session's `record`
    problems and its formation's `habilitation_problems` (one query per formation, not per session)."""
    today = today or date.today()
    formation = session.formation
    record = session_record_problems(session, today) if record is None else record
    common = _common_reasons(session, record, today, habilitation)
    return [
        _france_travail(session, common, today),
        _parcoursup_affelnet(session, formation, common),
        Readiness("Base nationale des Carif-Oref", list(common)),
    ]


def _common_reasons(session, record, today, habilitation=None) -> list[str]:
    reasons: list[str] = []
    if has_errors(record):
        count = sum(1 for p in record if p.severity == ERROR)
        reasons.append(f"{count} erreur(s) à corriger (voir « Contrôles »).")
    if session.etat != SessionEtat.DIFFUSEE:
        reasons.append("La session n'est pas encore validée par le Carif-Oref.")
    if session.fin is not None and session.fin < today - timedelta(days=ENDED_GRACE_DAYS):
        reasons.append(f"La session est terminée depuis plus de {ENDED_GRACE_DAYS} jours.")
    if habilitation is None and session.formation is not None:
        habilitation = habilitation_problems(session.formation)
    if session.formation is not None and any(p.severity == WARNING for p in habilitation):
        reasons.append("Aucun organisme de la session n'est habilité pour la certification : "
                       "la formation n'est pas diffusée tant que l'avertissement persiste.")
    return reasons


def _france_travail(session, common, today) -> Readiness:
    readiness = Readiness("France Travail (Kairos, AUDE)", list(common))
    formation = session.formation
    if formation is not None and formation.apprentissage:
        readiness.applicable = False
        readiness.notes.append("L'apprentissage (formation initiale) n'est pas diffusé à France Travail.")
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
    principal = next((f for f in session.formateurs if f.principal), None)
    siret = principal.structure.siret if principal is not None and principal.structure else None
    if not siret:
        readiness.reasons.append("L'OF formateur principal n'a pas de SIRET : Kairos identifie l'organisme "
                                 "par ce SIRET.")
    elif not is_valid_siret(siret):
        readiness.reasons.append(f"Le SIRET de l'OF formateur principal ({siret}) n'est pas valide.")
    meetings = [r for r in session.recrutements if normalize_modalite(code(r.modalite)) in (ICO, RDVI)]
    if meetings and all(r.date_debut is not None and r.date_debut < today for r in meetings):
        readiness.notes.append("Toutes les ICO et tous les RDVI sont passés : ajoutez les prochaines dates.")
    return readiness


def _parcoursup_affelnet(session, formation, common) -> Readiness:
    readiness = Readiness("Parcoursup et Affelnet (apprentissage)", list(common))
    if formation is None or not formation.apprentissage:
        readiness.applicable = False
        readiness.notes.append("Seules les formations en apprentissage y sont diffusées.")
        return readiness
    certifications = [link for link in formation.certifications if link.certification is not None]
    if len(certifications) != 1:
        readiness.reasons.append("Indiquez une seule certification (créez une formation par option du diplôme).")
    certification = principal_certification(formation)
    if certification is None or not certification.code_rncp:
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
