"""Writing an imported flow into the portal and its reconciliation report (SPEC J4, G7).

Identity: a formation is (source, its `numero`); an action is its `numero` within the formation;
a session its `numero` within the action (records without a `numero` get one from their content
or their place, LHEO-NOTES §5). A formation whose digest has not changed is not touched
(re-importing a file changes nothing); a changed one is rewritten, its actions and sessions
matched by number; what the flow no longer carries is archived — sessions within a formation at
once, formations at the end of a complete run (`finish`). Organismes are matched by SIRET to the
portal's structures or created as non-member structures (`Structure.source`); certifications by
RNCP, RS or Certif Info code. Every record read gets one line in the report.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import insert, select

from app.models import (
    Action,
    Certification,
    Financement,
    Financeur,
    Formation,
    FormationCertification,
    FormationEtat,
    LheoImportLine,
    Lieu,
    Mesure,
    MesureKind,
    Nomenclature,
    NomenclatureKind as K,
    Outcome,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureEtat,
)
from app.validators import departement_of_postal_code

from .importer import ACTION_CODES, FORMATION_CODES, Organisme, ParsedAction, ParsedFormation, ParsedSession, Place
from .tree import remove

IMPORT_MESURE = "IMPORT-LHEO"  # the mesure of a financement read from organisme-financeur
IMPORT_MESURE_LABEL = "Dispositif non précisé (import LHEO)"
LINES_BATCH = 500
# nomenclature kind of each coded column
CODE_KINDS = {"niveau_entree": K.NIVEAU, "niveau_sortie": K.NIVEAU, "objectif_general": K.OBJECTIF_GENERAL,
              "modalite_enseignement": K.MODALITE_ENSEIGNEMENT, "type_parcours": K.TYPE_PARCOURS}


class Reconciler:
    def __init__(self, db_session, run, source: str, now: datetime, file_name: str = ""):
        self.db, self.run, self.source, self.now, self.file_name = db_session, run, source, now, file_name
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.seen: set[str] = set()  # formation keys read (imported or refused): never archived as vanished
        self._lines: list[dict] = []
        self._structures: dict[str, Structure | None] = {}
        self._reported_organismes: set[str] = set()
        self._nomenclature: dict[tuple[str, str], int | None] = {}
        self._certifications: dict[tuple[str, str], int | None] = {}
        self._financeurs: dict[str, Financeur | None] = {}
        self._mesures: dict[int, Mesure] = {}
        self._lieux: dict[int, dict[tuple, Lieu]] = {}

    # --- the report ------------------------------------------------------------------------------

    def line(self, kind: str, numero, outcome: str, reason: str | None = None, path: str | None = None,
             reference: str | None = None) -> None:
        self.counts[kind][outcome] += 1
        self._lines.append({"import_id": self.run.id, "kind": kind, "numero": (numero or "")[:255] or None,
                            "outcome": outcome, "reason": reason, "path": (path or "")[:500] or None,
                            "reference": reference})
        if len(self._lines) >= LINES_BATCH:
            self.flush_lines()

    def flush_lines(self) -> None:
        if self._lines:
            self.db.execute(insert(LheoImportLine), self._lines)
            self._lines = []

    def refused(self, numero, path: str, problems) -> None:
        if numero:
            self.seen.add(numero)
        for where, reason in problems:
            self.line("formation", numero, Outcome.REFUSED, reason, where)

    # --- referentials ----------------------------------------------------------------------------

    def code_id(self, kind: str, code: str | None) -> int | None:
        if not code:
            return None
        key = (kind, code)
        if key not in self._nomenclature:
            self._nomenclature[key] = self.db.execute(select(Nomenclature.id).where(
                Nomenclature.kind == kind, Nomenclature.code == code)).scalar()
        return self._nomenclature[key]

    def certification_id(self, kind: str, code: str | None) -> int | None:
        if not code:
            return None
        code = code.strip().upper()
        if kind == "rncp":
            column, value = Certification.code_rncp, "RNCP" + code.removeprefix("RNCP")
        elif kind == "rs":
            column, value = Certification.code_rs, "RS" + code.removeprefix("RS")
        else:
            column, value = Certification.certif_info, code
        key = (kind, value)
        if key not in self._certifications:
            self._certifications[key] = self.db.execute(select(Certification.id).where(column == value)
                                                        .order_by(Certification.id).limit(1)).scalar()
        return self._certifications[key]

    def structure(self, organisme: Organisme) -> Structure | None:
        """The portal's structure of this SIRET (a siège first), else a new non-member one."""
        siret = organisme.siret
        if len(siret) != 14 or not siret.isdecimal():
            return None
        if siret not in self._structures:
            found = sorted(self.db.execute(select(Structure).where(Structure.siret == siret)).scalars(),
                           key=lambda s: (s.etat == StructureEtat.ARCHIVEE, s.parent_id is not None, s.id))
            structure = found[0] if found else None
            if structure is None:
                structure = self._new_structure(organisme)
                outcome, reason = Outcome.CREATED, "structure non adhérente créée (aucune structure de ce SIRET)"
            else:
                outcome, reason = Outcome.MATCHED, "rapproché par SIRET"
            self._structures[siret] = structure
            self.line("organisme", organisme.numero or siret, outcome, f"{reason} : {siret}", organisme.path,
                      structure.reference)
        return self._structures[siret]

    def _new_structure(self, organisme: Organisme) -> Structure:
        raison = organisme.raison_sociale if organisme.raison_sociale not in (None, "", "-") else None
        name = raison or organisme.nom or organisme.siret
        address = organisme.adresse or {}
        structure = Structure(
            raison_sociale=name[:250], enseigne=(organisme.nom[:250] if organisme.nom and organisme.nom != name else None),
            siret=organisme.siret, nda=organisme.nda if organisme.nda and len(organisme.nda) == 11 else None,
            uai=organisme.uai if organisme.uai and len(organisme.uai) == 8 else None,
            ligne=address.get("ligne"), complement=address.get("complement"), code_postal=address.get("code_postal"),
            ville=address.get("ville"), code_insee=(address.get("code_insee") or "")[:5] or None,
            departement_code=departement_of_postal_code(address.get("code_postal") or ""),
            etat=StructureEtat.VALIDEE, source=self.source)
        self.db.add(structure)
        self.db.flush()
        return structure

    def lieu(self, structure: Structure, place: Place) -> Lieu:
        if structure.id not in self._lieux:
            self._lieux[structure.id] = {self._lieu_key(lieu.nom, lieu.ligne, lieu.code_postal, lieu.ville): lieu
                                         for lieu in self.db.execute(select(Lieu).where(
                                             Lieu.structure_id == structure.id)).scalars()}
        address = place.adresse
        key = self._lieu_key(place.nom, address["ligne"], address["code_postal"], address["ville"])
        lieu = self._lieux[structure.id].get(key)
        if lieu is None:
            lieu = Lieu(structure=structure, nom=place.nom, ligne=address["ligne"], complement=address.get("complement"),
                        code_postal=address["code_postal"], ville=address["ville"],
                        code_insee=(address.get("code_insee") or "")[:5] or None, latitude=address.get("latitude"),
                        longitude=address.get("longitude"), siret=place.siret if place.siret and len(place.siret) == 14
                        else None, uai=place.uai if place.uai and len(place.uai) == 8 else None,
                        telephone=place.telephone)
            self.db.add(lieu)
            self._lieux[structure.id][key] = lieu
        return lieu

    @staticmethod
    def _lieu_key(*parts) -> tuple:
        return tuple((part or "").strip().lower() for part in parts)

    def mesure(self, code: str) -> Mesure | None:
        if code not in self._financeurs:
            self._financeurs[code] = self.db.execute(select(Financeur).where(Financeur.code == code)).scalar()
        financeur = self._financeurs[code]
        if financeur is None:
            return None
        if financeur.id not in self._mesures:
            mesure = self.db.execute(select(Mesure).where(Mesure.financeur_id == financeur.id,
                                                          Mesure.code == IMPORT_MESURE)).scalar()
            if mesure is None:
                mesure = Mesure(financeur=financeur, code=IMPORT_MESURE, libelle=IMPORT_MESURE_LABEL,
                                nature=MesureKind.AUTRE)
                self.db.add(mesure)
            self._mesures[financeur.id] = mesure
        return self._mesures[financeur.id]

    # --- one formation ---------------------------------------------------------------------------

    def existing(self, key: str) -> Formation | None:
        return self.db.execute(select(Formation).where(
            Formation.source == self.source, Formation.source_numero == key, Formation.draft_of_id.is_(None))
            .order_by(Formation.id).limit(1)).scalar()

    def formation(self, parsed: ParsedFormation) -> None:
        if parsed.key in self.seen:
            self.line("formation", parsed.key, Outcome.REFUSED, "numéro déjà lu dans ce flux : seule la première "
                      "formation de ce numéro est importée", parsed.path)
            return
        self.seen.add(parsed.key)
        formation = self.existing(parsed.key)
        archived = formation is not None and formation.etat == FormationEtat.ARCHIVEE
        if formation is not None and formation.empreinte == parsed.digest and not archived:
            self._unchanged(formation, parsed)
            return
        responsable = self.structure(parsed.responsable)
        if responsable is None:
            self.line("formation", parsed.key, Outcome.REFUSED, "SIRET de l'organisme responsable absent ou mal "
                      "formé (14 chiffres attendus)", parsed.responsable.path + "/SIRET-organisme-formation")
            return
        created = formation is None
        if created:
            formation = Formation(source=self.source, source_numero=parsed.key, importee=True)
            self.db.add(formation)
        own_changed = created or archived or (formation.lheo or {}).get("digest") != parsed.own_digest
        self._write_formation(formation, parsed, responsable)
        self.db.flush()
        outcome = Outcome.CREATED if created else Outcome.UPDATED if own_changed else Outcome.UNCHANGED
        reason = "réapparue dans le flux : diffusée à nouveau" if archived else None
        self.line("formation", parsed.key, outcome, reason, parsed.path, formation.reference)
        self._warnings(parsed, formation)
        self._write_actions(formation, parsed)
        if created or own_changed:
            from app.workflow.history import record

            record(self.db, formation, "Import LHEO : création" if created else "Import LHEO : mise à jour", None,
                   f"Flux « {self.source} »{', fichier ' + self.file_name if self.file_name else ''}.")

    def _unchanged(self, formation: Formation, parsed: ParsedFormation) -> None:
        self.line("formation", parsed.key, Outcome.UNCHANGED, None, parsed.path, formation.reference)
        sessions = {}
        for session in formation.sessions:
            if session.action is not None:
                sessions[(session.action.numero, session.source_numero)] = session
        for action in parsed.actions:
            self.line("action", action.key, Outcome.UNCHANGED, None, action.path)
            for item in action.sessions:
                session = sessions.get((action.key, item.key))
                self.line("session", item.key, Outcome.UNCHANGED, None, item.path,
                          session.reference if session is not None else None)

    def _warnings(self, parsed: ParsedFormation, formation: Formation) -> None:
        for where, reason in parsed.warnings:
            self.line("formation", parsed.key, Outcome.WARNING, reason, where, formation.reference)

    def _write_formation(self, formation: Formation, parsed: ParsedFormation, responsable: Structure) -> None:
        tree = _copy(parsed.tree)
        columns = list(parsed.columns)
        formation.structure = responsable
        formation.etat = FormationEtat.DIFFUSEE
        formation.importee = True
        formation.importee_le = self.now
        formation.empreinte = parsed.digest
        for column, value in parsed.values.items():
            setattr(formation, column, value)
        formation.objectifs = formation.objectifs or "-"
        for tag, column in FORMATION_CODES.items():
            code_id = self.code_id(CODE_KINDS[column], parsed.codes.get(column))
            setattr(formation, f"{column}_id", code_id)
            if code_id is not None:
                remove(tree, tag)
                columns.append(tag)
        formation.lheo = {"tree": tree, "columns": columns, "digest": parsed.own_digest}
        for name, kind in (("formacodes", K.FORMACODE), ("nsf", K.NSF), ("romes", K.ROME)):
            codes = parsed.codes.get({"formacodes": "formacode", "romes": "rome"}.get(name, name), [])
            ids = [i for i in (self.code_id(kind, code) for code in codes) if i is not None]
            setattr(formation, name, [self.db.get(Nomenclature, i) for i in dict.fromkeys(ids)])
            for code in codes:
                if self.code_id(kind, code) is None:
                    parsed.warnings.append((f"{parsed.path}/domaine-formation",
                                            f"{K.LABELS[kind]} {code} inconnu du référentiel : gardé tel quel"))
        wanted = []
        for index, codes in enumerate(parsed.certifications, start=1):
            found = next(filter(None, (self.certification_id(kind, codes.get(field))
                                       for kind, field in (("rncp", "rncp"), ("rs", "rs"), ("certif_info", "certif_info")))),
                         None)
            if found is None:
                described = ", ".join(f"{k} {v}" for k, v in codes.items() if v) or "sans code"
                parsed.warnings.append((f"{parsed.path}/certification[{index}]",
                                        f"certification inconnue du référentiel ({described}) : gardée telle quelle"))
            elif found not in wanted:
                wanted.append(found)
        current = {link.certification_id: link for link in formation.certifications}
        formation.certifications = [current.get(cid) or FormationCertification(certification_id=cid) for cid in wanted]
        for index, link in enumerate(formation.certifications):
            link.principal = index == 0
        formation.certifiante = bool(formation.certifiante)

    def _write_actions(self, formation: Formation, parsed: ParsedFormation) -> None:
        actions = {action.numero: action for action in formation.actions}
        by_action = defaultdict(dict)
        for session in formation.sessions:
            if session.action_id is not None and not session.in_draft:
                by_action[session.action_id][session.source_numero] = session
        kept_sessions: set[int] = set()
        for rank, item in enumerate(parsed.actions):
            action = actions.get(item.key)
            created = action is None
            if created:
                action = Action(formation=formation, numero=item.key)
                self.db.add(action)
            changed = created or action.empreinte != item.digest
            tree, columns = _copy(item.tree), list(item.columns)
            codes = {}
            for tag, column in ACTION_CODES.items():
                codes[column] = self.code_id(CODE_KINDS[column], item.codes.get(column))
                if codes[column] is not None:
                    remove(tree, tag)
                    columns.append(tag)
            codes["type_parcours"] = self.code_id(K.TYPE_PARCOURS, item.codes.get("type_parcours"))
            action.rang, action.empreinte = rank, item.digest
            action.lheo = {"tree": tree, "columns": columns}
            self.db.flush()
            self.line("action", item.key, Outcome.CREATED if created else Outcome.UPDATED if changed else Outcome.UNCHANGED,
                      None, item.path)
            formateurs = [s for s in (self.structure(o) for o in item.formateurs) if s is not None]
            existing = by_action.get(action.id, {})
            for rang, session_item in enumerate(item.sessions):
                session = self._write_session(formation, action, item, session_item,
                                              existing.get(session_item.key), codes, formateurs)
                session.lheo = {**session.lheo, "rang": rang}
                kept_sessions.add(id(session))
        for session in formation.sessions:
            if session.in_draft or id(session) in kept_sessions or session.etat == SessionEtat.ARCHIVEE:
                continue
            if session.action_id is None and session.source_numero is None:
                continue  # not from the flow
            session.etat = SessionEtat.ARCHIVEE
            self.line("session", session.source_numero, Outcome.ARCHIVED, "absente du flux", None, session.reference)

    def _write_session(self, formation, action, item: ParsedAction, parsed: ParsedSession, session, codes,
                       formateurs) -> None:
        created = session is None
        if created:
            session = Session(formation=formation, action=action, source_numero=parsed.key, in_draft=False)
            self.db.add(session)
        changed = created or session.empreinte != parsed.digest or session.etat == SessionEtat.ARCHIVEE
        session.action = action
        session.etat = SessionEtat.DIFFUSEE
        session.empreinte = parsed.digest
        for column, value in {**item.values, **parsed.values}.items():
            setattr(session, column, value)
        for column, code_id in codes.items():
            setattr(session, f"{column}_id", code_id)
        session.lheo = {"tree": parsed.tree, "columns": parsed.columns}
        # formateurs (F3), lieux (F4), financements (F6): what the portal's pages, search and scope read
        _replace_links(session.formateurs, [s.id for s in formateurs], "structure_id",
                       lambda sid: SessionFormateur(structure_id=sid))
        for index, link in enumerate(session.formateurs):
            link.principal = index == 0
        owner = formateurs[0] if formateurs else formation.structure
        lieux = []
        for place in item.places:
            lieu = self.lieu(owner, place)
            if lieu not in lieux:
                lieux.append(lieu)
        self.db.flush()
        _replace_links(session.lieux, [lieu.id for lieu in lieux], "lieu_id", lambda lid: SessionLieu(lieu_id=lid))
        for index, link in enumerate(session.lieux):
            link.principal = index == 0
        financements = []
        for code, places in item.financeurs:
            mesure = self.mesure(code)
            if mesure is not None:
                financements.append(Financement(financeur=mesure.financeur, mesure=mesure, nb_places=places))
        session.financements = financements
        self.db.flush()
        self.line("session", parsed.key, Outcome.CREATED if created else Outcome.UPDATED if changed else Outcome.UNCHANGED,
                  None, parsed.path, session.reference)
        return session

    # --- the end of a complete run -----------------------------------------------------------------

    def archive_vanished(self) -> int:
        """Formations of the source the run did not read: archived with their sessions."""
        from app.workflow.history import record

        archived = 0
        rows = self.db.execute(select(Formation).where(
            Formation.source == self.source, Formation.draft_of_id.is_(None),
            Formation.etat != FormationEtat.ARCHIVEE)).scalars().all()
        for formation in rows:
            if formation.source_numero in self.seen:
                continue
            formation.etat = FormationEtat.ARCHIVEE
            for session in formation.sessions:
                if session.etat != SessionEtat.ARCHIVEE:
                    session.etat = SessionEtat.ARCHIVEE
                    self.line("session", session.source_numero, Outcome.ARCHIVED, "formation absente du flux", None,
                              session.reference)
            record(self.db, formation, "Import LHEO : archivage", None,
                   f"Absente du flux « {self.source} » importé le {self.now:%d/%m/%Y}.")
            self.line("formation", formation.source_numero, Outcome.ARCHIVED, "absente du flux", None,
                      formation.reference)
            archived += 1
        return archived


def _copy(tree):
    import copy

    return copy.deepcopy(tree)


def _replace_links(links: list, wanted_ids: list[int], attribute: str, make) -> None:
    """Keep the link rows whose target is wanted, drop the others, add the missing ones (a link
    table's unique constraint forbids dropping and adding the same pair in one flush)."""
    wanted = list(dict.fromkeys(wanted_ids))
    for link in list(links):
        if getattr(link, attribute) not in wanted:
            links.remove(link)
    present = {getattr(link, attribute) for link in links}
    for target in wanted:
        if target not in present:
            links.append(make(target))
