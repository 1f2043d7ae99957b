"""Completeness and partner readiness of formations and sessions, shown on their pages.

*Completeness* lists optional but important items that are missing (they make an offer
findable and usable). *Partner readiness* says, per partner flow, why a session would not reach
it. Both read the record through the same rules as the forms (app/validators via offer.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.models.workflow import SessionEtat
from app.validators import ERROR, has_errors

from .offer import habilitation_problems, principal_certification, session_record_problems
from .partners import Readiness, partner_verdicts  # noqa: F401  (Readiness: re-exported)


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
        Item("Référent handicap", session.referent_handicap_contact is not None or _filled(session.referent_handicap)),
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
    """Why the session would not reach each partner flow (J3), in French: the flows' own verdicts
    (app/checks/partners.py, the functions app/lheo/flows.py applies), plus the session's errors
    while it waits for validation. A page listing many sessions of one formation passes what it
    has already computed: the session's `record` problems and its formation's
    `habilitation_problems` (one query per formation, not per session)."""
    today = today or date.today()
    record = session_record_problems(session, today) if record is None else record
    if habilitation is None:
        habilitation = habilitation_problems(session.formation) if session.formation is not None else []
    verdicts = list(partner_verdicts(session, today, habilitation).values())
    if has_errors(record):
        count = sum(1 for p in record if p.severity == ERROR)
        message = f"{count} erreur(s) à corriger (voir « Contrôles »)."
        for readiness in verdicts:
            if session.etat == SessionEtat.DIFFUSEE and not session.in_draft:
                # Validated already: it stays diffused; the errors block its next change request.
                readiness.notes.insert(0, message[:-1] + " : elles bloqueront la prochaine demande de modification.")
            else:
                readiness.reasons.insert(0, message)
    return verdicts
