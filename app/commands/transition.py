"""Workflow transitions as commands: the engine (app/workflow) decides and writes; these check the
user's write scope, name the actor once (actor_of) and turn a refusal into Invalid.

Fired twice at once (two users, two tabs, a double click), a transition fires once (issue 16): the
engine locks and re-reads the formation, its version refuses the slower write (StaleDataError)
and the database refuses a second draft of one formation (IntegrityError); the loser gets the
reason the table gives now. A form's one-time token (app/commands/once.py) sends a double POST of
the same form to what the first one made."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.workflow import mails, structure_changes, transitions

from ._access import require_writable
from .actor import actor_of
from .exceptions import CommandError, Invalid, NotFound, refused
from .once import Claim

CHANGED_MEANWHILE = ("La formation vient d'être modifiée par une autre action : rechargez la page et vérifiez "
                     "son état avant de recommencer.")
STRUCTURE_CHANGED_MEANWHILE = ("La fiche de la structure vient d'être modifiée par une autre action : rechargez la "
                               "page avant de recommencer.")
JUST_DONE = "Cette action vient d'être faite (formulaire envoyé deux fois ?) : voici la formation."


class FireTransition:
    """Fire transition `name` on a formation; run() returns the formation to show next."""

    def __init__(self, formation, name: str, user, *, comment: str | None = None, motif=None,
                 token: str | None = None):
        self.formation, self.name, self.user = formation, name, user
        self.comment, self.motif = comment, motif
        self.claim = Claim(token, user, JUST_DONE)

    def validate(self) -> None:
        if self.name not in transitions.TRANSITIONS:
            raise NotFound()
        require_writable([self.formation], self.user)

    def run(self):
        self.validate()
        formation_id = self.formation.id
        try:
            self.claim.take()
            shown = transitions.fire(db.session, self.name, self.formation, self.user, actor_of(self.user),
                                     comment=self.comment, motif=self.motif, before_commit=self.claim.done)
        except CommandError:
            db.session.rollback()
            raise
        except transitions.TransitionRefused as refusal:
            db.session.rollback()
            raise refused(str(refusal)) from None
        except (StaleDataError, IntegrityError) as race:  # fired at the same moment by another request
            db.session.rollback()
            raise refused(self._reason_now(race)) from None
        if self.name == "submit":  # G6: the organisation's request acknowledged (the managers' digest follows)
            mails.queue(mails.SUBMITTED, formation_id)
        return shown

    def _reason_now(self, race) -> str:
        """Why the transition cannot be fired now that the other request's result is written."""
        if isinstance(race, IntegrityError) and "draft_of_id" in str(race.orig):
            return transitions.DRAFT_ALREADY_OPEN
        formation = db.session.get(type(self.formation), self.formation.id)
        reason = None
        if formation is not None:
            reason = transitions.FORMATION_WORKFLOW.refusal(transitions.TRANSITIONS[self.name], formation,
                                                            actor_of(self.user))
        return reason or CHANGED_MEANWHILE


class FireTransitions:
    """The queue's bulk decision: each formation on its own; returns (done, ["reference : reason"])."""

    def __init__(self, formations, name: str, user, *, comment: str | None = None):
        self.formations, self.name, self.user, self.comment = list(formations), name, user, comment

    def run(self) -> tuple[int, list[str]]:
        done, refusals = 0, []
        for formation in self.formations:
            reference = formation.reference  # read before a rollback expires it
            try:
                FireTransition(formation, self.name, self.user, comment=self.comment).run()
                done += 1
            except Invalid as refusal:
                refusals.append(f"{reference} : {refusal}")
        return done, refusals


class FireStructureChange:
    """Fire a transition of a structure's change request (C9) on `structure`'s pending change."""

    def __init__(self, structure, name: str, user, *, comment: str | None = None):
        self.structure, self.name, self.user, self.comment = structure, name, user, comment

    def validate(self):
        if self.name not in structure_changes.TRANSITIONS:
            raise NotFound()
        require_writable([self.structure], self.user)
        change = structure_changes.pending(db.session, self.structure)
        if change is None:
            raise NotFound()
        return change

    def run(self):
        change = self.validate()
        structure_id = self.structure.id
        try:
            shown = structure_changes.fire(db.session, self.name, change, self.user, actor_of(self.user),
                                           comment=self.comment)
        except transitions.TransitionRefused as refusal:
            db.session.rollback()
            raise refused(str(refusal)) from None
        if self.name == "submit":  # G6: acknowledged to the organisation (the managers' digest lists it)
            mails.queue(mails.SUBMITTED, structure_id, "structure")
        return shown


class WithdrawStructureOperation:
    """Take one operation on the lists out of `structure`'s change request while its organisation
    still edits it (C9)."""

    def __init__(self, structure, index: int, user):
        self.structure, self.index, self.user = structure, index, user

    def run(self) -> None:
        require_writable([self.structure], self.user)
        change = structure_changes.pending(db.session, self.structure)
        if change is None:
            raise NotFound()
        try:
            structure_changes.withdraw(db.session, change, self.index)
        except transitions.TransitionRefused as refusal:
            db.session.rollback()
            raise refused(str(refusal)) from None
        except StaleDataError:  # the structure changed meanwhile (another request)
            db.session.rollback()
            raise refused(STRUCTURE_CHANGED_MEANWHILE) from None
