"""The portal's security manager: FAB's SQLA manager plus role creation for FAB_ROLES and the
lockout of an account after repeated failed logins (address-level slowing is FAB's Flask-Limiter,
AUTH_RATE_LIMIT in config.py)."""
from datetime import datetime, timedelta

from flask import flash, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager

from app.views.users import PortalGroupModelView, PortalRoleModelView, PortalUserDBModelView


class PortalSecurityManager(SecurityManager):
    userdbmodelview = PortalUserDBModelView
    rolemodelview = PortalRoleModelView
    groupmodelview = PortalGroupModelView
    userstatschartview = None  # FAB's login statistics chart is English-only and not needed

    LOCK_AFTER_FAILURES = 5
    LOCK_DURATION = timedelta(minutes=15)

    def is_locked(self, user) -> bool:
        """Five failed logins in a row lock the account for 15 minutes after the last one. FAB
        counts failures (reset by a success) and stamps `changed_on` (local time) on each."""
        return bool(
            user is not None
            and (user.fail_login_count or 0) >= self.LOCK_AFTER_FAILURES
            and user.changed_on is not None
            and datetime.now() - user.changed_on < self.LOCK_DURATION
        )

    def auth_user_db(self, username, password):
        user = (self.find_user(username=username) or self.find_user(email=username)) if username else None
        if self.is_locked(user):
            if has_request_context():
                flash("Compte verrouillé pendant 15 minutes après 5 échecs de connexion : réessayez plus tard ou "
                      "utilisez « Mot de passe oublié ».", "danger")
            return None
        return super().auth_user_db(username, password)

    def create_roles(self) -> None:
        """Create the roles of FAB_ROLES (and Public) when missing; idempotent."""
        for role_name in self.builtin_roles:
            self.add_role(role_name)
        self.add_role(self.auth_role_public)
