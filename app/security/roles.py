"""Roles as code, built cumulatively from (permission, resource) pairs of the vocabulary
(permissions.py): CONTACT ⊂ GESTIONNAIRE ⊂ ADMIN (Airflow's ROLE_CONFIGS).

Every pair names one permission on one resource; there is no pattern that could grant a view
added later (FAB-NOTES G15). FAB_ROLES, which FAB reads, is derived from these lists: one exact,
anchored pattern pair per resource (FAB matches both with re.match, G5). Roles defined here need no
permission rows in the database. The README's security table is this data (a test compares them).
"""
from __future__ import annotations

import re

from .permissions import (
    ACTION_ADD,
    ACTION_ARCHIVE,
    ACTION_CLOSE_RECRUTEMENT,
    ACTION_CODIFY,
    ACTION_DELETE,
    ACTION_DUPLICATE,
    ACTION_DUPLICATE_NEXT_YEAR,
    ACTION_EDIT,
    ACTION_HOLD,
    ACTION_READ,
    ACTION_REVIEW,
    ACTION_SEND_RESET,
    ACTION_SET_ETAT,
    FAB_GROUPS,
    FAB_RESET_MY_PASSWORD,
    FAB_RESET_PASSWORD,
    FAB_ROLES_VIEW,
    FAB_SECURITY_APIS,
    FAB_SECURITY_MENUS,
    FAB_USER_INFO,
    FAB_USERS,
    MENU_ACCESS,
    MENU_ACCOUNT_REQUESTS,
    MENU_ACTUALITES,
    MENU_CERTIFICATIONS,
    MENU_COMMUNICATION,
    MENU_CONTACT_ACCOUNTS,
    MENU_CONTACTS,
    MENU_COORDONNEES,
    MENU_DEPARTEMENTS,
    MENU_DOCUMENTS,
    MENU_FINANCEMENTS,
    MENU_FINANCEURS,
    MENU_FORMATIONS,
    MENU_HABILITATIONS,
    MENU_HISTORY,
    MENU_LHEO_IMPORT,
    MENU_LHEO_REPORT,
    MENU_LIEUX,
    MENU_LINK_ERRORS,
    MENU_MANAGEMENT,
    MENU_MEMOS,
    MENU_MESSAGERIE,
    MENU_MESURES,
    MENU_NOMENCLATURES,
    MENU_OFFER,
    MENU_QUEUE,
    MENU_RECRUTEMENTS,
    MENU_REFERENTIALS,
    MENU_REGIONS,
    MENU_RIGHTS,
    MENU_SEARCH,
    MENU_SECURITY,
    MENU_SESSIONS,
    MENU_STRUCTURE,
    MENU_STRUCTURES,
    MENU_UNCONFIRMED,
    RESOURCE_ACCOUNT_REQUEST,
    RESOURCE_ACTUALITE,
    RESOURCE_BLOC,
    RESOURCE_CERTIFICATION,
    RESOURCE_CONTACT_ACCOUNT,
    RESOURCE_COORDONNEE,
    RESOURCE_CYCLE,
    RESOURCE_DEPARTEMENT,
    RESOURCE_DOCUMENT,
    RESOURCE_FINANCEMENT,
    RESOURCE_FINANCEUR,
    RESOURCE_FORMATION,
    RESOURCE_FORMATION_CERTIFICATION,
    RESOURCE_HABILITATION,
    RESOURCE_HISTORY,
    RESOURCE_LHEO_IMPORT,
    RESOURCE_LHEO_REPORT,
    RESOURCE_LIEU,
    RESOURCE_LINK_CHECK,
    RESOURCE_MEMO,
    RESOURCE_MESSAGERIE,
    RESOURCE_MESURE,
    RESOURCE_NOMENCLATURE,
    RESOURCE_NOTIFICATION,
    RESOURCE_OPENAPI,
    RESOURCE_QUEUE,
    RESOURCE_RECRUTEMENT,
    RESOURCE_REGION,
    RESOURCE_RIGHT,
    RESOURCE_SESSION,
    RESOURCE_SESSION_FORMATEUR,
    RESOURCE_SESSION_LIEU,
    RESOURCE_STRUCTURE,
    RESOURCE_STRUCTURE_CONTACT,
    RESOURCE_SWAGGER,
    ROLE_ADMIN,
    ROLE_CONTACT,
    ROLE_GESTIONNAIRE,
    perm,
)

Pair = tuple[str, str]  # (FAB permission name, resource or menu name)


def grant(resource: str, *actions: str) -> list[Pair]:
    return [(perm(action), resource) for action in actions]


def menus(*names: str) -> list[Pair]:
    return [(MENU_ACCESS, name) for name in names]


