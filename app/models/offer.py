"""The offer: formations and sessions with their children (SPEC E1–E12, F1–F16).

The shape follows LHEO 2.3 so that export is a mapping: a formation carries the LHEO
formation-level fields; a session carries the action-level fields and exports as one `action`
with one `session` (LHEO-NOTES §2) — unless it belongs to an `Action` (imported offer, J4): the
sessions of one action export as one `action` holding them all.

Imported records (J4, G7) keep their source and numbers (`source`, `source_numero`) and, in
`lheo`, the stored document of what the portal has no column for (app/lheo/importer.py).
"""
from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

from .base import REFERENCE, TimestampMixin, VersionMixin, link_nomenclature, link_table, stable_reference
from .referentials import BlocCompetences, Certification, Financeur, Mesure, Nomenclature
from .structures import Lieu, Structure, StructureContact
from .workflow import FormationEtat, SessionEtat

formation_formacode = link_nomenclature("formation_formacode", "formation")
formation_nsf = link_nomenclature("formation_nsf", "formation")
formation_rome = link_nomenclature("formation_rome", "formation")


@stable_reference("F")
class Formation(VersionMixin, TimestampMixin, Model):
    __tablename__ = "formation"
    id = Column(Integer, primary_key=True)
    reference = REFERENCE()
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure)  # the OF responsable (E1)
    intitule = Column(String(255), nullable=False)
    complement_intitule = Column(String(255))  # complément d'intitulé (e.g. "Parcours bâtiment"), searched with it
    certifiante = Column(Boolean, default=False, nullable=False)
    apprentissage = Column(Boolean, default=False, nullable=False)
    objectifs = Column(Text, nullable=False)
    contenu = Column(Text)
    resultats = Column(Text)
    niveau_entree_id = Column(Integer, ForeignKey("nomenclature.id"))
    niveau_entree = relationship(Nomenclature, foreign_keys=[niveau_entree_id])
    niveau_sortie_id = Column(Integer, ForeignKey("nomenclature.id"))
    niveau_sortie = relationship(Nomenclature, foreign_keys=[niveau_sortie_id])
    objectif_general_id = Column(Integer, ForeignKey("nomenclature.id"))
    objectif_general = relationship(Nomenclature, foreign_keys=[objectif_general_id])
    duree_cycle = Column(Integer)  # years, 1–5, apprentissage (E6)
    plus_formation = Column(String(250))  # "le + de la formation"
    url_video = Column(String(400))
    url_brochure = Column(String(400))
    url_page = Column(String(400))
    mots_cles = Column(Text)
    metiers_vises = Column(Text)
    formacodes = relationship(Nomenclature, secondary=formation_formacode)
    nsf = relationship(Nomenclature, secondary=formation_nsf)
    romes = relationship(Nomenclature, secondary=formation_rome)
    etat = Column(String(20), default=FormationEtat.EN_CREATION, nullable=False, index=True)
    importee = Column(Boolean, default=False, nullable=False)  # G7: read-only for contacts
    # J4: where an imported formation comes from and what it was there (identity, reconciliation)
    source = Column(String(50), index=True)  # the flow's name (`--source EOS`)
    source_numero = Column(String(255), index=True)  # the formation's `numero` in that flow
    importee_le = Column(DateTime)  # last import that created or changed it
    empreinte = Column(String(64))  # digest of the imported element: unchanged → nothing written
    lheo = Column(JSON)  # stored LHEO document of what has no column (app/lheo/importer.py)
    motif_archivage_id = Column(Integer, ForeignKey("nomenclature.id"))
    motif_archivage = relationship(Nomenclature, foreign_keys=[motif_archivage_id])
    commentaire_archivage = Column(Text)
    # Copy-on-write: a draft is a full copy of a published formation (and its sessions), edited
    # while the published one stays live; accepting it copies it back (app/workflow/drafts.py).
    draft_of_id = Column(Integer, ForeignKey("formation.id", ondelete="CASCADE"))
    draft_of = relationship("Formation", remote_side=[id], foreign_keys=[draft_of_id])
    submitted_at = Column(DateTime)  # last *Soumettre pour validation*
    archive_requested_at = Column(DateTime)  # E11: the organisation asked for archiving
    # G1: on hold (habilitation, RNCP renewal…), set and lifted by a manager with a reason. A flag,
    # not an état: the formation keeps its état (and its place in the workflow) and leaves every
    # LHEO export and partner flow until the hold is lifted (app/workflow/suspension.py).
    en_suspens = Column(Boolean, default=False, server_default=false(), nullable=False, index=True)
    motif_suspension = Column(Text)
    suspendue_le = Column(DateTime)

    certifications = relationship(
        "FormationCertification", back_populates="formation", cascade="all, delete-orphan"
    )
    sessions = relationship(
        "Session", back_populates="formation", order_by="Session.debut", cascade="all, delete-orphan"
    )
    actions = relationship("Action", back_populates="formation", order_by="Action.rang",
                           cascade="all, delete-orphan")

    # At most one draft per published formation (issue 16): two *Demande de modification* fired
    # at once cannot both open one; the engine turns the second's IntegrityError into a refusal.
    __table_args__ = (Index("uq_formation_draft_of_id", draft_of_id, unique=True,
                            postgresql_where=draft_of_id.isnot(None), sqlite_where=draft_of_id.isnot(None)),)

    @property
    def etat_libelle(self) -> str:
        return FormationEtat.LABELS.get(self.etat, self.etat)

    def __repr__(self) -> str:
        return f"{self.reference or ''} {self.intitule}".strip()


