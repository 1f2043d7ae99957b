"""The navbar's menu, rendered once per set of roles and language.

FAB renders it on every page, asking the security manager about each item (thirty-five checks a
page, through Flask-Login's proxies): a fifth of an empty list page's time. What it shows depends
only on the user's roles — when they are all roles defined in code (app/security/roles.py, exact
pairs) — and on the language: that is the key. A user holding a role defined in the database (an
administrator may create one) or an anonymous visitor gets it rendered as FAB does. Kept per
application (its own views and URLs).
"""
from __future__ import annotations

from flask import current_app, g, render_template
from flask_babel import get_locale
from markupsafe import Markup


def _key() -> tuple | None:
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False) or getattr(g, "_api_key_user", False):
        return None
    security = current_app.appbuilder.sm
    names = tuple(sorted({role.name for role in security.get_user_roles(user)}))
    if not names or any(name not in security.builtin_roles for name in names):
        return None
    return names, str(get_locale())


def _render() -> Markup:
    return Markup(render_template("portal/_menu.html", menu=current_app.appbuilder.menu))


def portal_menu() -> Markup:
    key = _key()
    if key is None:
        return _render()
    rendered = current_app.extensions.setdefault("portal_menu", {})  # per application: its own views
    if key not in rendered:
        rendered[key] = _render()
    return rendered[key]
