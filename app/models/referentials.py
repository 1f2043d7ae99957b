"""Referentials (SPEC D1–D3): code lists, certifications and their blocs, financeurs → mesures,
geography. Managers maintain them; `flask referentials load` seeds them from shared/refdata."""
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from .base import link_nomenclature, link_table


class NomenclatureKind:
    """The code lists kept in the `nomenclature` table, with their French names."""

    NIVEAU = "niveau"
    FORMACODE = "formacode"
    NSF = "nsf"
    ROME = "rome"
    PUBLIC = "public"
    RYTHME = "rythme"
    TYPE_PARCOURS = "type_parcours"
    MODALITE_ENSEIGNEMENT = "modalite_enseignement"
    MODALITE_PEDAGOGIQUE = "modalite_pedagogique"
    MODALITE_RECRUTEMENT = "modalite_recrutement"
    ETAT_RECRUTEMENT = "etat_recrutement"
    ETAT_DISPOSITIF = "etat_dispositif"
    MOTIF_ARCHIVAGE = "motif_archivage"
    TYPE_CONTACT = "type_contact"
    TYPE_CYCLE = "type_cycle"
    TYPE_ALTERNANCE = "type_alternance"
    UNITE_RYTHME = "unite_rythme"
    VALIDATION_BLOCS = "validation_blocs"
    OBJECTIF_GENERAL = "objectif_general"
    INFRASTRUCTURE = "infrastructure"
    LABEL_QUALITE = "label_qualite"
    TYPE_STRUCTURE = "type_structure"

    LABELS = {
        NIVEAU: "Niveau",
        FORMACODE: "Formacode",
        NSF: "NSF",
        ROME: "ROME",
        PUBLIC: "Public",
        RYTHME: "Rythme",
        TYPE_PARCOURS: "Type de parcours",
        MODALITE_ENSEIGNEMENT: "Modalité d'enseignement",
        MODALITE_PEDAGOGIQUE: "Modalité pédagogique",
        MODALITE_RECRUTEMENT: "Modalité de recrutement",
        ETAT_RECRUTEMENT: "État de recrutement",
        ETAT_DISPOSITIF: "État du dispositif",
        MOTIF_ARCHIVAGE: "Motif d'archivage",
        TYPE_CONTACT: "Type de contact",
        TYPE_CYCLE: "Type de cycle",
        TYPE_ALTERNANCE: "Type d'alternance",
        UNITE_RYTHME: "Unité de rythme",
        VALIDATION_BLOCS: "Type de validation des blocs",
        OBJECTIF_GENERAL: "Objectif général",
        INFRASTRUCTURE: "Infrastructure d'accueil",
        LABEL_QUALITE: "Label qualité",
        TYPE_STRUCTURE: "Type de structure",
    }


