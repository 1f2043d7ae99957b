"""Structures (organismes de formation, SPEC C1–C11): the siège/antennes tree, coordonnées,
contacts, lieux, habilitations and documents."""
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import relationship

from .base import REFERENCE, TimestampMixin, VersionMixin, link_nomenclature, stable_reference, utcnow
from .referentials import Certification, Nomenclature

structure_infrastructure = link_nomenclature("structure_infrastructure", "structure")
structure_label = link_nomenclature("structure_label", "structure")
structure_potentiel = link_nomenclature("structure_potentiel", "structure")


class StructureEtat:
    EN_CREATION = "en_creation"
    EN_ATTENTE = "en_attente"
    VALIDEE = "validee"
    ARCHIVEE = "archivee"
    LABELS = {
        EN_CREATION: "En cours de création",
        EN_ATTENTE: "En attente de validation",
        VALIDEE: "Validée",
        ARCHIVEE: "Archivée",
    }


ANTENNA_NDA_LABEL = "ANTENNE-ORG"

# C6: the four Qualiopi certifications, by the key that ends their column (`qualiopi_<key>`).
QUALIOPI_LABELS = {
    "action_formation": "actions de formation",
    "bilan": "bilans de compétences",
    "vae": "VAE",
    "apprentissage": "actions de formation par apprentissage",
}
QUALIOPI_FIELDS = tuple(f"qualiopi_{key}" for key in QUALIOPI_LABELS)


class AddressMixin:
    ligne = Column(String(50))
    complement = Column(String(50))
    bp_cs = Column(String(50))
    code_postal = Column(String(5))
    ville = Column(String(50))
    code_insee = Column(String(5))


@stable_reference("O")
class Structure(VersionMixin, AddressMixin, TimestampMixin, Model):
    __tablename__ = "structure"
    id = Column(Integer, primary_key=True)
    reference = REFERENCE()
    raison_sociale = Column(String(250), nullable=False)
    enseigne = Column(String(250))  # nom usuel
    siret = Column(String(14), nullable=False, index=True)
    nda = Column(String(11))  # only the siège carries it (C1)
    ape = Column(String(6))
    uai = Column(String(8))
    type_id = Column(Integer, ForeignKey("nomenclature.id"))
    type = relationship(Nomenclature, foreign_keys=[type_id])
    etat = Column(String(20), default=StructureEtat.EN_CREATION, nullable=False, index=True)
    parent_id = Column(Integer, ForeignKey("structure.id"), index=True)
    parent = relationship("Structure", remote_side=[id], back_populates="antennes")
    antennes = relationship("Structure", back_populates="parent", order_by="Structure.raison_sociale")
    departement_code = Column(String(3), index=True)
    potentiel = Column(Text)  # free text, used as search keywords (C1)
    potentiel_formacodes = relationship(Nomenclature, secondary=structure_potentiel)
    infrastructures = relationship(Nomenclature, secondary=structure_infrastructure)
    labels = relationship(Nomenclature, secondary=structure_label)
    qualiopi_action_formation = Column(Boolean, default=False, nullable=False)
    qualiopi_bilan = Column(Boolean, default=False, nullable=False)
    qualiopi_vae = Column(Boolean, default=False, nullable=False)
    qualiopi_apprentissage = Column(Boolean, default=False, nullable=False)
    # C6: the flags come from the DGEFP public list of training organisations (app/refdata/qualiopi.py):
    # the date of the list that last set them (None: never loaded, typed or corrected by the
    # Carif-Oref), and the certifications a list took away that the structure still lacks
    # (comma-separated QUALIOPI keys, None when none).
    qualiopi_source_le = Column(Date)
    qualiopi_perdus = Column(String(100))
    demande_particuliere = Column(Text)  # C2: requests on identity fields
    demande_contacts = Column(Text)  # C5: requests on contacts
    confirme_le = Column(Date)  # C10: yearly confirmation
    # J4: a structure created by an LHEO import (no member structure had its SIRET): the flow's name
    source = Column(String(50))

    coordonnees = relationship("Coordonnee", back_populates="structure", cascade="all, delete-orphan")
    contacts = relationship("StructureContact", back_populates="structure", cascade="all, delete-orphan")
    lieux = relationship("Lieu", back_populates="structure", cascade="all, delete-orphan")
    habilitations = relationship("Habilitation", back_populates="structure", cascade="all, delete-orphan")
    documents = relationship("StructureDocument", back_populates="structure", cascade="all, delete-orphan")

    @property
    def is_siege(self) -> bool:
        return self.parent_id is None

    @property
    def nda_affiche(self) -> str:
        return self.nda or (ANTENNA_NDA_LABEL if self.parent_id else "")

    @property
    def qualiopi_lost_labels(self) -> list[str]:
        """The Qualiopi certifications a public list took away and the structure still lacks."""
        return [label for key, label in QUALIOPI_LABELS.items()
                if key in (self.qualiopi_perdus or "").split(",") and not getattr(self, f"qualiopi_{key}")]

    @property
    def qualiopi_source(self) -> str:
        """C6, for the structure's page: where the Qualiopi flags come from, and what a list took away."""
        if self.qualiopi_source_le is None:
            text = ("Source : saisie du Carif-Oref (la liste publique des organismes de formation n'a pas "
                    "encore été chargée pour cette structure)")
        else:
            text = f"Source : liste publique des organismes de formation du {self.qualiopi_source_le:%d/%m/%Y}"
        lost = self.qualiopi_lost_labels
        if lost:
            text += f". Certification(s) retirée(s) par la liste : {', '.join(lost)}"
        return text

    @property
    def etat_libelle(self) -> str:
        return StructureEtat.LABELS.get(self.etat, self.etat)

    @hybrid_property
    def nom(self) -> str:
        """The structure's one display name: its nom usuel (enseigne) when it has one, else its raison
        sociale. In SQL the same expression, so lists sort on it."""
        return self.enseigne or self.raison_sociale

    @nom.inplace.expression
    @classmethod
    def _nom_expression(cls):
        return func.coalesce(func.nullif(cls.enseigne, ""), cls.raison_sociale)

    def __repr__(self) -> str:
        return self.nom


