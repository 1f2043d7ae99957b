"""Record checks: read a record (saved, or about to be saved) and apply the rules of
app/validators to it.

The rules themselves are plain functions of plain values (app/validators); this package is
the one place that reads the ORM objects into those values, so every entry point — the forms,
the REST API, the bulk actions, the imports, the workflow — checks a record the same way.

Two levels per entity:
- `<entity>_problems(item)`: what blocks *saving* that record (its own form or API call);
- `<entity>_record_problems(item)`: the record with all its children, what blocks *submitting*
  it for validation; shown on its page together with completeness and partner readiness.

Problems are named after the model's fields (`debut`, not the rule's `date_debut`), so a form
or an API can put each message next to its field. Every French message is written in
app/validators; moved to another field or prefixed with its session, a problem keeps its SPEC
rule id (`Problem.rule`), and this package selects problems by rule and field only.
"""
from .offer import (
    certification_link_problems,
    cycle_problems,
    financement_problems,
    formateur_problems,
    formation_problems,
    formation_record_problems,
    formation_tree_problems,
    habilitation_problems,
    principal_certification,
    recrutement_problems,
    session_lieu_problems,
    session_problems,
    session_record_problems,
)
from .readiness import Readiness, completeness, formation_completeness, partner_readiness
from .structure import contact_problems, coordonnee_problems, lieu_problems, lieu_removal_problems, structure_problems

__all__ = [
    "Readiness",
    "certification_link_problems",
    "completeness",
    "contact_problems",
    "coordonnee_problems",
    "cycle_problems",
    "financement_problems",
    "formateur_problems",
    "formation_completeness",
    "formation_problems",
    "formation_record_problems",
    "formation_tree_problems",
    "habilitation_problems",
    "lieu_problems",
    "partner_readiness",
    "principal_certification",
    "recrutement_problems",
    "session_lieu_problems",
    "session_problems",
    "session_record_problems",
    "structure_problems",
    "lieu_removal_problems",
]
