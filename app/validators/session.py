"""Sessions: dates F1/F2, OF formateurs F3, lieux F4, contact F5, lieu d'inscription F12,
duplicated sessions F14.

Financements (F6, F7) live in financement.py, cycles (F8) in alternance.py, blocs (F9) in
blocs.py, durations (F10) in durations.py and recrutement (F13) in recrutement.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from . import WARNING, Problem
from .common import NotANumber, check_one_principal, is_blank, prefixed, text, to_number
from .geo import REGIONS_2016, departement_of_postal_code, region_of_departement

# --- F1/F2 dates ---------------------------------------------------------------------------


def check_session_dates(date_debut: date | None, date_fin: date | None) -> list[Problem]:
    """F1: start and end required, start ≤ end (a one-day session is fine)."""
    problems: list[Problem] = []
    if date_debut is None:
        problems.append(Problem("date_debut", "La date de début est obligatoire.", rule="F1"))
    if date_fin is None:
        problems.append(Problem("date_fin", "La date de fin est obligatoire.", rule="F1"))
    if date_debut is not None and date_fin is not None and date_debut > date_fin:
        problems.append(
            Problem(
                "date_fin",
                "La date de fin doit être postérieure ou égale à la date de début.",
                rule="F1",
            )
        )
    return problems


SHORT_SESSION_HOURS = 35  # seed 001: « sessions courtes … inférieures ou égales à 35 heures »
AIF_MESURES = frozenset({"FT-AIF"})  # France Travail's aide individuelle à la formation: individualised


def check_yearly_session(
    duree_totale: object,
    individualisee: bool,
    date_debut: date | None,
    date_fin: date | None,
    entree_sortie_permanente: bool,
) -> list[Problem]:
    """F1: a short session (35 hours or less) or an individualised one (financed by an AIF) is one
    yearly session, from 01/01 to 31/12 of its year — up to 31/03 of the next year for the last
    trainees — with entrée-sortie permanente (seeds 001 and 002)."""
    try:
        hours = to_number(duree_totale)
    except NotANumber:
        hours = None  # reported by the durations' own check (F10)
    short = hours is not None and 0 < hours <= SHORT_SESSION_HOURS
    if not (short or individualisee) or date_debut is None or date_fin is None:
        return []
    kind = "d'au plus 35 heures" if short else "individualisée (AIF)"
    year = date_debut.year
    problems: list[Problem] = []
    if (date_debut.month, date_debut.day) != (1, 1):
        problems.append(Problem(
            "date_debut", f"Une session {kind} est une session annuelle : elle commence le 01/01/{year}.",
            rule="F1"))
    if not date(year, 12, 31) <= date_fin <= date(year + 1, 3, 31):
        problems.append(Problem(
            "date_fin", f"Une session {kind} est une session annuelle : elle se termine le 31/12/{year} "
            f"(au plus tard le 31/03/{year + 1}).", rule="F1"))
    if not entree_sortie_permanente:
        problems.append(Problem(
            "entree_sortie_permanente",
            f"Une session {kind} est en entrée-sortie permanente : cochez la case.", rule="F1"))
    return problems


def check_start_before_certification_end(
    date_debut: date | None, date_fin_enregistrement: date | None
) -> list[Problem]:
    """F2: the session starts strictly before the principal certification's end of registration.

    Strict because the input guide says the start "doit obligatoirement être inférieure à la
    date de fin d'enregistrement": starting on that very day is refused. No end date known
    (None) means no constraint.
    """
    if date_debut is None or date_fin_enregistrement is None:
        return []
    if date_debut < date_fin_enregistrement:
        return []
    return [
        Problem(
            "date_debut",
            "La date de début doit être antérieure à la date de fin d'enregistrement de la "
            f"certification principale ({date_fin_enregistrement:%d/%m/%Y}).",
            rule="F2",
        )
    ]


# --- F3 OF formateurs ----------------------------------------------------------------------


def check_formateurs(principal_flags: Sequence[bool]) -> list[Problem]:
    """F3: at least one OF formateur, exactly one principal (one flag per formateur)."""
    if not principal_flags:
        return [Problem("formateurs", "Indiquez au moins un organisme formateur.", rule="F3")]
    return check_one_principal(
        principal_flags,
        "formateurs",
        missing="Désignez l'organisme formateur principal.",
        too_many="Un seul organisme formateur peut être principal.",
        rule="F3",
    )


def check_formateur_not_listed(already_listed: bool, field: str = "structure") -> list[Problem]:
    """F3, when an OF formateur is added to a session: each organisme is listed once."""
    if already_listed:
        return [Problem(field, "Cet organisme est déjà OF formateur de la session.", rule="F3")]
    return []


# --- F4 lieux de formation -----------------------------------------------------------------


@dataclass(frozen=True)
class LieuFormation:
    nom: str
    principal: bool = False
    departement: str = ""  # INSEE code ("14", "2A", "974"); derived from code_postal if empty
    code_postal: str = ""


def _region_of(lieu: LieuFormation) -> str | None:
    departement = text(lieu.departement) or departement_of_postal_code(text(lieu.code_postal))
    return region_of_departement(departement or "")


def check_distance_learning(
    entierement_a_distance: bool, structure_in_region: bool
) -> list[Problem]:
    """F4: the modalité « entièrement à distance » is for structures declared in the region."""
    if entierement_a_distance and not structure_in_region:
        return [
            Problem(
                "modalite_enseignement",
                "La modalité « entièrement à distance » est réservée aux organismes déclarés "
                "dans la région : adressez-vous au Carif-Oref de votre région.",
                rule="F4",
            )
        ]
    return []


def check_lieux_in_region(
    lieux: Sequence[LieuFormation], region_code: str | None, field: str = "lieux"
) -> list[Problem]:
    """F4: no lieu de formation outside the region (it belongs to another Carif-Oref).

    A lieu whose département cannot be derived is not judged here (its address check is), nor any
    lieu when the deployment has no region configured (`region_code` None).
    """
    problems: list[Problem] = []
    if not region_code:
        return problems
    region_name = REGIONS_2016.get(text(region_code), text(region_code))
    for lieu in lieux:
        region = _region_of(lieu)
        if region is not None and region != text(region_code):
            problems.append(
                Problem(
                    field,
                    f"Le lieu « {text(lieu.nom)} » est hors de la région {region_name} : "
                    "la formation doit être référencée auprès du Carif-Oref de sa région.",
                    rule="F4",
                )
            )
    return problems


def check_lieux_formation(
    lieux: Sequence[LieuFormation],
    *,
    entierement_a_distance: bool,
    structure_in_region: bool,
    region_code: str | None,
) -> list[Problem]:
    """F4: at least one lieu (unless entièrement à distance), exactly one principal,
    distance learning only for structures declared in the region, no lieu outside the region.
    """
    problems = check_distance_learning(entierement_a_distance, structure_in_region)
    if not lieux and not entierement_a_distance:
        problems.append(Problem("lieux", "Indiquez au moins un lieu de formation.", rule="F4"))
    problems += check_one_principal(
        [lieu.principal for lieu in lieux],
        "lieux",
        missing="Désignez le lieu de formation principal.",
        too_many="Un seul lieu de formation peut être principal.",
        rule="F4",
    )
    problems += check_lieux_in_region(lieux, region_code)
    return problems


def check_lieu_not_listed(already_listed: bool, field: str = "lieu") -> list[Problem]:
    """F4, when a lieu de formation is added to a session: each lieu is listed once."""
    if already_listed:
        return [Problem(field, "Ce lieu est déjà un lieu de formation de la session.", rule="F4")]
    return []


# --- F5 contact, F12 lieu d'inscription ----------------------------------------------------


def check_session_contact(nb_contacts: int) -> list[Problem]:
    """F5: exactly one contact among the structures' contacts (others go in the free text)."""
    if nb_contacts == 1:
        return []
    if nb_contacts == 0:
        return [Problem("contact", "Choisissez le contact de la session.", rule="F5")]
    return [
        Problem(
            "contact",
            "Une session n'a qu'un seul contact : indiquez les autres dans le champ "
            "« demandes spécifiques sur les contacts ».",
            rule="F5",
        )
    ]


