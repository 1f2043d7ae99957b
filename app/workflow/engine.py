"""The workflow engine (SPEC G1–G6): one way for every state machine of the portal to change state.

A `Workflow` holds a table of `Transition`s declared as data — sources, target, actors, guard,
effect, comment, checks, e-mail — for one kind of record (formations, structure change requests).
`fire()` is the only place a state changes: it checks the transition may be fired, runs its
effect, sets the target state on the record the effect leaves the user on (the effect may open a
draft or fold one back into its published formation), writes the history and notifies. It never looks at a transition's
name: what a transition does is in its declaration. Modelled on les-emplois' job-application
workflow (states and transitions declared in one class, effects and guards on the transition).

Concurrent or repeated transitions fire once (issue 16): `fire` locks the record's row and reads
it again before deciding (`lock`), so that of two requests fired at once the second is refused by
the table. Where there is no row lock (SQLite) the record's version refuses the slower write
(StaleDataError), and the database refuses a second draft of a formation (IntegrityError); the
commands (app/commands/transition.py) turn both into the table's reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select

from .history import record

CONTACT, MANAGER = "contact", "manager"  # who fires: the organisation's users, the Carif-Oref

# Target of a transition that ends its record: the effect deletes it (a dropped request).
CLOSED = "(clôturée)"


class TransitionRefused(ValueError):
    """A transition that cannot be fired; the message is French and shown to the user."""


@dataclass(frozen=True)
class Depends:
    """A target that depends on the record; `states` lists every state `choose` may return (None:
    unchanged), so the table can be checked without a record."""

    choose: Callable[[Any], str | None]
    states: frozenset

    def __call__(self, item) -> str | None:
        return self.choose(item)


Guard = Callable[[Any, str], "str | None"]  # (item, actor) -> French reason when refused, else None


@dataclass(frozen=True, eq=False)
class Transition:
    name: str
    label: str  # button wording, French
    sources: frozenset[str]  # states it may be fired from
    # State of the record `fire` returns (the item itself, or the draft it opens, or the published
    # formation a draft goes back to); None: the state does not change; CLOSED: the record is gone.
    target: str | Depends | None
    actors: frozenset[str]  # CONTACT and/or MANAGER
    guard: Guard | None = None
    # effect(db_session, item, user, comment, **kwargs) -> the record to show next (None: the item)
    effect: Callable[..., Any] | None = None
    history: str = ""  # action written into the history (the label when empty)
    comment_required: bool = False
    notify: bool = False  # e-mail the organisation once fired
    checked: bool = False  # the record checks' errors block it
    confirm: str = ""  # confirmation question shown before firing
    done: str = ""  # message once fired
    style: str = "default"  # button colour
    needs_motif: bool = False  # the confirmation page offers the archive reasons (E11)
    required: tuple[tuple[str, str], ...] = ()  # (keyword argument, French message when missing)
    # after(db_session, record shown next, user, **kwargs): once the state is set and the history
    # written, in the same transaction — a consequence with its own history entry (G1: a formation
    # withdrawn for its ended sessions is diffused again when a new session is validated).
    after: Callable[..., Any] | None = None

    @property
    def action(self) -> str:
        return self.history or self.label

    def target_for(self, item) -> str | None:
        return self.target(item) if isinstance(self.target, Depends) else self.target

    @property
    def targets(self) -> frozenset:
        """Every state this transition may lead to (None: unchanged)."""
        return self.target.states if isinstance(self.target, Depends) else frozenset({self.target})


def lock(db_session, item) -> None:
    """Lock the record's row until the transaction ends (PostgreSQL: SELECT … FOR UPDATE; SQLite
    has no row locks and serialises writers) and read it again: a request fired at the same moment
    as another waits for it, then decides on its result."""
    model = type(item)
    if getattr(item, "id", None) is None:
        return
    db_session.execute(select(model).where(model.id == item.id).with_for_update(of=model)
                       .execution_options(populate_existing=True)).scalar_one_or_none()


def first_reason(*guards: Guard) -> Guard:
    """A guard made of several: the first refusal's reason."""
    def guard(item, actor):
        return next((reason for reason in (g(item, actor) for g in guards) if reason), None)
    return guard


