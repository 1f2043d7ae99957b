"""Roles as code (FAB_ROLES): lists of (view regex, permission regex), built cumulatively.

FAB matches both with re.match, so every pattern is anchored with `$` (FAB-NOTES G5). Roles
defined here need no permission rows in the database.
"""
from .permissions import ROLE_ADMIN, ROLE_CONTACT, ROLE_GESTIONNAIRE


def _views(*names: str) -> str:
    return r"(%s)$" % "|".join(names)


READ = r"can_(list|show)$"
READ_WRITE = r"can_(list|show|add|edit)$"
FULL = r"can_(list|show|add|edit|delete)$"

# What every logged-in user may do with his own account.
SELF_SERVICE = [
    [r"UserInfoEditView$", r"can_this_form_(get|post)$"],
    [r"(UserDBModelView|PortalUserDBModelView)$", r"(can_userinfo|resetmypassword|userinfoedit)$"],
    [r"ResetMyPasswordView$", r"can_this_form_(get|post)$"],
]

CONTACT_PERMISSIONS = SELF_SERVICE + [
    # Ma structure: identity is read-only for contacts (C2), enforced by the form's columns.
    [_views("StructureView"), r"can_(list|show|edit)$"],
    [_views("CoordonneeView", "LieuView"), READ_WRITE],
    [_views("CoordonneeView"), r"can_delete$"],
    [_views("StructureContactView", "HabilitationView", "StructureRightView", "HistoryEntryView"), READ],
    [_views("StructureDocumentView"), r"can_(list|show|add|download_document)$"],
    # Offer: no deletion of formations (E11) nor sessions (F15).
    [_views("FormationView", "SessionView"), READ_WRITE],
    [_views("SessionView"), r"duplicate_next_year$"],
    [
        _views(
            "FormationCertificationView", "SessionFormateurView", "SessionLieuView",
            "FinancementView", "RecrutementView", "CycleAlternanceView",
        ),
        FULL,
    ],
    [_views("StructureApi"), r"can_(get|info|put)$"],
    [_views("FormationApi", "SessionApi"), r"can_(get|info|put|post)$"],
    # Referentials are public reference data: readable, not editable.
    [_views("CertificationView", "BlocCompetencesView"), READ],
    [r"(Ma structure|Structure|Coordonnées|Contacts|Lieux|Habilitations|Documents|Offre de formation"
     r"|Formations|Sessions|Financements|Modalités de recrutement|Certifications)$", r"menu_access$"],
]

GESTIONNAIRE_PERMISSIONS = SELF_SERVICE + [
    [r"(?!(UserDBModelView|RoleModelView|PermissionModelView|ViewMenuModelView|PermissionViewModelView"
     r"|UserStatsChartView|RegisterUserModelView)$).*View$", r"(can_(list|show|add|edit|delete|download_document)|archive|close_recruitment"
     r"|set_etat_dispositif|duplicate_next_year)$"],
    [r".*Api$", r"can_(get|info|put|post|delete)$"],
    [r"(?!(Sécurité|Security|List Users|List Roles)$).*", r"menu_access$"],
]

FAB_ROLES = {
    ROLE_CONTACT: CONTACT_PERMISSIONS,
    ROLE_GESTIONNAIRE: GESTIONNAIRE_PERMISSIONS,
    ROLE_ADMIN: [[r".*", r".*"]],
}