class FormationCertification(VersionMixin, Model):
    __tablename__ = "formation_certification"
    __table_args__ = (UniqueConstraint("formation_id", "certification_id"),)
    id = Column(Integer, primary_key=True)
    formation_id = Column(Integer, ForeignKey("formation.id"), nullable=False, index=True)
    formation = relationship(Formation, back_populates="certifications")
    certification_id = Column(Integer, ForeignKey("certification.id"), nullable=False, index=True)
    certification = relationship(Certification)
    principal = Column(Boolean, default=False, nullable=False)

    def __repr__(self) -> str:
        return f"{self.certification}"


class Action(Model):
    """An LHEO `action` of an imported formation (J4): the sessions it groups export as one
    `action` again. Its action-level fields live on each of its sessions where the portal uses
    them (durations, lieux, formateurs, financeurs) and in `lheo`, the stored document, for the
    rest (langue-formation, url-action, adresse-information, date-information, extras…)."""

    __tablename__ = "action"
    id = Column(Integer, primary_key=True)
    formation_id = Column(Integer, ForeignKey("formation.id", ondelete="CASCADE"), nullable=False, index=True)
    formation = relationship(Formation, back_populates="actions")
    numero = Column(String(255))  # the action's `numero` in its flow (identity within the formation)
    rang = Column(Integer, default=0, nullable=False)  # its place in the formation
    empreinte = Column(String(64))
    lheo = Column(JSON)
    sessions = relationship("Session", back_populates="action", order_by="Session.debut")

    def __repr__(self) -> str:
        return self.numero or f"Action {self.rang + 1}"


session_rythme = link_nomenclature("session_rythme", "session")
session_modalite_pedagogique = link_nomenclature("session_modalite_pedagogique", "session")
session_bloc = link_table("session_bloc", "session", "bloc_competences")


