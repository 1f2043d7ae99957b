"""Permission vocabulary: one name per concept, used by the roles (roles.py), the views and APIs
(`class_permission_name`, `method_permission_name`) and the menu (app/__init__.py). Airflow's
FAB provider style: resources and actions are constants, never typed twice.
"""
# --- roles ----------------------------------------------------------------------------------------
ROLE_ADMIN = "Admin"
ROLE_GESTIONNAIRE = "Gestionnaire"
ROLE_CONTACT = "Contact OF"
MANAGER_ROLES = frozenset({ROLE_ADMIN, ROLE_GESTIONNAIRE})

# --- actions (FAB prefixes them with "can_") -------------------------------------------------------
ACTION_READ = "read"  # list, show, download, REST get and _info
ACTION_ADD = "add"  # add form, REST post
ACTION_EDIT = "edit"  # edit form, REST put, and the pages that lead to a change of the record
ACTION_DELETE = "delete"
ACTION_CODIFY = "codify"  # fields only a Carif-Oref manager sets: identity (C2), état du dispositif (F6)
ACTION_ARCHIVE = "archive"  # bulk archiving (E11, F15)
ACTION_CLOSE_RECRUTEMENT = "close_recrutement"
ACTION_SET_ETAT = "set_etat_dispositif"  # bulk état du dispositif (K2)
ACTION_DUPLICATE = "duplicate"  # duplicating a formation (managers only; sessions are duplicated by edit)
ACTION_DUPLICATE_NEXT_YEAR = "duplicate_next_year"  # sessions copied for next year's rentrée
ACTION_HOLD = "hold"  # G1: put a formation on hold with a reason, and lift it (managers only)
ACTION_REVIEW = "review"  # decide on what waits for a manager: queue, account requests, confirmations
ACTION_SEND_RESET = "send_reset_link"

PREFIX = "can_"


def perm(action: str) -> str:
    """The FAB permission name of an action."""
    return PREFIX + action


# Method → action maps for `method_permission_name` (Superset's read/write collapse, finer here
# because a contact edits a structure he may not create).
# The pickers of a view's forms and filters (app/views/pickers.py) answer rows of the user's scope
# only: reading the view is enough to ask them.
MODEL_VIEW_METHODS = {"list": ACTION_READ, "show": ACTION_READ, "add": ACTION_ADD, "edit": ACTION_EDIT,
                      "delete": ACTION_DELETE, "pick": ACTION_READ, "pick_filter": ACTION_READ}
MODEL_API_METHODS = {"get": ACTION_READ, "get_list": ACTION_READ, "info": ACTION_READ, "post": ACTION_ADD,
                     "put": ACTION_EDIT, "delete": ACTION_DELETE}
# Routes of FAB's ModelView/ModelRestApi that the portal never exposes: FAB's file download serves
# UPLOAD_FOLDER with no row scope; related listings of the API are not used by the pages.
EXCLUDED_VIEW_ROUTES = {"download"}
READ_ONLY_ROUTES = EXCLUDED_VIEW_ROUTES | {"add", "edit", "delete"}
NO_DELETE = {"delete"}  # SPEC E11 (formations), F15 (sessions), structures and history are archived

