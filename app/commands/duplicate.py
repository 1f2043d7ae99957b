"""Duplication as commands (SPEC F14, E12): a session, a formation (managers only) and a whole
rentrée; app/workflow/duplicate.py copies, these check first and commit once.

validate() checks the permission, the write scope of the source, the state of the formation the
copy goes into, and refuses a second copy of the same source made by the same user a few seconds
ago (a form sent twice). run() first claims the form's one-time token (app/commands/once.py: the
same form sent twice shows the first copy, issue 16), then locks the source rows (PostgreSQL;
SQLite has no row locks and serialises writers itself), so two submissions in flight are checked
one after the other. A draft another request opened at the same moment (the database allows one
per formation) refuses the copy with the reason."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Formation, HistoryEntry, Session
from app.models.base import utcnow
from app.models.workflow import FormationEtat as F
from app.security.permissions import (
    ACTION_DUPLICATE,
    ACTION_DUPLICATE_NEXT_YEAR,
    ACTION_EDIT,
    RESOURCE_FORMATION,
    RESOURCE_SESSION,
)
from app.security.scope import is_manager
from app.workflow import duplicate
from app.workflow.drafts import current_draft
from app.workflow.transitions import DRAFT_ALREADY_OPEN
from app.workflow.history import ENTITY_NAMES
from app.workflow.locks import lock_reason

from ._access import require_permission, require_writable
from .exceptions import AlreadyDone, CommandError, Locked, refused
from .once import Claim

PENDING = ("La formation est en attente de validation : annulez votre demande de vérification avant de dupliquer "
           "une session.")
A_DRAFT = "Ce brouillon de modification ne se duplique pas : dupliquez la formation diffusée."
SESSION_JUST_COPIED = "Cette session vient d'être dupliquée : voici la copie (formulaire envoyé deux fois ?)."
FORMATION_JUST_COPIED = "Cette formation vient d'être dupliquée : voici la copie (formulaire envoyé deux fois ?)."
ROW_JUST_COPIED = "copie créée à l'instant (formulaire envoyé deux fois ?)"
NOTHING_SELECTED = "Aucune session sélectionnée."
# A second identical copy within this delay is taken for a double submission.
DOUBLE_SUBMISSION = timedelta(seconds=10)


def target_lock(session: Session, user) -> str | None:
    """Why a copy of `session` cannot go into its formation now (None when it can): a published
    formation receives it through its draft, so the draft's state decides when one is open."""
    formation = session.formation
    if formation.draft_of_id is None and formation.etat == F.DIFFUSEE:
        formation = current_draft(db.session, formation)
        if formation is None:
            return None  # a draft is opened for the copy
    if formation.etat == F.EN_ATTENTE:
        return PENDING
    return lock_reason(formation, manager=is_manager(user))


def recent_copies(action: str, sources, comment, user) -> dict[str, int]:
    """{history comment: id of the copy} of the copies of `sources` that `user` made within
    DOUBLE_SUBMISSION; each copy's history names its source (app/workflow/duplicate.py)."""
    comments = [comment(source) for source in sources]
    if user is None or not comments:
        return {}
    rows = db.session.execute(select(HistoryEntry.comment, HistoryEntry.entity_id).where(
        HistoryEntry.entity == ENTITY_NAMES[type(sources[0])], HistoryEntry.action == action, HistoryEntry.author_id == user.id,
        HistoryEntry.comment.in_(comments), HistoryEntry.at >= utcnow() - DOUBLE_SUBMISSION)
        .order_by(HistoryEntry.id))
    return dict(rows.all())


def lock_rows(model, items) -> None:
    """SELECT … FOR UPDATE on the source rows, in id order: a second submission waits for the
    first to commit, then sees its copy."""
    ids = sorted({item.id for item in items})
    if ids:
        db.session.execute(select(model.id).where(model.id.in_(ids)).order_by(model.id).with_for_update())