class Nomenclature(Model):
    """One entry of a code list: (kind, code) is unique; `code` is the LHEO/official code."""

    __tablename__ = "nomenclature"
    __table_args__ = (UniqueConstraint("kind", "code"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(40), nullable=False, index=True)
    code = Column(String(20), nullable=False)
    libelle = Column(String(255), nullable=False)
    actif = Column(Boolean, default=True, nullable=False)
    ordre = Column(Integer, default=0, nullable=False)
    version = Column(String(10))  # the referential's version (Formacode "V14") when loaded with one

    def __repr__(self) -> str:
        return f"{self.code} – {self.libelle}" if self.kind in _CODED_KINDS else self.libelle


_CODED_KINDS = {
    NomenclatureKind.FORMACODE,
    NomenclatureKind.NSF,
    NomenclatureKind.ROME,
    NomenclatureKind.MODALITE_RECRUTEMENT,
}


class Region(Model):
    __tablename__ = "region"
    id = Column(Integer, primary_key=True)
    code = Column(String(3), unique=True, nullable=False)  # INSEE 2016 code
    nom = Column(String(100), nullable=False)

    def __repr__(self) -> str:
        return self.nom


class Departement(Model):
    __tablename__ = "departement"
    id = Column(Integer, primary_key=True)
    code = Column(String(3), unique=True, nullable=False)
    nom = Column(String(100), nullable=False)
    region_id = Column(Integer, ForeignKey("region.id"), nullable=False)
    region = relationship(Region)
    academie = Column(String(100))

    def __repr__(self) -> str:
        return f"{self.code} – {self.nom}"


certification_nsf = link_nomenclature("certification_nsf", "certification")
certification_formacode = link_nomenclature("certification_formacode", "certification")
certification_rome = link_nomenclature("certification_rome", "certification")


class Certification(Model):
    """A certification of the RNCP or the Répertoire spécifique (France compétences)."""

    __tablename__ = "certification"
    id = Column(Integer, primary_key=True)
    certif_info = Column(String(10), index=True)
    code_rncp = Column(String(12), unique=True, index=True)
    code_rs = Column(String(12), unique=True, index=True)
    intitule = Column(String(500), nullable=False)
    type_certification = Column(String(120))  # e.g. "CAP", "Titre professionnel"
    niveau_sortie_id = Column(Integer, ForeignKey("nomenclature.id"))
    niveau_sortie = relationship(Nomenclature, foreign_keys=[niveau_sortie_id])
    certificateurs = Column(Text)  # valideurs, as published ("NOM (SIRET); …")
    education_nationale = Column(Boolean, default=False, nullable=False)  # E3 exemption
    date_fin_enregistrement = Column(Date)
    actif = Column(Boolean, default=True, nullable=False)
    premiere_session = Column(Date)
    derniere_session = Column(Date)
    accessible_apprentissage = Column(Boolean, default=False, nullable=False)
    remplacee_par_id = Column(Integer, ForeignKey("certification.id"))
    remplacee_par = relationship("Certification", remote_side=[id])
    nsf = relationship(Nomenclature, secondary=certification_nsf)
    formacodes = relationship(Nomenclature, secondary=certification_formacode)
    romes = relationship(Nomenclature, secondary=certification_rome)
    blocs = relationship(
        "BlocCompetences",
        back_populates="certification",
        cascade="all, delete-orphan",
        order_by="BlocCompetences.code",
    )

    @property
    def code(self) -> str:
        return self.code_rncp or self.code_rs or self.certif_info or ""

    def __repr__(self) -> str:
        return f"{self.code} – {self.intitule}"


class BlocCompetences(Model):
    __tablename__ = "bloc_competences"
    id = Column(Integer, primary_key=True)
    certification_id = Column(Integer, ForeignKey("certification.id"), nullable=False, index=True)
    certification = relationship(Certification, back_populates="blocs")
    code = Column(String(40), nullable=False, unique=True)
    libelle = Column(String(500), nullable=False)

    def __repr__(self) -> str:
        return f"{self.code} – {self.libelle}"


class Financeur(Model):
    """A financeur (LHEO dict-financeurs code) and the mesures it allows (cascade, SPEC F6)."""

    __tablename__ = "financeur"
    id = Column(Integer, primary_key=True)
    code = Column(String(4), nullable=False, unique=True)
    libelle = Column(String(255), nullable=False)
    mesures = relationship("Mesure", back_populates="financeur", order_by="Mesure.libelle")

    def __repr__(self) -> str:
        return self.libelle


mesure_public = link_nomenclature("mesure_public", "mesure")


class MesureKind:
    """Dispositifs the rules single out (E7, F7)."""

    APPRENTISSAGE = "apprentissage"
    CONTRAT_PRO = "contrat_pro"
    AUTRE = "autre"
    LABELS = {APPRENTISSAGE: "Apprentissage", CONTRAT_PRO: "Contrat de professionnalisation", AUTRE: "Autre"}


class Mesure(Model):
    __tablename__ = "mesure"
    __table_args__ = (UniqueConstraint("financeur_id", "code"),)
    id = Column(Integer, primary_key=True)
    financeur_id = Column(Integer, ForeignKey("financeur.id"), nullable=False, index=True)
    financeur = relationship(Financeur, back_populates="mesures")
    code = Column(String(40), nullable=False)
    libelle = Column(String(255), nullable=False)
    nature = Column(String(20), default=MesureKind.AUTRE, nullable=False)
    publics = relationship(Nomenclature, secondary=mesure_public)
    actif = Column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return self.libelle


__all__ = [
    "BlocCompetences",
    "Certification",
    "Departement",
    "Financeur",
    "Mesure",
    "MesureKind",
    "Nomenclature",
    "NomenclatureKind",
    "Region",
    "link_table",
]
