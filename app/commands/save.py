"""SaveRecord: the one way a record is written (a form, the REST API; imports use its checks).

validate() runs, in this order: the user's write scope on the saved row and on the parent of the
record (FAB-NOTES G3), the version the user loaded against the stored one (issue 16: a change
made meanwhile refuses the save, app/commands/versions.py), the lock of its state (app/workflow/locks.py), the entry point's own
preparation (FAB's pre_add/pre_update hook), the derived values, then the record check of
app/checks; it gathers every problem and raises once. run() then sanitises the rich text and
writes in one transaction — refused as well when another transaction changed the row between
the check and the write (StaleDataError) — unless the model's declaration keeps the change elsewhere (C9: a
contact's edit of a validated structure becomes its change request), which SaveResult says.
Per-model knowledge comes from records.RECORDS.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.exc import StaleDataError

from app.checks.richtext import sanitize_rich_text
from app.extensions import db
from app.security.scope import is_manager
from app.validators import Problem, has_errors
from app.workflow import mails
from app.workflow.direct_writes import record_direct_write
from app.workflow.locks import lock_reason

from . import versions
from ._access import require_writable, writable_ids
from .exceptions import CommandError, Invalid, Locked
from .once import Claim
from .records import Diversion, Record, record_of

OUT_OF_SCOPE = "Valeur inconnue ou hors de votre périmètre."
DATABASE_REFUSED = "L'enregistrement a été refusé par la base de données : vérifiez les valeurs saisies."


@dataclass
class SaveResult:
    item: object
    warnings: list[Problem] = field(default_factory=list)
    diverted: bool = False  # kept elsewhere instead of written (a structure change request, C9)
    diversion: Diversion | None = None  # what the record's declaration did instead (message, row)


class SaveRecord:
    def __init__(self, item, *, created: bool, user, record: Record | None = None,
                 prepare: Callable | None = None, divert: Callable | None = None,
                 version: int | None = None, loaded_at=None, token: str | None = None):
        self.item, self.created, self.user = item, created, user
        # A new record's form carries a one-time token: sent twice, it creates once (once.py).
        self.claim = Claim(token, user) if created and token else None
        # The version the user loaded (a form's hidden field, the API's If-Match; None: not
        # given, only the database's own check applies) and when (its history says who changed it).
        self.version, self.loaded_at = version, loaded_at
        self.record = record or record_of(type(item))
        self.prepare = prepare  # the entry point's hook; a ValueError is a refusal (e.g. a document)
        # The entry point's hook, before the record's own diversion: (item) -> True when it kept
        # the change itself (the structure form runs the record's diversion there to say so).
        self.divert = divert

    def validate(self) -> list[Problem]:
        """Raises NotFound, Stale, Locked or Invalid (every problem); returns the warnings."""
        item = self.item
        with db.session.no_autoflush:
            attach_parents(item)
            if not self.created:
                require_writable([item], self.user)
                versions.check(item, self.version, since=self.loaded_at)
            self._check_parent()
            reason = lock_reason(item, manager=is_manager(self.user))
            if reason:
                raise Locked(reason)
            if self.prepare is not None:
                try:
                    self.prepare(item)
                except ValueError as refusal:
                    raise Invalid([Problem("", str(refusal))]) from None
            if self.record.derive is not None:
                self.record.derive(item, self.created)
            problems = list(self.record.check(item)) if self.record.check is not None else []
            if self.record.check_author is not None:
                problems += self.record.check_author(item, self.user)
        if has_errors(problems):
            raise Invalid(problems)
        return problems

    def run(self) -> SaveResult:
        try:
            if self.claim is not None:
                self.claim.take()  # before anything is read: AlreadyDone when sent before
            warnings = self.validate()
        except CommandError:
            db.session.rollback()  # nothing typed is written
            raise
        for name in self.record.rich_text:
            setattr(self.item, name, sanitize_rich_text(getattr(self.item, name, None)))
        if self.divert is not None and self.divert(self.item):
            return SaveResult(self.item, warnings, diverted=True)
        diversion = self.record.divert(self.item, self.created, self.user) if self.record.divert else None
        if diversion is not None:  # Invalid when it can be neither kept nor written
            if diversion.kept is not None:
                self._confirm()
            return SaveResult(self.item, warnings, diverted=True, diversion=diversion)
        try:
            db.session.add(self.item)
            record_direct_write(db.session, self.item, self.user, created=self.created, labels=_label)
            if self.claim is not None:
                db.session.flush()  # the new record's id, for a second sending to show it
                self.claim.done(self.item)
            db.session.commit()
        except StaleDataError:  # changed by another transaction since it was read: nothing written
            db.session.rollback()
            raise versions.stale(self.item, self.loaded_at) from None
        except Exception:  # noqa: BLE001 - a database refusal (constraint, range) is the user's input
            db.session.rollback()
            raise Invalid([Problem("", DATABASE_REFUSED)]) from None
        self._confirm()
        return SaveResult(self.item, warnings)

    def _confirm(self) -> None:
        """G6 (seed 003): an organisation's save of a published record is confirmed by e-mail."""
        if self.user is None or is_manager(self.user):
            return
        record = mails.published_record(self.item)
        if record is not None:
            mails.queue(mails.SAVED, *record, self.user.id)

    def _check_parent(self) -> None:
        """A record goes only under a parent the user may change; nothing else is read before
        (a foreign parent's state or rules would leak)."""
        name = self.record.parent
        if name is None:
            return
        parent = getattr(self.item, name)
        if parent is None or parent.id is None or not writable_ids(type(parent), [parent.id], self.user):
            raise Invalid([Problem(name, OUT_OF_SCOPE)])


def _label(name: str) -> str:
    from app.views.labels import LABELS  # the pages' French labels (plain data)

    return str(LABELS.get(name, name.replace("_", " ")))


def parent_id_field(model, relation: str) -> str:
    """The id column of a many-to-one relation (`structure` → `structure_id`), as the API names it."""
    columns = list(sa_inspect(model).relationships[relation].local_columns)
    return columns[0].key


def attach_parents(item) -> None:
    """Load the many-to-one relations given as ids (an API payload's `formation_id`), so the
    checks see the rows a form would give. Only ids set by this change count: a form sets the
    relation itself and leaves the saved id behind."""
    mapper, state = sa_inspect(type(item)), sa_inspect(item)
    for relation in mapper.relationships:
        columns = list(relation.local_columns)
        if relation.direction.name != "MANYTOONE" or len(columns) != 1:
            continue
        key = mapper.get_property_by_column(columns[0]).key
        if not state.attrs[key].history.added:
            continue
        value, current = getattr(item, key), getattr(item, relation.key)
        if value is None:
            if current is not None:
                setattr(item, relation.key, None)
        elif not _is_pk(value):
            continue  # not an id: the checks see no row, the parent check or the database refuses it
        elif current is None or current.id != value:
            setattr(item, relation.key, db.session.get(relation.mapper.class_, value))


def _is_pk(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
