"""The portal's security manager: FAB's SQLA manager plus role creation for FAB_ROLES, the
lockout of an account after repeated failed logins (address-level slowing is FAB's Flask-Limiter,
AUTH_RATE_LIMIT in config.py, on the page login and the REST login alike), login redirects kept
on this site, and logout ending every session of the user (app/security/sessions.py)."""
from datetime import datetime, timedelta

from flask import flash, has_request_context, request
from flask_appbuilder.const import API_SECURITY_PROVIDER_DB
from flask_appbuilder.hooks import before_request
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.views import expose
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.security import sessions
from app.security.roles import ROLE_PAIRS
from app.security.headers import safe_target
from app.views.users import PortalGroupModelView, PortalRoleModelView, PortalUserDBModelView


class PortalAuthDBView(AuthDBView):
    """FAB 5.3's login page, with `next=` restricted to plain paths of this site: FAB's
    get_safe_redirect (utils/base.py) accepts targets starting with two backslashes, with a slash
    and a backslash, or with a space before "//", which browsers follow to another site. Any such
    target leads to "/" (headers.is_local_path)."""

    def _get_safe_next_url(self) -> str:
        return safe_target(request.args.get("next"))

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        response = super().login()
        if response.status_code in (302, 303):
            response.location = safe_target(response.location)
        return response


class PortalSecurityApi(SecurityApi):
    """FAB 5.3's REST login (/api/v1/security/login) in French, and without its 500: it reads
    payload["provider"], which its schema does not require. This portal logs in with "db" only."""

    @before_request(only=["login"])
    def _require_db_provider(self):
        payload = request.get_json(silent=True)
        if isinstance(payload, dict) and payload.get("provider") != API_SECURITY_PROVIDER_DB:
            message = "Champ obligatoire." if "provider" not in payload else "Valeur attendue : db."
            return self.response_400(message={"provider": [message]})
        return None

    def response_401(self):
        return self.response(401, message="Identifiant ou mot de passe incorrect, ou compte verrouillé.")


class PortalSecurityManager(SecurityManager):
    authdbview = PortalAuthDBView
    security_api = PortalSecurityApi
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
                flash(f"Compte verrouillé pendant {self.LOCK_DURATION.seconds // 60} minutes après "
                      f"{self.LOCK_AFTER_FAILURES} échecs de connexion : réessayez plus tard ou "
                      "utilisez « Mot de passe oublié ».", "danger")
            return None
        return super().auth_user_db(username, password)

    def on_user_logout(self, user) -> None:
        """FAB 5.3 hook, after logout_user(): every other session and API token of the user ends too."""
        sessions.end_all(user.id)

    def register_views(self) -> None:
        super().register_views()
        if self.is_auth_limited:  # the REST login gets the page login's per-address limit
            api = next(view for view in self.appbuilder.baseviews if isinstance(view, self.security_api))
            login_endpoint = f"{api.endpoint}.login"
            self.limiter.limit(self.auth_rate_limit, methods=["POST"],
                               exempt_when=lambda: request.endpoint != login_endpoint)(api.blueprint)

    def load_user(self, pk):
        """The logged-in user of each request with his roles and groups in one query (FAB 5.3
        loads them lazily: three queries on every page)."""
        try:
            user = self.session.execute(select(self.user_model).where(self.user_model.id == int(pk)).options(
                joinedload(self.user_model.roles), joinedload(self.user_model.groups))).unique().scalar_one_or_none()
        except (TypeError, ValueError):
            return None
        return user if user is not None and user.is_active else None

    def _has_access_builtin_roles(self, role, permission_name: str, view_name: str) -> bool:
        """FAB 5.3 matches every (view, permission) pattern of the role with re.match on each check
        (a page's menu asks about thirty times). The portal's roles are exact pairs
        (app/security/roles.py): a set answers the same question in one lookup."""
        return (permission_name, view_name) in ROLE_PAIRS.get(role.name, ())

    def create_roles(self) -> None:
        """Create the roles of FAB_ROLES (and Public) when missing; idempotent."""
        for role_name in self.builtin_roles:
            self.add_role(role_name)
        self.add_role(self.auth_role_public)
