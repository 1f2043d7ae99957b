"""Who may see or change what: permission vocabulary, roles as code, row-level scope."""


def may(action: str, resource: str) -> bool:
    """Whether the current user holds a permission of the vocabulary (permissions.py): what a
    page shows (a button, an editable field) follows the same permissions as its endpoints."""
    from flask import current_app

    from .permissions import perm

    return current_app.appbuilder.sm.has_access(perm(action), resource)