REFERENTS = {"referent_handicap": "référent handicap / PMR", "referent_mobilite": "référent mobilité"}


def check_referent(field: str, contact_of_the_session: bool | None, typed: object) -> list[Problem]:
    """F5: an optional référent (handicap / PMR, mobilité) is a contact of the session's structures
    (`contact_of_the_session`: True, False when another one, None when no contact is chosen), or
    typed in `field` when external — one or the other."""
    label = REFERENTS[field]
    if contact_of_the_session is None:
        return []
    if contact_of_the_session is False:
        return [Problem(f"{field}_contact", f"Choisissez le {label} parmi les contacts des structures de la "
                        "session, ou saisissez son nom s'il est externe.", rule="F5")]
    if not is_blank(typed):
        return [Problem(field, f"Le {label} est déjà choisi parmi les contacts : laissez ce champ vide, "
                        "il sert au référent externe.", rule="F5")]
    return []


def check_lieu_inscription(lieu_inscription: object) -> list[Problem]:
    """F12: the lieu d'inscription (an id or a label) is required."""
    if is_blank(lieu_inscription):
        return [Problem("lieu_inscription", "Le lieu d'inscription est obligatoire.", rule="F12")]
    return []


# --- F14 duplicated sessions ---------------------------------------------------------------


def check_copy_checked(contact_a_verifier: bool, lieux_a_verifier: Sequence[str]) -> list[Problem]:
    """F14 (warnings): a duplicated session's contact and lieux (the names of those still
    flagged) are to be checked by the organisation; saving the contact or the lieu clears them."""
    problems: list[Problem] = []
    if contact_a_verifier:
        problems.append(
            Problem(
                "contact",
                "Session dupliquée : vérifiez le contact, puis enregistrez la session.",
                WARNING,
                rule="F14",
            )
        )
    for nom in lieux_a_verifier:
        problems.append(
            Problem(
                "lieux",
                f"Session dupliquée : vérifiez le lieu « {text(nom)} » (ouvrez-le et "
                "enregistrez-le).",
                WARNING,
                rule="F14",
            )
        )
    return problems


def check_next_year_copy(
    *,
    certification_code: str = "",
    certification_active: bool = True,
    formation_etat_libelle: str = "",
    formation_takes_sessions: bool = True,
) -> list[Problem]:
    """F14 for a session copied to the next rentrée (besides its new dates, F1/F2): the
    principal certification is still active, and the formation still takes new sessions
    (neither archived nor waiting for validation: the caller, who knows the states, tells)."""
    problems: list[Problem] = []
    if not certification_active:
        problems.append(
            Problem(
                "certification",
                f"La certification {text(certification_code)} n'est plus active.",
                rule="F14",
            )
        )
    if not formation_takes_sessions:
        problems.append(
            Problem(
                "formation",
                f"La formation est « {text(formation_etat_libelle)} » : pas de nouvelle session.",
                rule="F14",
            )
        )
    return problems


def for_session(reference: str, problems: Sequence[Problem]) -> list[Problem]:
    """A session's problems listed on its formation's page, each one saying which session."""
    return prefixed(problems, f"Session {text(reference)}")
