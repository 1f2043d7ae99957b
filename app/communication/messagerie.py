"""H4: the messagerie — threads between a structure (about itself or one of its formations) and
the Carif-Oref. A contact reads the threads of the structures he holds a right on, starts and
answers them with a modification right (scope.SCOPES); managers read and answer every thread.
Each reader's read state is kept per thread; each new message is e-mailed to the other side
through the job queue (mail.py), never holding the message back."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.commands import Invalid
from app.commands._access import require_permission
from app.commands.exceptions import NotFound
from app.extensions import db
from app.models import Formation, Message, MessageThread, MessageThreadRead, Structure
from app.models.base import utcnow
from app.security.permissions import ACTION_ADD, RESOURCE_MESSAGERIE
from app.security.scope import current_user, is_manager, scoped, structure_ids
from app.validators import Problem
from app.validators.common import text
from app.validators.communication import check_message, check_thread

THREADS_LISTED = 100  # per page of the list


@dataclass(frozen=True)
class ThreadItem:
    thread: MessageThread
    unread: bool


def _read_join(user):
    return (MessageThreadRead.thread_id == MessageThread.id) & (MessageThreadRead.user_id == user.id)


def _unread(user):
    """SQL: the thread holds a message later than the user's last reading (or he never read it)."""
    return MessageThreadRead.read_at.is_(None) | (MessageThreadRead.read_at < MessageThread.last_message_at)


def unread_threads(user=None) -> int:
    """How many of the threads the user may read hold a message he has not read: one query, once
    per request (the navbar's badge and the dashboard ask both). 0 for an anonymous visitor."""
    user = user if user is not None else (current_user() if has_request_context() else None)
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    cache = g.setdefault("_unread_threads", {}) if has_request_context() else {}
    if user.id not in cache:
        statement = (select(func.count(MessageThread.id)).select_from(MessageThread)
                     .outerjoin(MessageThreadRead, _read_join(user)).where(_unread(user)))
        cache[user.id] = db.session.execute(scoped(statement, MessageThread, write=False, user=user)).scalar() or 0
    return cache[user.id]


def threads(user, *, unread_only: bool = False, page: int = 1, structure_id: int | None = None) -> list[ThreadItem]:
    """A page of the threads the user may read, the latest exchange first, each with its unread
    state, structure and formation: one query."""
    statement = (select(MessageThread, MessageThreadRead.read_at)
                 .outerjoin(MessageThreadRead, _read_join(user))
                 .options(joinedload(MessageThread.structure), joinedload(MessageThread.formation))
                 .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
                 .offset((max(page, 1) - 1) * THREADS_LISTED).limit(THREADS_LISTED + 1))
    if unread_only:
        statement = statement.where(_unread(user))
    if structure_id is not None:
        statement = statement.where(MessageThread.structure_id == structure_id)
    rows = db.session.execute(scoped(statement, MessageThread, write=False, user=user)).unique().all()
    return [ThreadItem(thread, read_at is None or read_at < thread.last_message_at) for thread, read_at in rows]


def readable_thread(pk: int, user) -> MessageThread:
    """Thread `pk` if the user may read it, else NotFound (a foreign thread is never said to exist)."""
    thread = db.session.execute(scoped(select(MessageThread).where(MessageThread.id == pk)
                                       .options(joinedload(MessageThread.structure),
                                                joinedload(MessageThread.formation)),
                                       MessageThread, write=False, user=user)).scalar()
    if thread is None:
        raise NotFound()
    return thread


def may_write(thread: MessageThread, user) -> bool:
    """Whether the user may answer the thread: a manager, or a modification right on its structure."""
    if is_manager(user):
        return True
    statement = scoped(select(MessageThread.id).where(MessageThread.id == thread.id), MessageThread,
                       write=True, user=user)
    return db.session.execute(statement).scalar() is not None


def messages(thread: MessageThread) -> list[Message]:
    """The thread's messages in order, with their authors: one query."""
    return list(db.session.execute(select(Message).where(Message.thread_id == thread.id)
                                   .options(joinedload(Message.author)).order_by(Message.id)).scalars())