# --- resources (class_permission_name of views and APIs; a view and its API share one) -----------
RESOURCE_STRUCTURE = "Structure"
RESOURCE_COORDONNEE = "Coordonnee"
RESOURCE_STRUCTURE_CONTACT = "StructureContact"
RESOURCE_LIEU = "Lieu"
RESOURCE_HABILITATION = "Habilitation"
RESOURCE_DOCUMENT = "StructureDocument"
RESOURCE_FORMATION = "Formation"
RESOURCE_FORMATION_CERTIFICATION = "FormationCertification"
RESOURCE_SESSION = "Session"
RESOURCE_SESSION_FORMATEUR = "SessionFormateur"
RESOURCE_SESSION_LIEU = "SessionLieu"
RESOURCE_FINANCEMENT = "Financement"
RESOURCE_RECRUTEMENT = "Recrutement"
RESOURCE_CYCLE = "CycleAlternance"
RESOURCE_QUEUE = "ValidationQueue"
RESOURCE_CERTIFICATION = "Certification"
RESOURCE_BLOC = "BlocCompetences"
RESOURCE_FINANCEUR = "Financeur"
RESOURCE_MESURE = "Mesure"
RESOURCE_NOMENCLATURE = "Nomenclature"
RESOURCE_DEPARTEMENT = "Departement"
RESOURCE_REGION = "Region"
RESOURCE_RIGHT = "StructureRight"
RESOURCE_HISTORY = "History"
RESOURCE_ACCOUNT_REQUEST = "AccountRequest"
RESOURCE_CONTACT_ACCOUNT = "ContactAccount"  # the Gestionnaire's view of Contact OF accounts
RESOURCE_NOTIFICATION = "Notification"  # a user's own notifications (the bell): read, mark read (edit)
RESOURCE_LHEO_REPORT = "LheoReport"  # the gap reports of the last LHEO export and flows
RESOURCE_LHEO_IMPORT = "LheoImport"  # LHEO imports (J4): upload (add) and reconciliation reports (read)
RESOURCE_LINK_CHECK = "LinkCheck"  # H5: the broken website links of the user's records (read)
RESOURCE_MEMO = "Memo"  # H2: a user's own mémos (every role; the rows are their author's alone)
RESOURCE_ACTUALITE = "Actualite"  # H3: read by everyone, written by managers
RESOURCE_MESSAGERIE = "Messagerie"  # H4: threads of the user's structures (read), new threads and messages (add)
RESOURCE_OPENAPI = "OpenApi"
RESOURCE_SWAGGER = "SwaggerView"

# FAB's own views and APIs, by the names FAB gives them.
FAB_USER_INFO = "UserInfoEditView"
FAB_RESET_MY_PASSWORD = "ResetMyPasswordView"
FAB_RESET_PASSWORD = "ResetPasswordView"  # an administrator setting another user's password
FAB_USERS = "PortalUserDBModelView"
FAB_ROLES_VIEW = "PortalRoleModelView"
FAB_GROUPS = "PortalGroupModelView"
FAB_SECURITY_APIS = ("User", "Role", "Group", "Permission", "ViewMenu", "PermissionViewMenu")

# --- menu (categories and entries, shared with create_app) ---------------------------------------
MENU_STRUCTURE = "Ma structure"
MENU_OFFER = "Offre de formation"
MENU_REFERENTIALS = "Référentiels"
MENU_MANAGEMENT = "Gestion"
MENU_COMMUNICATION = "Communication"
MENU_SECURITY = "Security"  # FAB's administration category (users, roles, groups)

MENU_STRUCTURES = "Structures"
MENU_COORDONNEES = "Coordonnées"
MENU_CONTACTS = "Contacts"
MENU_LIEUX = "Lieux"
MENU_HABILITATIONS = "Habilitations"
MENU_DOCUMENTS = "Documents"
MENU_FORMATIONS = "Formations"
MENU_SEARCH = "Recherche de formations"
MENU_SESSIONS = "Sessions"
MENU_FINANCEMENTS = "Financements"
MENU_RECRUTEMENTS = "Modalités de recrutement"
MENU_QUEUE = "File de validation"
MENU_LINK_ERRORS = "Liens en erreur"
MENU_CERTIFICATIONS = "Certifications"
MENU_FINANCEURS = "Financeurs"
MENU_MESURES = "Mesures et dispositifs"
MENU_NOMENCLATURES = "Listes de codes"
MENU_DEPARTEMENTS = "Départements"
MENU_REGIONS = "Régions"
MENU_RIGHTS = "Droits sur les structures"
MENU_HISTORY = "Historique"
MENU_ACCOUNT_REQUESTS = "Demandes de compte"
MENU_CONTACT_ACCOUNTS = "Comptes des organismes"
MENU_UNCONFIRMED = "Structures à confirmer"
MENU_LHEO_REPORT = "Rapports des flux LHEO"
MENU_LHEO_IMPORT = "Imports LHEO"
MENU_MESSAGERIE = "Messagerie"
MENU_ACTUALITES = "Actualités"
MENU_MEMOS = "Mes mémos"
FAB_SECURITY_MENUS = ("List Users", "List Roles", "List Groups")
MENU_ACCESS = "menu_access"
