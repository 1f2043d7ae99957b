"""C10: an organisation confirms its structure's data once a year."""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.workflow.history import record

from ._access import require_writable

ACTION = "Confirmation annuelle des données"


class ConfirmStructure:
    def __init__(self, structure, user, *, today: date | None = None):
        self.structure, self.user, self.today = structure, user, today

    def validate(self) -> None:
        require_writable([self.structure], self.user)

    def run(self):
        self.validate()
        self.structure.confirme_le = self.today or date.today()
        record(db.session, self.structure, ACTION, self.user)
        db.session.commit()
        return self.structure