def structure_choices(user):
    """Structures the user may start a thread for: his structures with a modification right
    (every structure for managers)."""
    return scoped(select(Structure), Structure, write=True, user=user)


def formation_choices(user):
    """Formations the user may start a thread about: those of his structures with a modification
    right, imported ones included (G7: their changes are asked for through the messagerie)."""
    statement = select(Formation).where(Formation.draft_of_id.is_(None))
    if not is_manager(user):
        statement = statement.where(Formation.structure_id.in_(structure_ids(user, True)))
    return statement


def mark_thread_read(thread: MessageThread, user) -> None:
    """The user has read the thread up to its last message (a later one stays unread)."""
    seen = thread.last_message_at
    mark = db.session.get(MessageThreadRead, (thread.id, user.id))
    if mark is not None and mark.read_at >= seen:
        return
    if mark is None:
        db.session.add(MessageThreadRead(thread_id=thread.id, user_id=user.id, read_at=seen))
    else:
        mark.read_at = seen
    try:
        db.session.commit()
    except IntegrityError:  # the same user's other request marked it a moment ago
        db.session.rollback()
    if has_request_context():
        g.pop("_unread_threads", None)


def one_line(value) -> str:
    """A subject on one line, whatever was posted (it becomes an e-mail's Subject header)."""
    return " ".join(text(value).split())


def _add_message(thread: MessageThread, user, body: str) -> Message:
    now = utcnow()
    message = Message(thread=thread, author_id=user.id, from_carif=is_manager(user), text=body, created_at=now)
    db.session.add(message)
    thread.last_message_at = now
    mark = db.session.get(MessageThreadRead, (thread.id, user.id))
    if mark is None:  # his own message is read
        db.session.add(MessageThreadRead(thread_id=thread.id, user_id=user.id, read_at=now))
    else:
        mark.read_at = now
    return message


def start_thread(user, structure_id, formation_id, subject, body) -> MessageThread:
    """A new thread with its first message, for one of the user's structures (or one of their
    formations); Invalid with every problem, nothing written. The e-mail is queued after commit."""
    require_permission(user, ACTION_ADD, RESOURCE_MESSAGERIE)
    problems = check_thread(subject, body)
    structure = None
    if structure_id is not None:
        structure = db.session.execute(structure_choices(user).where(Structure.id == structure_id)).scalar()
    if structure is None:
        problems.append(Problem("structure", "Choisissez une de vos structures.", rule="H4"))
    formation = None
    if formation_id is not None:
        formation = db.session.execute(formation_choices(user).where(Formation.id == formation_id)).scalar()
        if formation is None:
            problems.append(Problem("formation", "Choisissez une formation de vos structures.", rule="H4"))
        elif structure is not None and formation.structure_id != structure.id:
            problems.append(Problem("formation", "Cette formation n'est pas celle de la structure choisie.",
                                    rule="H4"))
    if problems:
        raise Invalid(problems)
    thread = MessageThread(structure_id=structure.id, formation_id=formation.id if formation else None,
                           subject=one_line(subject), created_by_id=user.id)
    db.session.add(thread)
    db.session.flush()  # its id, for the author's read mark
    message = _add_message(thread, user, text(body))
    db.session.commit()
    _announce(message)
    return thread


def post_message(user, thread: MessageThread, body) -> Message:
    """The user's answer in `thread` (a manager, or a modification right on its structure)."""
    require_permission(user, ACTION_ADD, RESOURCE_MESSAGERIE)
    if not may_write(thread, user):
        raise NotFound()
    problems = check_message(body)
    if problems:
        raise Invalid(problems)
    message = _add_message(thread, user, text(body))
    db.session.commit()
    _announce(message)
    return message


def _announce(message: Message) -> None:
    from .mail import queue_message_email

    queue_message_email(message.id)
    if has_request_context():
        g.pop("_unread_threads", None)
