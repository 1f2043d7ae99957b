"""A creating form sent twice creates once (issue 16): every add form (app/views/versions.py
stamps it; SaveRecord claims it), duplicating a session or a formation and firing a transition
(a *Demande de modification* opens a draft) are forms whose page carries a one-time token
(`new_token`, the `form_token()` of the templates).

The command claims the token in its own transaction, before anything else: an INSERT of its
primary key, which a second request with the same token cannot make — on PostgreSQL it waits for
the first transaction and fails once it commits; SQLite serialises the writers. The second then
reads what the first made and raises AlreadyDone with it, for its page to show that record
instead of a second copy. A refused operation rolls its claim back with everything else: the
same form may be sent again. Tokens are kept a day (`flask workflow purge-drafts` drops them).
"""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import FormToken

from .exceptions import AlreadyDone

FIELD = "form_token"  # the name of the hidden field the forms post
ALREADY_SENT = "Ce formulaire a déjà été envoyé : voici ce qu'il a fait (double clic ?)."


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid(token) -> str | None:
    """The posted token, or None when absent or malformed (the operation then runs unguarded)."""
    token = str(token or "").strip()
    return token if 16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() else None


class Claim:
    """The token of one form sent by `user`; `done(record)` says what it made, in the same
    transaction as the record."""

    def __init__(self, token: str | None, user, message: str = ALREADY_SENT):
        self.token, self.user, self.message = valid(token), user, message
        self.row: FormToken | None = None

    def take(self) -> None:
        """Claim the token (flushed, not committed); AlreadyDone when the form was sent before."""
        if self.token is None or self.user is None:
            return
        self.row = FormToken(token=self.token, user_id=self.user.id)
        db.session.add(self.row)
        try:
            # The token alone: a new record the command is about to check is not written yet.
            db.session.flush([self.row])
        except IntegrityError:
            self.row = None
            db.session.rollback()
            sent = db.session.execute(select(FormToken).where(FormToken.token == self.token)).scalar_one_or_none()
            if sent is not None and sent.user_id == self.user.id:
                raise AlreadyDone(self.message, sent.record_id) from None
            self.token = None  # another user's token: no guard, the operation's own rules apply

    def done(self, record) -> None:
        if self.row is not None and record is not None:
            self.row.record_id = record.id
