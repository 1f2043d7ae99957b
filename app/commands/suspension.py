"""G1: put a formation on hold with a reason, or lift the hold — managers only (permission
`hold`), through the engine (app/workflow/suspension.py), which writes the history and tells the
organisation. The reason is checked by app/validators (a French message under its field)."""
from __future__ import annotations

from app.extensions import db
from app.security.permissions import ACTION_HOLD, RESOURCE_FORMATION
from app.validators.formation import check_suspension_motif
from app.workflow.engine import TransitionRefused
from app.workflow.suspension import SUSPENSION_WORKFLOW

from ._access import require_permission, require_writable
from .actor import actor_of
from .exceptions import Invalid, NotFound, refused

HOLD, LIFT = "hold", "lift_hold"


class SetSuspension:
    """Fire `hold` (with its `motif`, required) or `lift_hold` (an optional comment) on a formation;
    run() returns the formation."""

    def __init__(self, formation, name: str, user, *, motif: str | None = None):
        self.formation, self.name, self.user = formation, name, user
        self.motif = (motif or "").strip() or None

    def validate(self) -> None:
        if self.name not in SUSPENSION_WORKFLOW.transitions:
            raise NotFound()
        require_permission(self.user, ACTION_HOLD, RESOURCE_FORMATION)
        require_writable([self.formation], self.user)
        if self.name == HOLD:
            problems = check_suspension_motif(self.motif)
            if problems:
                raise Invalid(problems)

    def run(self):
        self.validate()
        try:
            return SUSPENSION_WORKFLOW.fire(db.session, self.name, self.formation, self.user, actor_of(self.user),
                                            comment=self.motif)
        except TransitionRefused as refusal:
            db.session.rollback()
            raise refused(str(refusal)) from None
