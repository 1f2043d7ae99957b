"""What a command checks itself, whichever door it came in by: the user's write scope on the rows
(app/security/scope.py decides; entry points load through it too, this asks once more) and, for
the managers' operations, the permission of the vocabulary (app/security/permissions.py)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.extensions import db
from app.security import may
from app.security.scope import scoped

from .exceptions import Forbidden, NotFound


def writable_ids(model, ids, user) -> set[int]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    query = scoped(select(model.id).where(model.id.in_(ids)), model, write=True, user=user)
    with db.session.no_autoflush:
        return set(db.session.execute(query).scalars())


def require_writable(items, user) -> None:
    """NotFound unless `user` may change every saved row of `items` (one query per model)."""
    by_model = defaultdict(set)
    for item in items:
        if item.id is not None:
            by_model[type(item)].add(item.id)
    for model, ids in by_model.items():
        if writable_ids(model, ids, user) != ids:
            raise NotFound()


def require_permission(user, action: str, resource: str) -> None:
    """Forbidden unless one of `user`'s roles holds `action` on `resource`."""
    if not may(action, resource, user):
        raise Forbidden()
