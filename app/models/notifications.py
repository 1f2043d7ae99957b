"""A user's notifications (the navbar bell, SPEC J2): a message, a link or a file written by a job
(an export), read or not. Personal rows: their owner alone sees them, managers included
(app/security/scope.py). Kept NOTIFICATION_DAYS days, then purged with their file."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from .base import utcnow


class NotificationEtat:
    PRETE = "prete"  # a message, or a job's result ready
    EN_COURS = "en_cours"  # a job queued or running: `progress` says how far
    ECHEC = "echec"  # the job failed
    LABELS = {PRETE: "Prête", EN_COURS: "En cours", ECHEC: "Échec"}


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    user = relationship("User")
    title = Column(String(200), nullable=False)
    text = Column(String(1000))
    link = Column(String(400))  # a page of the portal (a path, never another site)
    # A file written by a job, under EXPORT_FILES_DIR: its name there (generated, never typed)
    # and the name offered to the browser.
    file_path = Column(String(200))
    file_name = Column(String(200))
    file_size = Column(Integer)
    etat = Column(String(10), default=NotificationEtat.PRETE, nullable=False)
    progress = Column(Integer)  # 0–100 while a job runs
    created_at = Column(DateTime, default=utcnow, nullable=False, index=True)
    read_at = Column(DateTime)

    @property
    def running(self) -> bool:
        return self.etat == NotificationEtat.EN_COURS

    def __repr__(self) -> str:
        return self.title
