"""Reading the offer for the LHEO export, a chunk of formations at a time (SPEC J1, J3).

Core queries, a fixed number per chunk whatever its rows (never one per formation or session),
turned into light records that carry the ORM models' attribute names (`session.formation`,
`financement.mesure.publics`, `structure.contacts`…): the mapping (mapping.py) and the partner
perimeters (app/checks/partners.py) read them exactly as they read ORM objects, without the
ORM's cost per row. Memory holds one chunk and the referentials, whatever the offer's size.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import exists, select, union
from sqlalchemy.orm import aliased

from app.models import (
    Action,
    BlocCompetences,
    Certification,
    Coordonnee,
    CycleAlternance,
    Financement,
    Financeur,
    Formation,
    FormationCertification,
    FormationEtat,
    Lieu,
    Mesure,
    Nomenclature,
    Recrutement,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
)
from app.models.offer import (
    formation_formacode,
    formation_nsf,
    formation_rome,
    session_bloc,
    session_modalite_pedagogique,
    session_rythme,
)
from app.models.referentials import certification_formacode, certification_nsf, certification_rome, mesure_public
from app.models.structures import structure_infrastructure, structure_label, structure_potentiel

CHUNK_SIZE = 500  # formations per chunk: ~25 queries each, a few tens of megabytes of records
IN_BATCH = 5000  # ids per IN (…) list, below every database's parameter limit

# What may be exported at all (G1, G2): published formations that are not a draft nor on hold,
# and their validated sessions that are not a draft's copy. Partners narrow it further (partners.py).
PUBLISHED_FORMATION = (Formation.etat == FormationEtat.DIFFUSEE, Formation.draft_of_id.is_(None),
                       Formation.en_suspens.is_(False))
PUBLISHED_SESSION = (Session.etat == SessionEtat.DIFFUSEE, Session.in_draft.is_(False))


class Record:
    """A row with the model's attribute names (relationships included); compared and hashed by
    identity, as ORM objects are. Its attributes are the given dict itself (no copy)."""

    def __init__(self, values: dict | None = None, **more):
        self.__dict__ = values if values is not None else more

    def __repr__(self) -> str:
        return f"Record({self.__dict__.get('reference') or self.__dict__.get('id')})"


def _records(db_session, statement) -> list[Record]:
    result = db_session.connection().execute(statement)  # Core: no ORM layer per row
    keys = list(result.keys())
    return [Record(dict(zip(keys, row))) for row in result.all()]


def _batches(ids) -> Iterator[list]:
    ids = list(ids)
    for start in range(0, len(ids), IN_BATCH):
        yield ids[start:start + IN_BATCH]


def _pairs(db_session, table, left: str, right: str, ids) -> dict[int, list[int]]:
    """left id → right ids of a link table."""
    result: dict[int, list[int]] = defaultdict(list)
    for batch in _batches(ids):
        rows = db_session.execute(select(table.c[left], table.c[right]).where(table.c[left].in_(batch)))
        for left_id, right_id in rows:
            result[left_id].append(right_id)
    return result


class Referentials:
    """Code lists, financeurs and mesures (read once per export), certifications (read when a
    chunk first needs them): bounded by the referentials, not by the offer."""

    def __init__(self, db_session):
        self.db = db_session
        self.nomenclature = {r.id: r for r in _records(db_session, select(Nomenclature.__table__))}
        self.financeurs = {r.id: r for r in _records(db_session, select(Financeur.__table__))}
        publics = _pairs(db_session, mesure_public, "mesure_id", "nomenclature_id", [
            m for (m,) in db_session.execute(select(Mesure.id))])
        self.mesures = {}
        for mesure in _records(db_session, select(Mesure.__table__)):
            mesure.financeur = self.financeurs.get(mesure.financeur_id)
            mesure.publics = self.codes(publics.get(mesure.id, ()))
            self.mesures[mesure.id] = mesure
        self.certifications: dict[int, Record] = {}

    def code(self, nomenclature_id):
        return self.nomenclature.get(nomenclature_id) if nomenclature_id is not None else None

    def codes(self, ids) -> list:
        return [self.nomenclature[i] for i in ids if i in self.nomenclature]

    def certification(self, certification_id) -> Record | None:
        return self.certifications.get(certification_id)

    def load_certifications(self, ids) -> None:
        missing = [i for i in set(ids) if i not in self.certifications]
        if not missing:
            return
        db = self.db
        rows = []
        for batch in _batches(missing):
            rows += _records(db, select(Certification.__table__).where(Certification.id.in_(batch)))
        links = {name: _pairs(db, table, "certification_id", "nomenclature_id", missing)
                 for name, table in (("nsf", certification_nsf), ("formacodes", certification_formacode),
                                     ("romes", certification_rome))}
        blocs = defaultdict(list)
        for batch in _batches(missing):
            for bloc in _records(db, select(BlocCompetences.__table__)
                                 .where(BlocCompetences.certification_id.in_(batch)).order_by(BlocCompetences.code)):
                blocs[bloc.certification_id].append(bloc)
        for certification in rows:
            certification.code = certification.code_rncp or certification.code_rs or certification.certif_info or ""
            certification.niveau_sortie = self.code(certification.niveau_sortie_id)
            for name, pairs in links.items():
                setattr(certification, name, self.codes(pairs.get(certification.id, ())))
            certification.blocs = blocs.get(certification.id, [])
            for bloc in certification.blocs:
                bloc.certification = certification
            self.certifications[certification.id] = certification

def imported_from(source: str) -> tuple[tuple, tuple]:
    """(formation, session) conditions of what an import of `source` brought and did not archive
    (J4: `flask lheo export --source`), whatever their dates: the round trip gives it all back."""
    return ((Formation.source == source, Formation.draft_of_id.is_(None), Formation.etat != FormationEtat.ARCHIVEE,
             Formation.en_suspens.is_(False)),  # G1: a formation on hold leaves every export
            (Session.etat != SessionEtat.ARCHIVEE, Session.in_draft.is_(False)))


def published_formations(db_session, chunk_size: int = CHUNK_SIZE, formation_ids=None,
                         session_filter=None, source: str | None = None) -> Iterator[list[Record]]:
    """The published formations having a validated session, by chunks of `chunk_size` (ordered by
    id, keyset-paginated), each with its validated sessions and everything the mapping reads.
    `formation_ids` narrows the selection (an export of selected rows); `session_filter`, a select
    of session ids (a user's search and checked rows), narrows the sessions themselves; `source`
    takes instead the formations imported from that source (`imported_from`)."""
    refs = Referentials(db_session)
    published, sessions = (PUBLISHED_FORMATION, PUBLISHED_SESSION) if source is None else imported_from(source)
    sessions = sessions + ((Session.id.in_(session_filter),) if session_filter is not None else ())
    has_session = exists().where(Session.formation_id == Formation.id, *sessions)
    selected = (Formation.id.in_(list(formation_ids)),) if formation_ids is not None else ()
    last = 0
    while True:
        statement = select(Formation.__table__).where(*published, *selected, has_session,
                                                       Formation.id > last)
        formations = _records(db_session, statement.order_by(Formation.id).limit(chunk_size))
        if not formations:
            return
        chunk = (Formation.id > last, Formation.id <= formations[-1].id, *published, *selected)
        last = formations[-1].id
        yield _Chunk(db_session, refs, formations, chunk, sessions).load()


class _Chunk:
    """One chunk's queries select by the chunk's id range and sub-selects (a few parameters
    each), not by lists of ids."""

    def __init__(self, db_session, refs: Referentials, formations: list[Record], chunk, sessions=PUBLISHED_SESSION):
        self.db, self.refs, self.formations = db_session, refs, formations
        self.by_id = {f.id: f for f in formations}
        self.formation_ids = select(Formation.id).where(*chunk)
        self.session_ids = (select(Session.id).join(Formation, Formation.id == Session.formation_id)
                            .where(*chunk, *sessions))
        self.structure_ids = select(Formation.structure_id).where(*chunk).union(
            select(SessionFormateur.structure_id).where(SessionFormateur.session_id.in_(self.session_ids)))

    def _session_children(self, model, order=None) -> dict[int, list[Record]]:
        """Rows of a session's child table, for the chunk's validated sessions (one query)."""
        table = model.__table__
        statement = (select(table).where(table.c.session_id.in_(self.session_ids))
                     .order_by(*(order or (table.c.id,))))
        result: dict[int, list[Record]] = defaultdict(list)
        for row in _records(self.db, statement):
            result[row.session_id].append(row)
        return result

    def _session_links(self, table, right: str) -> dict[int, list[int]]:
        statement = select(table.c.session_id, table.c[right]).where(table.c.session_id.in_(self.session_ids))
        result: dict[int, list[int]] = defaultdict(list)
        for session_id, right_id in self.db.connection().execute(statement):
            result[session_id].append(right_id)
        return result

    def _formation_links(self, table, right: str) -> dict[int, list[int]]:
        statement = select(table.c.formation_id, table.c[right]).where(table.c.formation_id.in_(self.formation_ids))
        result: dict[int, list[int]] = defaultdict(list)
        for formation_id, right_id in self.db.connection().execute(statement):
            result[formation_id].append(right_id)
        return result

    def load(self) -> list[Record]:
        db, refs, code = self.db, self.refs, self.refs.code
        sessions = _records(db, select(Session.__table__).where(Session.id.in_(self.session_ids))
                            .order_by(Session.formation_id, Session.debut, Session.id))
        # E3 reads the OF formateurs of every session of the formation, whatever its state.
        formateur_sirets: dict[int, list[str]] = defaultdict(list)
        for formation_id, siret in db.connection().execute(
                select(Session.formation_id, Structure.siret)
                .join(SessionFormateur, SessionFormateur.session_id == Session.id)
                .join(Structure, Structure.id == SessionFormateur.structure_id)
                .where(Session.formation_id.in_(self.formation_ids))):
            formateur_sirets[formation_id].append(siret)
        links = defaultdict(list)
        for link in _records(db, select(FormationCertification.__table__)
                             .where(FormationCertification.formation_id.in_(self.formation_ids))
                             .order_by(FormationCertification.id)):
            links[link.formation_id].append(link)
        refs.load_certifications(link.certification_id for rows in links.values() for link in rows)
        domains = {name: self._formation_links(table, "nomenclature_id")
                   for name, table in (("formacodes", formation_formacode), ("nsf", formation_nsf),
                                       ("romes", formation_rome))}

        formateurs = self._session_children(SessionFormateur)
        lieux_links = self._session_children(SessionLieu)
        financements = self._session_children(Financement)
        recrutements = self._session_children(Recrutement)
        cycles = self._session_children(CycleAlternance, (CycleAlternance.annee, CycleAlternance.id))
        rythmes = self._session_links(session_rythme, "nomenclature_id")
        pedagogiques = self._session_links(session_modalite_pedagogique, "nomenclature_id")
        blocs = self._session_links(session_bloc, "bloc_competences_id")

        # LHEO actions of imported formations: their sessions export as one action (J4)
        actions = {action.id: action for action in _records(
            db, select(Action.__table__).where(Action.formation_id.in_(self.formation_ids)))}

        structures = self._structures()
        lieux = self._lieux()
        contacts = self.contacts

        bloc_index = {bloc.id: bloc for c in refs.certifications.values() for bloc in c.blocs}
        by_formation = defaultdict(list)
        for session in sessions:
            session.contact = contacts.get(session.contact_id)
            session.referent_handicap_contact = contacts.get(session.referent_handicap_contact_id)
            session.referent_mobilite_contact = contacts.get(session.referent_mobilite_contact_id)
            session.action = actions.get(session.action_id)
            session.lieu_inscription = lieux.get(session.lieu_inscription_id)
            for name in ("type_parcours", "modalite_enseignement", "niveau_entree", "validation_blocs"):
                setattr(session, name, code(getattr(session, f"{name}_id")))
            session.rythmes = refs.codes(rythmes.get(session.id, ()))
            session.modalites_pedagogiques = refs.codes(pedagogiques.get(session.id, ()))
            session.blocs = [bloc_index[b] for b in blocs.get(session.id, ()) if b in bloc_index]
            session.formateurs = formateurs.get(session.id, [])
            for link in session.formateurs:
                link.structure = structures.get(link.structure_id)
            session.lieux = lieux_links.get(session.id, [])
            for link in session.lieux:
                link.lieu = lieux.get(link.lieu_id)
            session.financements = financements.get(session.id, [])
            for financement in session.financements:
                financement.financeur = refs.financeurs.get(financement.financeur_id)
                financement.mesure = refs.mesures.get(financement.mesure_id)
                financement.publics = financement.mesure.publics if financement.mesure else []
                financement.etat_dispositif = code(financement.etat_dispositif_id)
                financement.etat_recrutement = code(financement.etat_recrutement_id)
            session.recrutements = recrutements.get(session.id, [])
            for recrutement in session.recrutements:
                recrutement.modalite = code(recrutement.modalite_id)
            session.cycles = cycles.get(session.id, [])
            for cycle in session.cycles:
                cycle.type_cycle = code(cycle.type_cycle_id)
                cycle.type_alternance = code(cycle.type_alternance_id)
                cycle.unite_rythme = code(cycle.unite_rythme_id)
            by_formation[session.formation_id].append(session)

        for formation in self.formations:
            formation.structure = structures.get(formation.structure_id)
            formation.draft_of = None
            for name in ("niveau_entree", "niveau_sortie", "objectif_general"):
                setattr(formation, name, code(getattr(formation, f"{name}_id")))
            for name, pairs in domains.items():
                setattr(formation, name, refs.codes(pairs.get(formation.id, ())))
            formation.certifications = links.get(formation.id, [])
            for link in formation.certifications:
                link.certification = refs.certification(link.certification_id)
            formation.sessions = by_formation.get(formation.id, [])
            for session in formation.sessions:
                session.formation = formation
            formation.formateur_sirets = formateur_sirets.get(formation.id, [])
        return self.formations

    def _structures(self) -> dict[int, Record]:
        """The OF responsables and formateurs of the chunk, with their child rows; the contacts
        of the structures and the sessions' contacts (who may belong to another structure)."""
        db, refs = self.db, self.refs
        parent = aliased(Structure)
        structures: dict[int, Record] = {}
        for row in _records(db, select(Structure.__table__, parent.nda.label("parent_nda"))
                            .outerjoin(parent, parent.id == Structure.parent_id)
                            .where(Structure.id.in_(self.structure_ids))):
            row.parent = Record(nda=row.parent_nda) if row.parent_id is not None else None
            row.type = refs.code(row.type_id)
            row.coordonnees, row.contacts = [], []
            structures[row.id] = row
        for coordonnee in _records(db, select(Coordonnee.__table__)
                                   .where(Coordonnee.structure_id.in_(self.structure_ids)).order_by(Coordonnee.id)):
            structures[coordonnee.structure_id].coordonnees.append(coordonnee)
        self.contacts: dict[int, Record] = {}
        session_contacts = union(*(select(column).where(Session.id.in_(self.session_ids)) for column in (
            Session.contact_id, Session.referent_handicap_contact_id, Session.referent_mobilite_contact_id)))
        for contact in _records(db, select(StructureContact.__table__).where(
                StructureContact.structure_id.in_(self.structure_ids) | StructureContact.id.in_(session_contacts))
                .order_by(StructureContact.id)):
            contact.type_contact = refs.code(contact.type_contact_id)
            self.contacts[contact.id] = contact
            if contact.structure_id in structures:
                structures[contact.structure_id].contacts.append(contact)
        for name, table in (("infrastructures", structure_infrastructure), ("labels", structure_label),
                            ("potentiel_formacodes", structure_potentiel)):
            pairs: dict[int, list[int]] = defaultdict(list)
            for structure_id, nomenclature_id in db.connection().execute(
                    select(table.c.structure_id, table.c.nomenclature_id)
                    .where(table.c.structure_id.in_(self.structure_ids))):
                pairs[structure_id].append(nomenclature_id)
            for structure in structures.values():
                setattr(structure, name, refs.codes(pairs.get(structure.id, ())))
        return structures

    def _lieux(self) -> dict[int, Record]:
        """The chunk's lieux de formation and lieux d'inscription."""
        training = select(SessionLieu.lieu_id).where(SessionLieu.session_id.in_(self.session_ids))
        registration = select(Session.lieu_inscription_id).where(Session.id.in_(self.session_ids))
        return {lieu.id: lieu for lieu in _records(self.db, select(Lieu.__table__).where(
            Lieu.id.in_(training) | Lieu.id.in_(registration)))}