READ = (ACTION_READ,)
OWN_CHILD = (ACTION_READ, ACTION_ADD, ACTION_EDIT, ACTION_DELETE)  # rows inside a record the user edits
REFERENCE_DATA = (ACTION_READ, ACTION_ADD, ACTION_EDIT, ACTION_DELETE)

# What every logged-in user does with his own account (FAB's names).
SELF_SERVICE: list[Pair] = [
    ("can_this_form_get", FAB_USER_INFO), ("can_this_form_post", FAB_USER_INFO),
    ("can_this_form_get", FAB_RESET_MY_PASSWORD), ("can_this_form_post", FAB_RESET_MY_PASSWORD),
    ("can_userinfo", FAB_USERS), ("resetmypassword", FAB_USERS), ("userinfoedit", FAB_USERS),
    # His notifications (the bell): read them, download their files, mark them read; the rows
    # are his alone (scope.OWNED).
    *grant(RESOURCE_NOTIFICATION, ACTION_READ, ACTION_EDIT),
    # Communication (H2–H4): his mémos (his alone: scope.OWNED), the actualités on air (reading one
    # marks it read for him), the threads of his structures (scope.SCOPES; adding = a new thread or
    # a message, with a modification right on the structure).
    *grant(RESOURCE_MEMO, ACTION_READ, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *grant(RESOURCE_ACTUALITE, ACTION_READ),
    *grant(RESOURCE_MESSAGERIE, ACTION_READ, ACTION_ADD),
    *menus(MENU_COMMUNICATION, MENU_MESSAGERIE, MENU_ACTUALITES, MENU_MEMOS),
]

CONTACT_PERMISSIONS: list[Pair] = [
    *SELF_SERVICE,
    # Ma structure: its identity stays the manager's (C2: no codify); edits of a validated
    # structure become change requests (C9).
    *grant(RESOURCE_STRUCTURE, ACTION_READ, ACTION_EDIT),
    *grant(RESOURCE_COORDONNEE, ACTION_READ, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *grant(RESOURCE_LIEU, ACTION_READ, ACTION_ADD, ACTION_EDIT),
    *grant(RESOURCE_STRUCTURE_CONTACT, *READ),
    *grant(RESOURCE_HABILITATION, *READ),
    *grant(RESOURCE_DOCUMENT, ACTION_READ, ACTION_ADD),
    *grant(RESOURCE_RIGHT, *READ),
    *grant(RESOURCE_HISTORY, *READ),
    # Offer: formations and sessions are archived, never deleted (E11, F15: no delete exists).
    *grant(RESOURCE_FORMATION, ACTION_READ, ACTION_ADD, ACTION_EDIT),
    *grant(RESOURCE_SESSION, ACTION_READ, ACTION_ADD, ACTION_EDIT, ACTION_DUPLICATE_NEXT_YEAR),
    *(pair for resource in (RESOURCE_FORMATION_CERTIFICATION, RESOURCE_SESSION_FORMATEUR, RESOURCE_SESSION_LIEU,
                            RESOURCE_FINANCEMENT, RESOURCE_RECRUTEMENT, RESOURCE_CYCLE)
      for pair in grant(resource, *OWN_CHILD)),
    # H5: the broken website links of his records, and why (the rows are his scope's).
    *grant(RESOURCE_LINK_CHECK, *READ),
    # Referentials are public reference data: readable, not editable.
    *grant(RESOURCE_CERTIFICATION, *READ),
    *grant(RESOURCE_BLOC, *READ),
    # The API's OpenAPI document (and Swagger UI on it): the operations he may call only.
    ("can_get", RESOURCE_OPENAPI), ("can_show", RESOURCE_SWAGGER),
    *menus(MENU_STRUCTURE, MENU_STRUCTURES, MENU_COORDONNEES, MENU_CONTACTS, MENU_LIEUX, MENU_HABILITATIONS,
           MENU_DOCUMENTS, MENU_OFFER, MENU_FORMATIONS, MENU_SEARCH, MENU_SESSIONS, MENU_FINANCEMENTS,
           MENU_RECRUTEMENTS, MENU_LINK_ERRORS, MENU_REFERENTIALS, MENU_CERTIFICATIONS),
]

GESTIONNAIRE_PERMISSIONS: list[Pair] = [
    *CONTACT_PERMISSIONS,
    *grant(RESOURCE_STRUCTURE, ACTION_ADD, ACTION_CODIFY, ACTION_REVIEW),
    *grant(RESOURCE_LIEU, ACTION_DELETE),
    *grant(RESOURCE_STRUCTURE_CONTACT, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *grant(RESOURCE_HABILITATION, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *grant(RESOURCE_DOCUMENT, ACTION_DELETE),
    *grant(RESOURCE_FORMATION, ACTION_ARCHIVE, ACTION_DUPLICATE, ACTION_HOLD),  # hold: G1, on hold with a reason
    *grant(RESOURCE_SESSION, ACTION_CODIFY, ACTION_ARCHIVE, ACTION_CLOSE_RECRUTEMENT, ACTION_SET_ETAT),
    *grant(RESOURCE_QUEUE, ACTION_READ, ACTION_REVIEW),
    *grant(RESOURCE_ACCOUNT_REQUEST, ACTION_READ, ACTION_REVIEW),
    # Contact OF accounts only: never an Admin or Gestionnaire account, never a role (G15).
    *grant(RESOURCE_CONTACT_ACCOUNT, ACTION_READ, ACTION_EDIT, ACTION_SEND_RESET),
    *grant(RESOURCE_RIGHT, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *grant(RESOURCE_LHEO_REPORT, ACTION_READ),  # what the LHEO export and flows left out (issue 13)
    *grant(RESOURCE_LHEO_IMPORT, ACTION_READ, ACTION_ADD),  # J4: upload a flow, read its reconciliation
    *grant(RESOURCE_ACTUALITE, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),  # H3 (K3): managers post the news
    *grant(RESOURCE_CERTIFICATION, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *grant(RESOURCE_BLOC, ACTION_ADD, ACTION_EDIT, ACTION_DELETE),
    *(pair for resource in (RESOURCE_FINANCEUR, RESOURCE_MESURE, RESOURCE_NOMENCLATURE, RESOURCE_DEPARTEMENT,
                            RESOURCE_REGION)
      for pair in grant(resource, *REFERENCE_DATA)),
    *menus(MENU_QUEUE, MENU_FINANCEURS, MENU_MESURES, MENU_NOMENCLATURES, MENU_DEPARTEMENTS, MENU_REGIONS,
           MENU_MANAGEMENT, MENU_RIGHTS, MENU_HISTORY, MENU_ACCOUNT_REQUESTS, MENU_CONTACT_ACCOUNTS,
           MENU_UNCONFIRMED, MENU_LHEO_REPORT, MENU_LHEO_IMPORT),
]

# FAB's user, role and group administration and the security REST API: the Admin's alone.
FAB_ADMINISTRATION: list[Pair] = [
    *[(name, FAB_USERS) for name in ("can_list", "can_show", "can_add", "can_edit", "can_delete", "resetpasswords")],
    *[(name, FAB_ROLES_VIEW) for name in ("can_list", "can_show", "can_add", "can_edit", "can_delete", "copyrole")],
    *[(name, FAB_GROUPS) for name in ("can_list", "can_show", "can_add", "can_edit", "can_delete")],
    ("can_this_form_get", FAB_RESET_PASSWORD), ("can_this_form_post", FAB_RESET_PASSWORD),
    *[(name, api) for api in FAB_SECURITY_APIS if api != "Permission"
      for name in ("can_get", "can_info", "can_post", "can_put", "can_delete")],
    ("can_get", "Permission"), ("can_info", "Permission"),
    *[(name, "Role") for name in ("can_add_role_permissions", "can_list_role_permissions",
                                  "can_update_role_groups", "can_update_role_users")],
    *menus(MENU_SECURITY, *FAB_SECURITY_MENUS),
]

ADMIN_PERMISSIONS: list[Pair] = [*GESTIONNAIRE_PERMISSIONS, *FAB_ADMINISTRATION]

ROLE_PERMISSIONS: dict[str, list[Pair]] = {
    ROLE_CONTACT: CONTACT_PERMISSIONS,
    ROLE_GESTIONNAIRE: GESTIONNAIRE_PERMISSIONS,
    ROLE_ADMIN: ADMIN_PERMISSIONS,
}


def fab_roles(pairs: list[Pair]) -> list[list[str]]:
    """FAB_ROLES entries: one exact pattern pair per resource."""
    by_resource: dict[str, list[str]] = {}
    for permission, resource in pairs:
        names = by_resource.setdefault(resource, [])
        if permission not in names:
            names.append(permission)
    return [[f"{re.escape(resource)}$", "(%s)$" % "|".join(map(re.escape, names))]
            for resource, names in by_resource.items()]


FAB_ROLES = {role: fab_roles(pairs) for role, pairs in ROLE_PERMISSIONS.items()}
# The same pairs as sets, for the security manager's lookups (one answer, two shapes).
ROLE_PAIRS = {role: frozenset(pairs) for role, pairs in ROLE_PERMISSIONS.items()}
