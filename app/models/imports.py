"""LHEO imports (SPEC J4) and their reconciliation report: one `LheoImport` per run (a file or a
folder of one source), one `LheoImportLine` per record read — created, updated, unchanged,
archived or refused, with the reason and the XML path."""
from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from .base import utcnow


class ImportEtat:
    EN_COURS = "en_cours"
    TERMINE = "termine"
    REFUSE = "refuse"  # the file itself was refused (not LHEO, DTD, too large, malformed): nothing written
    ECHEC = "echec"  # an unexpected error: the run was rolled back
    LABELS = {EN_COURS: "En cours", TERMINE: "Terminé", REFUSE: "Fichier refusé", ECHEC: "Échec"}


class Outcome:
    CREATED = "cree"
    UPDATED = "modifie"
    UNCHANGED = "inchange"
    ARCHIVED = "archive"
    REFUSED = "refuse"
    MATCHED = "rapproche"  # an organisme matched by SIRET to a structure of the portal
    WARNING = "avertissement"  # kept, with something the portal could not attach (unknown code…)
    LABELS = {CREATED: "Créé", UPDATED: "Mis à jour", UNCHANGED: "Inchangé", ARCHIVED: "Archivé",
              REFUSED: "Refusé", MATCHED: "Rapproché", WARNING: "Avertissement"}


class LheoImport(Model):
    __tablename__ = "lheo_import"
    id = Column(Integer, primary_key=True)
    source = Column(String(50), nullable=False, index=True)
    fichier = Column(String(500), nullable=False)  # the file(s) read, as given
    version = Column(String(10))  # "2.2" or "2.3" (several files: the last one's)
    etat = Column(String(10), default=ImportEtat.EN_COURS, nullable=False)
    message = Column(Text)  # why the file was refused, or the error
    counts = Column(JSON)  # {"formation": {"cree": 2, …}, "session": {…}, …}
    debut = Column(DateTime, default=utcnow, nullable=False, index=True)
    fin = Column(DateTime)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    user = relationship("User")
    lines = relationship("LheoImportLine", back_populates="run", order_by="LheoImportLine.id",
                         cascade="all, delete-orphan", passive_deletes=True)

    @property
    def etat_libelle(self) -> str:
        return ImportEtat.LABELS.get(self.etat, self.etat)

    def __repr__(self) -> str:
        return f"Import {self.source} du {self.debut:%d/%m/%Y %H:%M}"


class LheoImportLine(Model):
    __tablename__ = "lheo_import_line"
    __table_args__ = (Index("ix_lheo_import_line_run", "import_id", "id"),)
    id = Column(Integer, primary_key=True)
    import_id = Column(Integer, ForeignKey("lheo_import.id", ondelete="CASCADE"), nullable=False)
    run = relationship(LheoImport, back_populates="lines")
    kind = Column(String(12), nullable=False)  # formation, action, session, organisme, certification, fichier
    numero = Column(String(255))  # the record's numero in the flow
    outcome = Column(String(15), nullable=False)
    reason = Column(Text)
    path = Column(String(500))  # XML path (and line) in the file
    reference = Column(String(20))  # the portal's reference of the record (F…, S…, O…)

    @property
    def outcome_libelle(self) -> str:
        return Outcome.LABELS.get(self.outcome, self.outcome)
