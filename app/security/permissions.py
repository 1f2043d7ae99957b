"""Permission vocabulary: one name per concept, used by roles and views (Airflow style)."""
# Role names
ROLE_ADMIN = "Admin"
ROLE_GESTIONNAIRE = "Gestionnaire"
ROLE_CONTACT = "Contact OF"
MANAGER_ROLES = frozenset({ROLE_ADMIN, ROLE_GESTIONNAIRE})

# FAB permission names
CAN_LIST = "can_list"
CAN_SHOW = "can_show"
CAN_ADD = "can_add"
CAN_EDIT = "can_edit"
CAN_DELETE = "can_delete"
CAN_GET = "can_get"
CAN_INFO = "can_info"
CAN_PUT = "can_put"
CAN_POST = "can_post"
CAN_DOWNLOAD = "can_download_document"
MENU_ACCESS = "menu_access"

# Actions (FAB names action permissions by the bare action name: FAB-NOTES G5)
ACTION_ARCHIVE = "archive"

# Menu categories
MENU_STRUCTURE = "Ma structure"
MENU_OFFER = "Offre de formation"
MENU_REFERENTIALS = "Référentiels"
MENU_MANAGEMENT = "Gestion"