@dataclass
class Workflow:
    states: dict[str, str]  # state -> French label
    initial: str
    transitions: dict[str, Transition]
    state_attr: str = "etat"
    history_entity: str = ""  # HistoryEntry.entity of the record the history follows
    history_subject: Callable[[Any], Any] = lambda item: item  # the record the history is about
    refused: str = "Action impossible : « {state} »."  # when the state or the actor does not allow it
    guard: Guard | None = None  # applies to every transition (e.g. read-only records)
    checks: Callable[[Any], list] | None = None  # blocking problems (with .message) of `checked` ones
    notify: Callable[[Any, str, str | None], Any] | None = None  # (subject, action, comment)

    @classmethod
    def declare(cls, *transitions: Transition, **options) -> "Workflow":
        return cls(transitions={t.name: t for t in transitions}, **options)

    def state_of(self, item) -> str:
        return getattr(item, self.state_attr)

    def refusal(self, transition: Transition, item, actor: str) -> str | None:
        """Why `actor` may not fire `transition` on `item` now (French), None when he may."""
        state = self.state_of(item)
        if actor not in transition.actors or state not in transition.sources:
            return self.refused.format(state=self.states.get(state, state))
        for guard in (self.guard, transition.guard):
            reason = guard(item, actor) if guard else None
            if reason:
                return reason
        return None

    def available(self, item, actor: str) -> list[Transition]:
        """The transitions `actor` may fire on `item` now, in the table's order."""
        return [t for t in self.transitions.values() if self.refusal(t, item, actor) is None]

    def fire(self, db_session, name: str, item, user, actor: str, comment: str | None = None,
             before_commit: Callable[[Any], None] | None = None, **kwargs):
        """Fire transition `name` on `item` in one transaction; returns the record to show next
        (None when the record is gone). Raises TransitionRefused with the French reason.
        `before_commit(record shown next)` adds the caller's own write to the transaction."""
        transition = self.transitions.get(name)
        if transition is None:
            raise TransitionRefused(self.refused.format(state=self.states.get(self.state_of(item), "")))
        lock(db_session, item)
        reason = self.refusal(transition, item, actor)
        if reason:
            raise TransitionRefused(reason)
        comment = (comment or "").strip() or None
        if transition.comment_required and not comment:
            raise TransitionRefused("Un commentaire est obligatoire pour cette action : "
                                    + ("il est envoyé à l'organisme." if transition.notify
                                       else "il est enregistré dans l'historique."))
        for key, message in transition.required:
            if kwargs.get(key) is None:
                raise TransitionRefused(message)
        if transition.checked and self.checks is not None:
            problems = self.checks(item)
            if problems:
                raise TransitionRefused(
                    f"{len(problems)} erreur(s) à corriger avant de soumettre : "
                    + " ; ".join(p.message for p in problems[:5]) + (" …" if len(problems) > 5 else ""))
        # Read before the effect, which may delete the item (a dropped draft or request).
        target = transition.target_for(item)
        subject = self.history_subject(item)
        result = transition.effect(db_session, item, user, comment, **kwargs) if transition.effect else None
        if target == CLOSED:
            result = None
        else:
            result = item if result is None else result
            if target is not None:
                setattr(result, self.state_attr, target)
        record(db_session, subject, transition.action, user, comment, entity=self.history_entity or None)
        if transition.after is not None and result is not None:
            transition.after(db_session, result, user, **kwargs)
        if before_commit is not None:
            before_commit(result)
        db_session.commit()
        if transition.notify and self.notify is not None:  # after the commit: a failing mail server
            self.notify(subject, transition.action, comment)  # cannot undo the decision
        return result
