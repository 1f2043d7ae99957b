"""Who may see or change what: permission vocabulary, roles as code, row-level scope."""


def may(action: str, resource: str, user=None) -> bool:
    """Whether `user` (the request's, by default) holds a permission of the vocabulary
    (permissions.py): what a page shows (a button, an editable field) and what a command accepts
    follow the same permissions as the endpoints. FAB 5.3's has_access() asks about the request's
    user only; _has_view_access() is the check it delegates to, for a given user."""
    from flask import current_app

    from .permissions import perm
    from .scope import current_user

    user = user if user is not None else current_user()
    return user is not None and current_app.appbuilder.sm._has_view_access(user, perm(action), resource)
