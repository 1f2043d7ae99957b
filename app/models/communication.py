"""Communication (SPEC H2–H4): a user's mémos, the managers' actualités with each reader's read
state, and the messagerie's threads between a structure (or one of its formations) and the
Carif-Oref, with their messages and each reader's read state.

Who sees which rows is decided in app/security/scope.py: mémos and read states are their owner's
alone (OWNED), actualités follow their audience and dates, threads and messages their structure."""
from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from .base import TimestampMixin, utcnow

TITLE_MAX = 200  # what the rules accept (app/validators/communication.py); texts are bounded there


class Memo(TimestampMixin, Model):
    """H2: a personal note, its author's alone (managers and administrators included)."""

    __tablename__ = "memo"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    title = Column(String(TITLE_MAX), nullable=False)
    text = Column(Text)

    def __repr__(self) -> str:
        return self.title


class ActualiteAudience:
    TOUS = "tous"
    CONTACTS = "contacts"
    LABELS = {TOUS: "Tous les utilisateurs", CONTACTS: "Contacts des organismes seulement"}


class Actualite(TimestampMixin, Model):
    """H3: a piece of news posted by a manager, shown on the dashboards of its audience from its
    publication day until the day before its expiry (no expiry: until removed)."""

    __tablename__ = "actualite"
    __table_args__ = (Index("ix_actualite_dates", "publication", "expiration"),)
    id = Column(Integer, primary_key=True)
    title = Column(String(TITLE_MAX), nullable=False)
    text = Column(Text, nullable=False)  # sanitised rich text (app/checks/richtext.py)
    publication = Column(Date, nullable=False)
    expiration = Column(Date)  # first day it is no longer shown
    audience = Column(String(10), default=ActualiteAudience.TOUS, nullable=False)
    author_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    author = relationship("User")

    @property
    def audience_libelle(self) -> str:
        return ActualiteAudience.LABELS.get(self.audience, self.audience)

    def __repr__(self) -> str:
        return self.title


class ActualiteRead(Model):
    """A reader has opened (or marked as read) an actualité."""

    __tablename__ = "actualite_read"
    actualite_id = Column(Integer, ForeignKey("actualite.id", ondelete="CASCADE"), primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at = Column(DateTime, default=utcnow, nullable=False)


class MessageThread(Model):
    """H4: an exchange between a structure — about itself or one of its formations — and the
    Carif-Oref. `last_message_at` makes unread counts one query (app/communication/messagerie.py)."""

    __tablename__ = "message_thread"
    __table_args__ = (Index("ix_message_thread_last", "last_message_at"),)
    id = Column(Integer, primary_key=True)
    structure_id = Column(Integer, ForeignKey("structure.id", ondelete="CASCADE"), nullable=False, index=True)
    structure = relationship("Structure")
    formation_id = Column(Integer, ForeignKey("formation.id", ondelete="SET NULL"), index=True)
    formation = relationship("Formation")
    subject = Column(String(TITLE_MAX), nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_by = relationship("User")
    created_at = Column(DateTime, default=utcnow, nullable=False)
    last_message_at = Column(DateTime, default=utcnow, nullable=False)
    messages = relationship("Message", back_populates="thread", order_by="Message.id",
                            cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return self.subject


class Message(Model):
    """One message of a thread: plain text, its author and time, and the side it came from (kept:
    an author's roles may change later)."""

    __tablename__ = "message"
    id = Column(Integer, primary_key=True)
    thread_id = Column(Integer, ForeignKey("message_thread.id", ondelete="CASCADE"), nullable=False, index=True)
    thread = relationship(MessageThread, back_populates="messages")
    author_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    author = relationship("User")
    from_carif = Column(Boolean, default=False, nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, default=utcnow, nullable=False)


class MessageThreadRead(Model):
    """When a reader last read a thread: unread while a later message exists."""

    __tablename__ = "message_thread_read"
    thread_id = Column(Integer, ForeignKey("message_thread.id", ondelete="CASCADE"), primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at = Column(DateTime, default=utcnow, nullable=False)
