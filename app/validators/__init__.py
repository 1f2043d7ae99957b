"""Business rules as pure functions (SPEC C, E, F).

No Flask, no database: every rule takes plain values and returns a list of `Problem`
(empty when fine). Forms, workflow commands, imports and the API all call these functions,
so a rule changes in one place. Rule ids (C1, F13…) refer to /work/shared/SPEC.md; every
problem made here carries its rule's id in `Problem.rule`, and callers select problems by rule
and field, never by their French wording.

This package imports nothing but the standard library and its own modules, so its tests run
without Flask or a database (scripts/check_pure_validators.sh).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    field: str  # form field name, e.g. "siret", "heure_debut", or "" for the whole record
    message: str  # French, user-facing, e.g. "Le SIRET doit comporter 14 chiffres."
    severity: str = ERROR
    # SPEC id of the rule, e.g. "F13", "C1" ("" for problems made outside app/validators, such
    # as a lock reason). Code selects problems by `rule` and `field`, never by their wording.
    rule: str = ""


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when at least one problem blocks saving (warnings do not)."""
    return any(p.severity == ERROR for p in problems)


# Submodules import Problem from this package, so they are imported after its definition.
from .alternance import (  # noqa: E402
    Cycle,
    check_cycle,
    check_cycle_year_not_described,
    check_cycles,
    normalize_rythme_unit,
)
from .blocs import check_blocs, check_blocs_of_formation, normalize_validation_type  # noqa: E402
from .common import prefixed, visible_length, visible_text  # noqa: E402
from .durations import check_durees, compute_duree_totale  # noqa: E402
from .financement import (  # noqa: E402
    Financement,
    check_contrat_pro,
    check_financement,
    check_financements,
    prix_ttc,
    check_qualiopi,
    is_public_funding,
)
from .formation import (  # noqa: E402
    CertificationChoice,
    check_apprentissage_financements,
    check_certification_change,
    check_certification_link,
    check_certifications,
    check_created_by_carif,
    check_descriptions,
    check_duree_cycle,
    check_habilitation,
    check_intitule,
    check_of_responsable,
    check_presentation,
)
from .geo import (  # noqa: E402
    DEPARTEMENT_REGION,
    NDA_REGION_CODES,
    REGIONS_2007,
    REGIONS_2016,
    departement_of_postal_code,
    region_of_departement,
)
from .identifiers import (  # noqa: E402
    check_ape,
    check_bloc_code,
    check_code_insee,
    check_code_postal,
    check_email,
    check_formacode,
    check_nda,
    check_nsf,
    check_phone,
    check_rncp,
    check_rome,
    check_rs,
    check_siret,
    check_uai,
    check_url,
    is_valid_ape,
    is_valid_bloc_code,
    is_valid_code_insee,
    is_valid_code_postal,
    is_valid_email,
    is_valid_formacode,
    is_valid_nda,
    is_valid_nsf,
    is_valid_phone,
    is_valid_rncp,
    is_valid_rome,
    is_valid_rs,
    is_valid_siret,
    is_valid_uai,
    is_valid_url,
    normalize_ape,
    normalize_bloc_code,
    normalize_code_insee,
    normalize_email,
    normalize_nda,
    normalize_nsf,
    normalize_phone,
    normalize_rncp,
    normalize_rome,
    normalize_rs,
    normalize_siret,
    normalize_uai,
    normalize_url,
)
from .recrutement import (  # noqa: E402
    ICO,
    ISC,
    RDVI,
    RecrutementEvent,
    check_recrutement_against,
    check_recrutement_event,
    check_recrutements,
    normalize_modalite,
)
from .session import (  # noqa: E402
    LieuFormation,
    check_copy_checked,
    check_distance_learning,
    check_formateur_not_listed,
    check_formateurs,
    check_lieu_inscription,
    check_lieu_not_listed,
    check_lieux_formation,
    check_lieux_in_region,
    check_next_year_copy,
    check_session_contact,
    check_referent,
    check_session_dates,
    check_yearly_session,
    check_start_before_certification_end,
    for_session,
)
from .structure import (  # noqa: E402
    Coordonnee,
    Lieu,
    check_coordonnee_list,
    check_coordonnees,
    check_lieu,
    check_lieu_removal,
    check_structure_identity,
    check_structure_parent,
    find_duplicate_lieux,
    lieu_key,
)

__all__ = [
    "CertificationChoice",
    "Coordonnee",
    "Cycle",
    "DEPARTEMENT_REGION",
    "ERROR",
    "Financement",
    "ICO",
    "ISC",
    "Lieu",
    "LieuFormation",
    "NDA_REGION_CODES",
    "Problem",
    "RDVI",
    "REGIONS_2007",
    "REGIONS_2016",
    "RecrutementEvent",
    "WARNING",
    "check_ape",
    "check_apprentissage_financements",
    "check_bloc_code",
    "check_blocs",
    "check_blocs_of_formation",
    "check_certification_change",
    "check_certification_link",
    "check_certifications",
    "check_created_by_carif",
    "check_code_insee",
    "check_code_postal",
    "check_contrat_pro",
    "check_coordonnee_list",
    "check_coordonnees",
    "check_copy_checked",
    "check_cycle",
    "check_cycle_year_not_described",
    "check_cycles",
    "check_descriptions",
    "check_distance_learning",
    "check_duree_cycle",
    "check_durees",
    "check_email",
    "check_financement",
    "check_financements",
    "prix_ttc",
    "check_formacode",
    "check_formateur_not_listed",
    "check_formateurs",
    "check_habilitation",
    "check_intitule",
    "check_lieu",
    "check_lieu_removal",
    "check_lieu_inscription",
    "check_lieu_not_listed",
    "check_lieux_formation",
    "check_lieux_in_region",
    "check_nda",
    "check_next_year_copy",
    "check_nsf",
    "check_of_responsable",
    "check_phone",
    "check_presentation",
    "check_qualiopi",
    "check_recrutement_against",
    "check_recrutement_event",
    "check_recrutements",
    "check_rncp",
    "check_rome",
    "check_rs",
    "check_session_contact",
    "check_referent",
    "check_session_dates",
    "check_yearly_session",
    "check_siret",
    "check_start_before_certification_end",
    "check_structure_identity",
    "check_structure_parent",
    "check_uai",
    "check_url",
    "compute_duree_totale",
    "departement_of_postal_code",
    "find_duplicate_lieux",
    "for_session",
    "has_errors",
    "is_public_funding",
    "is_valid_ape",
    "is_valid_bloc_code",
    "is_valid_code_insee",
    "is_valid_code_postal",
    "is_valid_email",
    "is_valid_formacode",
    "is_valid_nda",
    "is_valid_nsf",
    "is_valid_phone",
    "is_valid_rncp",
    "is_valid_rome",
    "is_valid_rs",
    "is_valid_siret",
    "is_valid_uai",
    "is_valid_url",
    "lieu_key",
    "normalize_ape",
    "normalize_bloc_code",
    "normalize_code_insee",
    "normalize_email",
    "normalize_modalite",
    "normalize_nda",
    "normalize_nsf",
    "normalize_phone",
    "normalize_rncp",
    "normalize_rome",
    "normalize_rs",
    "normalize_rythme_unit",
    "normalize_siret",
    "normalize_uai",
    "normalize_url",
    "normalize_validation_type",
    "prefixed",
    "region_of_departement",
    "visible_length",
    "visible_text",
]