@stable_reference("S")
class Session(VersionMixin, TimestampMixin, Model):
    """A session, carrying the LHEO action-level fields (one action + one session on export)."""

    __tablename__ = "session"
    id = Column(Integer, primary_key=True)
    reference = REFERENCE()
    formation_id = Column(Integer, ForeignKey("formation.id"), nullable=False, index=True)
    formation = relationship(Formation, back_populates="sessions")
    etat = Column(String(20), default=SessionEtat.BROUILLON, nullable=False, index=True)
    # Dates (F1)
    debut = Column(Date, index=True)
    fin = Column(Date, index=True)
    a_la_demande = Column(Boolean, default=False, nullable=False)
    entree_sortie_permanente = Column(Boolean, default=False, nullable=False)
    # Contact (F5)
    contact_id = Column(Integer, ForeignKey("structure_contact.id"))
    contact = relationship(StructureContact, foreign_keys=[contact_id])
    contact_autre = Column(Text)
    # F5 référents: a contact of the session's structures, or typed when external (name, phone…)
    referent_handicap_contact_id = Column(Integer, ForeignKey("structure_contact.id"))
    referent_handicap_contact = relationship(StructureContact, foreign_keys=[referent_handicap_contact_id])
    referent_handicap = Column(String(255))
    referent_mobilite_contact_id = Column(Integer, ForeignKey("structure_contact.id"))
    referent_mobilite_contact = relationship(StructureContact, foreign_keys=[referent_mobilite_contact_id])
    referent_mobilite = Column(String(255))
    # Durations in hours (F10)
    duree_centre = Column(Integer)
    duree_entreprise = Column(Integer)
    duree_totale = Column(Integer)
    duree_hebdomadaire = Column(Numeric(5, 2))
    duree_indicative = Column(String(150))
    duree_commentaire = Column(Text)
    # Modalités (F11)
    prerequis = Column(Text)
    type_parcours_id = Column(Integer, ForeignKey("nomenclature.id"))
    type_parcours = relationship(Nomenclature, foreign_keys=[type_parcours_id])
    rythmes = relationship(Nomenclature, secondary=session_rythme)
    modalites_commentaire = Column(Text)
    equipements = Column(Text)
    modalite_enseignement_id = Column(Integer, ForeignKey("nomenclature.id"))
    modalite_enseignement = relationship(Nomenclature, foreign_keys=[modalite_enseignement_id])
    modalites_pedagogiques = relationship(Nomenclature, secondary=session_modalite_pedagogique)
    niveau_entree_id = Column(Integer, ForeignKey("nomenclature.id"))
    niveau_entree = relationship(Nomenclature, foreign_keys=[niveau_entree_id])
    niveau_entree_obligatoire = Column(Boolean, default=False, nullable=False)
    # Lieu d'inscription (F12)
    lieu_inscription_id = Column(Integer, ForeignKey("lieu.id"))
    lieu_inscription = relationship(Lieu, foreign_keys=[lieu_inscription_id])
    modalites_inscription = Column(String(255))
    url_session = Column(String(400))
    # Blocs de compétences (F9)
    validation_blocs_id = Column(Integer, ForeignKey("nomenclature.id"))
    validation_blocs = relationship(Nomenclature, foreign_keys=[validation_blocs_id])
    blocs = relationship(BlocCompetences, secondary=session_bloc)

    # Sessions of a draft formation: `in_draft`; `draft_of` is the published session they change
    # (None for a session added in the draft).
    in_draft = Column(Boolean, default=False, nullable=False, index=True)
    draft_of_id = Column(Integer, ForeignKey("session.id", ondelete="SET NULL"), index=True)
    draft_of = relationship("Session", remote_side=[id], foreign_keys=[draft_of_id])
    contact_a_verifier = Column(Boolean, default=False, nullable=False)  # set by duplication (F14)
    # J4: the LHEO action it belongs to (imported offer) and its identity in the source flow
    action_id = Column(Integer, ForeignKey("action.id", ondelete="SET NULL"), index=True)
    action = relationship(Action, back_populates="sessions")
    source_numero = Column(String(255))
    empreinte = Column(String(64))
    lheo = Column(JSON)

    formateurs = relationship("SessionFormateur", back_populates="session", cascade="all, delete-orphan")
    lieux = relationship("SessionLieu", back_populates="session", cascade="all, delete-orphan")
    financements = relationship("Financement", back_populates="session", cascade="all, delete-orphan")
    recrutements = relationship("Recrutement", back_populates="session", cascade="all, delete-orphan")
    cycles = relationship(
        "CycleAlternance", back_populates="session", cascade="all, delete-orphan",
        order_by="CycleAlternance.annee",
    )

    @property
    def etat_libelle(self) -> str:
        return SessionEtat.LABELS.get(self.etat, self.etat)

    def __repr__(self) -> str:
        return self.reference or ""


class SessionFormateur(VersionMixin, Model):
    """An OF formateur of the session (F3); one is principal."""

    __tablename__ = "session_formateur"
    __table_args__ = (UniqueConstraint("session_id", "structure_id"),)
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("session.id"), nullable=False, index=True)
    session = relationship(Session, back_populates="formateurs")
    structure_id = Column(Integer, ForeignKey("structure.id"), nullable=False, index=True)
    structure = relationship(Structure)
    principal = Column(Boolean, default=False, nullable=False)

    def __repr__(self) -> str:
        return f"{self.structure}"


class SessionLieu(VersionMixin, Model):
    """A lieu de formation of the session (F4); one is principal."""

    __tablename__ = "session_lieu"
    __table_args__ = (UniqueConstraint("session_id", "lieu_id"),)
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("session.id"), nullable=False, index=True)
    session = relationship(Session, back_populates="lieux")
    lieu_id = Column(Integer, ForeignKey("lieu.id"), nullable=False, index=True)
    lieu = relationship(Lieu)
    principal = Column(Boolean, default=False, nullable=False)
    a_verifier = Column(Boolean, default=False, nullable=False)  # set by duplication (F14)

    def __repr__(self) -> str:
        return f"{self.lieu}"