class CoordonneeKind:
    EMAIL = "email"
    TELEPHONE = "telephone"
    WEB = "web"
    LABELS = {EMAIL: "Courriel", TELEPHONE: "Téléphone", WEB: "Site internet"}


class Coordonnee(VersionMixin, Model):
    """An e-mail, phone or website of a structure, with type, diffusion and principal (C3)."""

    __tablename__ = "coordonnee"
    id = Column(Integer, primary_key=True)
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure, back_populates="coordonnees")
    nature = Column(String(10), nullable=False)  # CoordonneeKind
    valeur = Column(String(400), nullable=False)
    type_libelle = Column(String(50))  # e.g. "Accueil", "Standard"
    diffusion = Column(Boolean, default=True, nullable=False)
    principal = Column(Boolean, default=False, nullable=False)

    def __repr__(self) -> str:
        return self.valeur

    @property
    def pending_change(self) -> str:
        """What the organisation's change request holds on this row (app/workflow/structure_changes)."""
        from app.workflow.structure_changes import pending_label  # noqa: PLC0415 - models import first

        return pending_label(self)


@stable_reference("C")
class StructureContact(VersionMixin, Model):
    """A person of the structure (C5); contacts OF cannot add or remove them."""

    __tablename__ = "structure_contact"
    id = Column(Integer, primary_key=True)
    reference = REFERENCE()
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure, back_populates="contacts")
    civilite = Column(String(10))
    nom = Column(String(50), nullable=False)
    prenom = Column(String(50))
    type_contact_id = Column(Integer, ForeignKey("nomenclature.id"))
    type_contact = relationship(Nomenclature, foreign_keys=[type_contact_id])
    fonction = Column(String(100))
    service = Column(String(100))
    email = Column(String(160))
    telephone = Column(String(25))
    principal = Column(Boolean, default=False, nullable=False)
    diffusion = Column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return " ".join(part for part in (self.civilite, self.prenom, self.nom) if part)


class Lieu(VersionMixin, AddressMixin, Model):
    """A training or registration place (C11)."""

    __tablename__ = "lieu"
    id = Column(Integer, primary_key=True)
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure, back_populates="lieux", lazy="joined")
    nom = Column(String(255), nullable=False)
    latitude = Column(Float)
    longitude = Column(Float)
    telephone = Column(String(25))
    siret = Column(String(14))
    uai = Column(String(8))

    def __repr__(self) -> str:
        return f"{self.nom} ({self.code_postal or ''} {self.ville or ''})".strip()

    @property
    def pending_change(self) -> str:
        """What the organisation's change request holds on this row (app/workflow/structure_changes)."""
        from app.workflow.structure_changes import pending_label  # noqa: PLC0415 - models import first

        return pending_label(self)


class HabilitationNature:
    FORMER = "former"
    ORGANISER = "organiser"
    LABELS = {FORMER: "Habilitation à former", ORGANISER: "Habilitation à organiser l'évaluation"}


class Habilitation(VersionMixin, Model):
    """A certification the structure's SIRET may train for or assess (C7)."""

    __tablename__ = "habilitation"
    id = Column(Integer, primary_key=True)
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure, back_populates="habilitations")
    certification_id = Column(Integer, ForeignKey("certification.id"), nullable=False, index=True)
    certification = relationship(Certification)
    nature = Column(String(10), default=HabilitationNature.FORMER, nullable=False)
    date_fin = Column(Date)

    def __repr__(self) -> str:
        return f"{self.certification}"


class StructureDocument(VersionMixin, Model):
    """A file attached to a structure (C8), kept in the database so that it follows the same
    row-level rules as everything else (FAB's own file download is not scoped)."""

    __tablename__ = "structure_document"
    id = Column(Integer, primary_key=True)
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure, back_populates="documents")
    nom = Column(String(255), nullable=False)
    mime_type = Column(String(100), nullable=False)
    taille = Column(Integer, nullable=False)
    contenu = Column(LargeBinary, nullable=False)
    depose_le = Column(DateTime, default=utcnow, nullable=False)
    # C9: deposited by the organisation of a validated structure, the document waits with its change
    # request; accepted, it joins the structure's documents, refused or withdrawn, it goes with it.
    change_id = Column(Integer, ForeignKey("structure_change.id", ondelete="CASCADE"), index=True)

    @property
    def en_attente(self) -> bool:
        return self.change_id is not None

    def __repr__(self) -> str:
        return self.nom
