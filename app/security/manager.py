"""The portal's security manager: FAB's SQLA manager plus role creation for FAB_ROLES."""
from flask_appbuilder.security.sqla.manager import SecurityManager

from app.views.users import PortalGroupModelView, PortalRoleModelView, PortalUserDBModelView


class PortalSecurityManager(SecurityManager):
    userdbmodelview = PortalUserDBModelView
    rolemodelview = PortalRoleModelView
    groupmodelview = PortalGroupModelView
    userstatschartview = None  # FAB's login statistics chart is English-only and not needed

    def create_roles(self) -> None:
        """Create the roles of FAB_ROLES (and Public) when missing; idempotent."""
        for role_name in self.builtin_roles:
            self.add_role(role_name)
        self.add_role(self.auth_role_public)