class Financement(VersionMixin, Model):
    """A financement of the session (F6): financeur → mesure cascade, places, prices."""

    __tablename__ = "financement"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("session.id"), nullable=False, index=True)
    session = relationship(Session, back_populates="financements")
    financeur_id = Column(Integer, ForeignKey("financeur.id"), nullable=False, index=True)
    financeur = relationship(Financeur)
    mesure_id = Column(Integer, ForeignKey("mesure.id"), nullable=False, index=True)
    mesure = relationship(Mesure)
    etat_dispositif_id = Column(Integer, ForeignKey("nomenclature.id"))  # set by managers only
    etat_dispositif = relationship(Nomenclature, foreign_keys=[etat_dispositif_id])
    etat_recrutement_id = Column(Integer, ForeignKey("nomenclature.id"))
    etat_recrutement = relationship(Nomenclature, foreign_keys=[etat_recrutement_id])
    nb_places = Column(Integer)
    numero_marche = Column(String(50))
    prix_total = Column(Numeric(10, 2))
    frais_inscription = Column(Numeric(10, 2))
    frais_materiel = Column(Numeric(10, 2))
    prix_ht = Column(Numeric(10, 2))
    tva = Column(Numeric(5, 2))  # the rate in %, not an amount (seed 004: Frais HT, Taux TVA, Frais TTC)
    prix_ttc = Column(Numeric(10, 2))  # = HT × (1 + taux), to the cent; computed when left empty
    frais_certification = Column(Numeric(10, 2))  # frais afférents au passage de la certification
    frais_additionnels = Column(Numeric(10, 2))  # montant total des frais additionnels non pris en charge
    frais_additionnels_details = Column(String(600))
    # Seed 004's « Prise en charge des frais pédagogiques » (LHEO prise-en-charge-frais-possible): None
    # leaves it to the financeur (a public or company funder pays), True/False as the organisation says.
    prise_en_charge_frais = Column(Boolean)
    commentaire = Column(Text)
    conditions_prise_en_charge = Column(String(600))

    @property
    def publics(self):
        return self.mesure.publics if self.mesure else []

    def __repr__(self) -> str:
        return f"{self.financeur} – {self.mesure}"


class Recrutement(VersionMixin, Model):
    """A recrutement modality of the session (F13): ICO, RDVI, ISC and the others."""

    __tablename__ = "recrutement"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("session.id"), nullable=False, index=True)
    session = relationship(Session, back_populates="recrutements")
    modalite_id = Column(Integer, ForeignKey("nomenclature.id"), nullable=False)
    modalite = relationship(Nomenclature, foreign_keys=[modalite_id])
    numero = Column(String(30))
    date_debut = Column(Date, index=True)
    date_fin = Column(Date)
    heure_debut = Column(Time)
    heure_fin = Column(Time)
    nb_places = Column(Integer)
    a_distance = Column(Boolean, default=False, nullable=False)
    url = Column(String(400))
    ligne = Column(String(50))
    code_postal = Column(String(5))
    ville = Column(String(50))
    commentaire = Column(String(500))

    def __repr__(self) -> str:
        return f"{self.modalite} {self.numero or ''}".strip()


class CycleAlternance(VersionMixin, Model):
    """One year of an alternance cycle (F8)."""

    __tablename__ = "cycle_alternance"
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("session.id"), nullable=False, index=True)
    session = relationship(Session, back_populates="cycles")
    annee = Column(Integer, nullable=False)
    type_cycle_id = Column(Integer, ForeignKey("nomenclature.id"))
    type_cycle = relationship(Nomenclature, foreign_keys=[type_cycle_id])
    type_alternance_id = Column(Integer, ForeignKey("nomenclature.id"))
    type_alternance = relationship(Nomenclature, foreign_keys=[type_alternance_id])
    effectif_minimal = Column(Integer)
    capacite_simultanee = Column(Integer)
    capacite_cumulee = Column(Integer)
    unite_rythme_id = Column(Integer, ForeignKey("nomenclature.id"))
    unite_rythme = relationship(Nomenclature, foreign_keys=[unite_rythme_id])
    unites_centre = Column(Integer)
    unites_entreprise = Column(Integer)

    def __repr__(self) -> str:
        return f"Année {self.annee}"
