"""What a command refuses with (Superset's superset/commands/exceptions.py): each entry point maps
these to its own answer — a form shows the problems under their fields, the API answers 404, 403
or 422 with {field: [messages]}. Messages are French: users read them as they are."""
from __future__ import annotations

from werkzeug import exceptions as http

from app.validators import ERROR, WARNING, Problem


class CommandError(Exception):
    """Base of every refusal of a command; `str()` is the French message for the user."""

    message = "L'opération a été refusée."

    def __init__(self, message: str | None = None):
        self.message = message or type(self).message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# NotFound and Forbidden are also HTTP errors: a page that does not catch them answers 404 / 403.
class NotFound(CommandError, http.NotFound):
    """The record does not exist or is outside the user's scope (never say which)."""

    message = "Enregistrement introuvable ou hors de votre périmètre."


class Forbidden(CommandError, http.Forbidden):
    message = "Vous n'avez pas le droit de faire cette opération."


class Locked(CommandError):
    """The record's state forbids the change (app/workflow/locks.py gives the reason)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AlreadyDone(CommandError):
    """The same user did the same operation a moment ago (a form sent twice): `done_id` is the
    record it made, for the entry point to show instead of making a second one."""

    def __init__(self, message: str, done_id: int):
        super().__init__(message)
        self.done_id = done_id


class Stale(CommandError):
    """The record changed since the user loaded it (issue 16, no lost update): nothing is written.
    The message says by whom and when, when the history knows (app/commands/versions.py)."""

    message = "Cette fiche a été modifiée entre-temps : vos modifications n'ont pas été enregistrées."


class Invalid(CommandError):
    """The rules refuse the operation; carries every problem found, warnings included."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(" ; ".join(p.message for p in self.errors) or "L'opération a été refusée.")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


def refused(message: str, field: str = "") -> Invalid:
    """One whole-record (or one-field) refusal, e.g. a workflow transition that cannot be fired."""
    return Invalid([Problem(field, message)])
