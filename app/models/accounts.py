"""User ↔ structure rights (SPEC A2): each right is either modification or visualisation."""
from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship


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
