"""FAB's security views (the Admin's administration) with the columns FAB labels from their
names, in French. The Gestionnaire's view of Contact OF accounts is in accounts.py."""
from flask_appbuilder.security.views import RoleModelView, UserDBModelView, UserGroupModelView

from .widgets import format_bool, format_date

SECURITY_LABELS = {
    "name": "Nom", "label": "Libellé", "description": "Description", "roles": "Rôles",
    "users": "Utilisateurs", "user": "Utilisateur", "groups": "Groupes", "permissions": "Permissions",
}


class PortalUserDBModelView(UserDBModelView):
    search_columns = ["first_name", "last_name", "username", "email", "active", "last_login"]
    formatters_columns = {"active": format_bool, "last_login": format_date,
                          "created_on": format_date, "changed_on": format_date}


class PortalRoleModelView(RoleModelView):
    label_columns = {**RoleModelView.label_columns, **SECURITY_LABELS}
    # Roles are defined in code (app/security/roles.py): their permission patterns are not
    # something to read or edit here.
    list_columns = search_columns = ["name"]


class PortalGroupModelView(UserGroupModelView):
    label_columns = {**(UserGroupModelView.label_columns or {}), **SECURITY_LABELS}
    search_columns = ["name", "label", "description"]
