"""Checks of structures, their coordonnées, contacts and lieux (SPEC C1, C3, C5, C11)."""
from __future__ import annotations

from dataclasses import replace

from app.validators import (
    Coordonnee,
    Lieu,
    Problem,
    check_code_insee,
    check_code_postal,
    check_coordonnee_list,
    check_email,
    check_lieu,
    check_lieu_removal,
    check_phone,
    check_structure_identity,
    check_structure_parent,
    find_duplicate_lieux,
)

from ._util import on_field, renamed, siblings

LIEU_FIELDS = {"ligne1": "ligne"}


def structure_problems(structure) -> list[Problem]:
    """C1: identity (raison sociale, SIRET, NDA only on the siège, APE, UAI) and address."""
    problems = check_structure_identity(
        structure.raison_sociale,
        structure.siret,
        structure.nda,
        has_parent=structure.parent is not None or structure.parent_id is not None,
        ape=structure.ape,
        uai=structure.uai,
    )
    parent = structure.parent
    problems += check_structure_parent(own_parent=parent is not None and parent is structure,
                                       parent_is_antenna=parent is not None and parent.parent_id is not None)
    problems += check_code_postal(structure.code_postal, "code_postal", rule="C1")  # C1 postal address
    problems += check_code_insee(structure.code_insee, "code_insee")
    return problems


def coordonnee_problems(coordonnee) -> list[Problem]:
    """C3: a valid e-mail, phone or web address. The principal of each list is kept unique by
    `app.workflow.principal` (marking one un-marks the others) rather than refused."""
    problems = check_coordonnee_list(
        coordonnee.nature, [Coordonnee(coordonnee.nature, coordonnee.valeur or "", True)], field="valeur"
    )
    # Single-item list: the item problems are nested as "valeur-0-value"; they belong to "valeur".
    return [replace(p, field="valeur" if p.field.startswith("valeur") else "nature") for p in problems]


def contact_problems(contact) -> list[Problem]:
    """C5: the contact's e-mail and phone, when given, are valid."""
    return check_email(contact.email, "email") + check_phone(contact.telephone, "telephone")


def _lieu(lieu) -> Lieu:
    return Lieu(
        nom=lieu.nom or "",
        ligne1=lieu.ligne or "",
        code_postal=lieu.code_postal or "",
        ville=lieu.ville or "",
        complement=lieu.complement or "",
        bp_cs=lieu.bp_cs or "",
        code_insee=lieu.code_insee or "",
        latitude=lieu.latitude,
        longitude=lieu.longitude,
        telephone=lieu.telephone or "",
        siret=lieu.siret or "",
    )


def lieu_problems(lieu, *, require_coordinates: bool = True) -> list[Problem]:
    """C11/F4: complete address, coordinates in range; a warning when the structure already has
    a lieu at the same address."""
    problems = check_lieu(_lieu(lieu), require_coordinates=require_coordinates)
    if lieu.structure is not None:
        others = siblings(lieu.structure.lieux, lieu)[:-1]
        problems += on_field(find_duplicate_lieux([_lieu(lieu)], [_lieu(other) for other in others]), "ligne")
    return renamed(problems, LIEU_FIELDS)


def lieu_removal_problems(lieu) -> list[Problem]:
    """C11, F4: a lieu removed while sessions use it would leave them without their lieu de formation."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import SessionLieu

    using = db.session.execute(select(func.count(func.distinct(SessionLieu.session_id)))
                               .where(SessionLieu.lieu_id == lieu.id)).scalar()
    return check_lieu_removal(using)
