"""F13: import of a session's recrutement calendar from Excel. The file is read and every line
checked with the form's record check (app/imports/recrutements.py); this command adds what a
save checks once for the whole file: the write scope and the lock of the session."""
from __future__ import annotations

from app.extensions import db
from app.security.scope import is_manager
from app.workflow.locks import lock_reason

from ._access import require_writable
from .exceptions import Locked, refused

NO_FILE = "Choisissez un fichier Excel (.xlsx)."


class ImportRecrutements:
    def __init__(self, session, content: bytes | None, user):
        self.session, self.content, self.user = session, content, user

    def validate(self) -> None:
        require_writable([self.session], self.user)
        reason = lock_reason(self.session, manager=is_manager(self.user))
        if reason:
            raise Locked(reason)
        if self.content is None:
            raise refused(NO_FILE, "fichier")

    def run(self):
        """The ImportResult: created lines, or the refused lines (nothing written) and warnings."""
        from app.imports.recrutements import import_recrutements

        self.validate()
        return import_recrutements(db.session, self.session, self.content, author=self.user)