def _write(copy_rows, claim: Claim | None = None):
    """Run the copy and commit it (with the form's token saying what it made), or roll
    everything back."""
    try:
        result = copy_rows()
        if claim is not None:
            claim.done(result)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        if "draft_of_id" in str(error.orig):  # the draft the copy needed was opened meanwhile
            raise refused(DRAFT_ALREADY_OPEN) from None
        raise
    except Exception:
        db.session.rollback()
        raise
    return result


class DuplicateSession:
    """F14: a copy of any session the user may change (a finished one included), dates cleared,
    lieux and contact to check; run() returns the copy."""

    def __init__(self, session: Session, user, token: str | None = None):
        self.session, self.user = session, user
        self.claim = Claim(token, user, SESSION_JUST_COPIED)

    def validate(self) -> None:
        require_permission(self.user, ACTION_EDIT, RESOURCE_SESSION)
        require_writable([self.session], self.user)
        reason = target_lock(self.session, self.user)
        if reason:
            raise Locked(reason)
        done = recent_copies(duplicate.COPIED, [self.session], duplicate.copy_comment, self.user)
        if done:
            raise AlreadyDone(SESSION_JUST_COPIED, next(iter(done.values())))

    def run(self) -> Session:
        try:
            self.claim.take()
            lock_rows(Session, [self.session])
            self.validate()
        except CommandError:
            db.session.rollback()
            raise
        return _write(lambda: duplicate.duplicate_session(db.session, self.session, author=self.user), self.claim)


class DuplicateFormation:
    """E12: only the Carif-Oref duplicates a formation (the `duplicate` permission); the copy is in
    creation with a copy of each running session, dates cleared. run() returns the copy."""

    def __init__(self, formation: Formation, user, token: str | None = None):
        self.formation, self.user = formation, user
        self.claim = Claim(token, user, FORMATION_JUST_COPIED)

    def validate(self) -> None:
        require_permission(self.user, ACTION_DUPLICATE, RESOURCE_FORMATION)
        require_writable([self.formation], self.user)
        if self.formation.draft_of_id is not None:
            raise refused(A_DRAFT)
        done = recent_copies(duplicate.COPIED, [self.formation], duplicate.copy_comment, self.user)
        if done:
            raise AlreadyDone(FORMATION_JUST_COPIED, next(iter(done.values())))

    def run(self) -> Formation:
        try:
            self.claim.take()
            lock_rows(Formation, [self.formation])
            self.validate()
        except CommandError:
            db.session.rollback()
            raise
        return _write(lambda: duplicate.duplicate_formation(db.session, self.formation, author=self.user),
                      self.claim)


class DuplicateForNextYear:
    """F14 for a whole rentrée: each session copied one year later unless its checks refuse it.
    preview() is what the page shows before; run() copies the rows without problems and returns
    (created sessions, skipped rows with their reasons)."""

    def __init__(self, sessions, user):
        self.sessions, self.user = list(sessions), user

    def preview(self) -> list[dict]:
        """Rows {session, debut, fin, problems: [French messages]} (app/workflow/duplicate.py's
        checks, plus the state of the formation each copy goes into and a copy just made)."""
        require_permission(self.user, ACTION_DUPLICATE_NEXT_YEAR, RESOURCE_SESSION)
        require_writable(self.sessions, self.user)
        rows = duplicate.rentree_preview(self.sessions)
        done = recent_copies(duplicate.COPIED_FOR_NEXT_YEAR, self.sessions, duplicate.next_year_comment, self.user)
        for row in rows:
            reason = None if row["problems"] else target_lock(row["session"], self.user)  # said once
            if reason:
                row["problems"].append(reason)
            if duplicate.next_year_comment(row["session"]) in done:
                row["problems"].append(ROW_JUST_COPIED)
        return rows

    def validate(self) -> list[dict]:
        if not self.sessions:
            raise refused(NOTHING_SELECTED)
        return self.preview()

    def run(self) -> tuple[list[Session], list[dict]]:
        try:
            lock_rows(Session, self.sessions)
            rows = self.validate()
        except CommandError:
            db.session.rollback()
            raise
        return _write(lambda: duplicate.duplicate_for_next_year(db.session, rows, author=self.user))
