"""H2: mémos, personal notes private to their author (scope.OWNED: nobody else, managers and
administrators included, lists, reads, changes or deletes them)."""
from __future__ import annotations

from sqlalchemy import select

from app.commands import Invalid
from app.commands.exceptions import NotFound
from app.extensions import db
from app.models import Memo
from app.security.scope import scoped
from app.validators.common import text
from app.validators.communication import check_memo

MEMOS_LISTED = 200


def memos(user, limit: int = MEMOS_LISTED) -> list[Memo]:
    """The user's mémos, the last changed first."""
    statement = select(Memo).order_by(Memo.updated_at.desc(), Memo.id.desc()).limit(limit)
    return list(db.session.execute(scoped(statement, Memo, user=user)).scalars())


def own_memo(pk: int, user) -> Memo:
    """The user's mémo `pk`, else NotFound (404: another user's mémo is never said to exist)."""
    memo = db.session.execute(scoped(select(Memo).where(Memo.id == pk), Memo, user=user)).scalar()
    if memo is None:
        raise NotFound()
    return memo


def save_memo(user, title, body, memo: Memo | None = None) -> Memo:
    """Create (memo None) or change the user's mémo; Invalid with the problems, nothing written."""
    problems = check_memo(title, body)
    if problems:
        raise Invalid(problems)
    if memo is None:
        memo = Memo(user_id=user.id)
        db.session.add(memo)
    elif memo.user_id != user.id:
        raise NotFound()
    memo.title, memo.text = text(title), text(body) or None
    db.session.commit()
    return memo


def delete_memo(user, memo: Memo) -> None:
    if memo.user_id != user.id:
        raise NotFound()
    db.session.delete(memo)
    db.session.commit()
