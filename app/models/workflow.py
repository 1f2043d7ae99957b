"""States of the offer and the history of every transition (SPEC G1, G6, C8)."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from .base import utcnow


class FormationEtat:
    EN_CREATION = "en_creation"
    BROUILLON = "brouillon"  # a draft opened by a *Demande de modification* (copy-on-write)
    EN_ATTENTE = "en_attente"
    DIFFUSEE = "diffusee"
    COMPLEMENT = "complement"
    NON_DIFFUSEE = "non_diffusee"
    ARCHIVEE = "archivee"
    LABELS = {
        EN_CREATION: "En cours de création",
        BROUILLON: "Brouillon (demande de modification)",
        EN_ATTENTE: "En attente de validation",
        DIFFUSEE: "Diffusée",
        COMPLEMENT: "En attente complément d'information",
        NON_DIFFUSEE: "Non diffusée",
        ARCHIVEE: "Archivée",
    }
    # States in which the organisation may change the record (the others go through a draft).
    EDITABLE = frozenset({EN_CREATION, BROUILLON, COMPLEMENT, NON_DIFFUSEE})


class SessionEtat:
    BROUILLON = "brouillon"
    EN_ATTENTE = "en_attente"
    DIFFUSEE = "diffusee"
    COMPLEMENT = "complement"
    NON_DIFFUSEE = "non_diffusee"
    TERMINEE = "terminee"
    ARCHIVEE = "archivee"
    LABELS = {
        BROUILLON: "Brouillon",
        EN_ATTENTE: "En attente de validation",
        DIFFUSEE: "Diffusée",
        COMPLEMENT: "En attente complément d'information",
        NON_DIFFUSEE: "Non diffusée",
        TERMINEE: "Terminée",
        ARCHIVEE: "Archivée",
    }


class HistoryEntry(Model):
    """One transition or change of a structure, formation or session (date, action, comment,
    author)."""

    __tablename__ = "history_entry"
    __table_args__ = (Index("ix_history_entity", "entity", "entity_id"),)
    id = Column(Integer, primary_key=True)
    entity = Column(String(20), nullable=False)  # "structure" | "formation" | "session"
    entity_id = Column(Integer, nullable=False)
    at = Column(DateTime, default=utcnow, nullable=False)
    action = Column(String(100), nullable=False)
    comment = Column(Text)
    author_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    author = relationship("User")

    def __repr__(self) -> str:
        return f"{self.at:%d/%m/%Y} {self.action}"


class StructureChangeEtat:
    BROUILLON = "brouillon"
    EN_ATTENTE = "en_attente"
    COMPLEMENT = "complement"
    LABELS = {
        BROUILLON: "Brouillon (non soumise)",
        EN_ATTENTE: "En attente de validation",
        COMPLEMENT: "En attente complément d'information",
    }


class StructureChange(Model):
    """Changes of a validated structure's record proposed by its organisation (SPEC C9): kept
    apart, as {field: value}, while the validated record stays published; applied when the
    Carif-Oref accepts (app/workflow/structure_changes.py)."""

    __tablename__ = "structure_change"
    id = Column(Integer, primary_key=True)
    structure_id = Column(Integer, ForeignKey("structure.id", ondelete="CASCADE"), nullable=False, unique=True)
    structure = relationship("Structure")
    payload = Column(Text, nullable=False)  # JSON: {"ville": "Caen", "infrastructures": [12, 14]}
    etat = Column(String(20), default=StructureChangeEtat.BROUILLON, nullable=False, index=True)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    submitted_at = Column(DateTime)
    author_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    author = relationship("User")
    # Documents deposited with the request (C8, C9): they go with it unless it is accepted.
    documents = relationship("StructureDocument", cascade="all", order_by="StructureDocument.id")

    @property
    def etat_libelle(self) -> str:
        return StructureChangeEtat.LABELS.get(self.etat, self.etat)


class FormToken(Model):
    """A creating form that was sent (issue 16): the one-time token its page carried, who sent it
    and the record it made. The same form sent again finds it and shows that record instead of
    making a second one (app/commands/once.py). Kept a day."""

    __tablename__ = "form_token"
    token = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    record_id = Column(Integer)  # the copy, draft or formation shown next
    used_at = Column(DateTime, default=utcnow, nullable=False, index=True)
