"""DeleteRecord: the removal of one row from a page (the REST API deletes nothing): the user's write
scope, the lock of its state, the entry point's refusal (FAB's pre_delete), the model's removal
rules (records.RECORDS), then — C9 — an organisation's
removal of a row of its validated structure's list kept in the structure's request instead."""
from __future__ import annotations

from typing import Callable

from app.extensions import db
from app.security.scope import is_manager
from app.validators import Problem, has_errors
from app.workflow import structure_changes
from app.workflow.direct_writes import record_direct_write
from app.workflow.locks import lock_reason

from ._access import require_writable
from .exceptions import Invalid, Locked
from .records import Diversion, deletion_held, record_of

DELETE_REFUSED = "Suppression impossible : d'autres enregistrements utilisent cette ligne."


class DeleteRecord:
    def __init__(self, item, *, user, prepare: Callable | None = None):
        self.item, self.user = item, user
        self.prepare = prepare  # the entry point's hook; a ValueError is a refusal

    def validate(self) -> None:
        """Raises NotFound outside the write scope, Locked by the record's state, Invalid when the
        entry point or the model's removal rules refuse (E8, C11)."""
        require_writable([self.item], self.user)
        reason = lock_reason(self.item, manager=is_manager(self.user))
        if reason:
            raise Locked(reason)
        if self.prepare is not None:
            try:
                self.prepare(self.item)
            except ValueError as refusal:
                raise Invalid([Problem("", str(refusal))]) from None
        removal = record_of(type(self.item)).removal
        problems = removal(self.item) if removal is not None else []
        if has_errors(problems):
            raise Invalid(problems)

    def run(self) -> Diversion | None:
        """None when the row is deleted; the Diversion when the request keeps its removal."""
        try:
            self.validate()
        except Exception:
            db.session.rollback()
            raise
        diversion = deletion_held(self.item, self.user)
        if diversion is not None:
            return diversion
        try:
            structure_changes.forget(db.session, self.item)  # C9: no operation outlives its row
            record_direct_write(db.session, self.item, self.user, deleted=True)  # C8: in its record's history
            db.session.delete(self.item)
            db.session.commit()
        except Exception:  # noqa: BLE001 - a foreign key still pointing at the row
            db.session.rollback()
            raise Invalid([Problem("", DELETE_REFUSED)]) from None
        return None
