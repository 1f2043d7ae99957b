"""Who fires a workflow transition: the Carif-Oref (managers) or the organisation (contacts)."""
from __future__ import annotations

from app.security.scope import is_manager
from app.workflow.transitions import CONTACT, MANAGER


def actor_of(user) -> str:
    return MANAGER if is_manager(user) else CONTACT
