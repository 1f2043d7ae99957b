"""User ↔ structure rights (SPEC A2): each right is either modification or visualisation; and
the public account requests (SPEC B1–B3); the per-user session epoch that revokes sessions and
API tokens."""
from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import relationship

from .base import utcnow


class RightLevel:
    MODIFICATION = "modification"
    VISUALISATION = "visualisation"
    LABELS = {MODIFICATION: "Modification", VISUALISATION: "Visualisation"}


class StructureRight(Model):
    __tablename__ = "structure_right"
    __table_args__ = (UniqueConstraint("user_id", "structure_id"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    user = relationship("User")
    structure_id = Column(Integer, ForeignKey("structure.id", ondelete="CASCADE"), nullable=False, index=True)
    structure = relationship("Structure")
    niveau = Column(String(15), default=RightLevel.MODIFICATION, nullable=False)

    @property
    def niveau_libelle(self) -> str:
        return RightLevel.LABELS.get(self.niveau, self.niveau)

    def __repr__(self) -> str:
        return f"{self.user} – {self.structure} ({self.niveau_libelle})"


class AccountRequestEtat:
    EN_ATTENTE = "en_attente"
    ACCEPTEE = "acceptee"
    REFUSEE = "refusee"
    LABELS = {EN_ATTENTE: "En attente", ACCEPTEE: "Acceptée", REFUSEE: "Refusée"}


class AccountRequest(Model):
    """A public *Créer un compte* request (SPEC B1–B3), processed by a manager."""

    __tablename__ = "account_request"
    id = Column(Integer, primary_key=True)
    siret = Column(String(14), nullable=False, index=True)
    nda = Column(String(11), nullable=False)
    nom = Column(String(64), nullable=False)
    prenom = Column(String(64), nullable=False)
    telephone = Column(String(25), nullable=False)
    email = Column(String(160), nullable=False, index=True)
    consentement = Column(Boolean, default=False, nullable=False)
    document_nom = Column(String(255))
    document_mime = Column(String(100))
    document = Column(LargeBinary)
    etat = Column(String(15), default=AccountRequestEtat.EN_ATTENTE, nullable=False, index=True)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    processed_at = Column(DateTime)
    processed_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    processed_by = relationship("User", foreign_keys=[processed_by_id])
    structure_id = Column(Integer, ForeignKey("structure.id", ondelete="SET NULL"))
    structure = relationship("Structure")
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    user = relationship("User", foreign_keys=[user_id])
    motif_refus = Column(String(255))

    @property
    def etat_libelle(self) -> str:
        return AccountRequestEtat.LABELS.get(self.etat, self.etat)

    @property
    def demandeur(self) -> str:
        return f"{self.prenom} {self.nom}"


class SessionEpoch(Model):
    """Per-user marker of the sessions and API tokens still valid (app/security/sessions.py): each
    login and token carries the epoch of its user; a password change, a deactivation, a withdrawn
    role or a logout draws a new one, which ends the others. `deactivated` records that a manager
    switched the account off, so that an old activation or reset link cannot switch it back on."""

    __tablename__ = "user_session_epoch"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    epoch = Column(String(32), nullable=False)
    deactivated = Column(Boolean, default=False, nullable=False)
    changed_at = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)
