"""The workflow engine and its two tables (SPEC G1–G7, E11, C9): every state reachable, no dead
transition, each target as declared, history written by the engine, guards' French reasons, and
the G3 purge of formations in creation never submitted."""
from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Financement,
    Formation,
    HistoryEntry,
    Nomenclature,
    NomenclatureKind,
    Session,
    Structure,
    StructureChange,
    StructureEtat,
)
from app.models.workflow import FormationEtat as F
from app.models.workflow import StructureChangeEtat as E
from app.workflow import drafts
from app.workflow.engine import CLOSED, CONTACT, MANAGER, TransitionRefused
from app.workflow.locks import IMPORTED
from app.workflow.purge import purge_drafts
from app.workflow.structure_changes import STRUCTURE_CHANGE_WORKFLOW
from app.workflow.transitions import FORMATION_WORKFLOW, available, fire
from tests.helpers import formation_like

COMMENT = "Commentaire du test."


def users():
    from flask import current_app

    sm = current_app.appbuilder.sm
    return sm.find_user(username="contact"), sm.find_user(username="gestionnaire")


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def last_history(entity: str, entity_id: int) -> HistoryEntry | None:
    return db.session.execute(select(HistoryEntry).where(HistoryEntry.entity == entity, HistoryEntry.entity_id == entity_id)
                              .order_by(HistoryEntry.id.desc())).scalars().first()


def copy_of(formation: Formation, etat: str) -> Formation:
    """A new formation like `formation` (sessions with their dates and child rows), in `etat`."""
    with db.session.no_autoflush:
        copy = drafts.copy_row(formation, etat=etat, draft_of=None, importee=False, archive_requested_at=None)
        for name in drafts.FORMATION_M2M:
            setattr(copy, name, list(getattr(formation, name)))
        copy.certifications = [drafts.copy_row(link) for link in formation.certifications]
        db.session.add(copy)
    for session in formation.sessions:
        drafts.copy_session(db.session, session, copy, in_draft=False, draft_of=None)
    db.session.commit()
    return copy


def record_in(state: str, draft: bool, archive_requested: bool = False) -> Formation:
    """A fresh formation in `state` that passes the checks: a copy of *Sécurité incendie* (CFA, in
    creation), or the draft of a copy of *Bureautique* (Horizon, published)."""
    if draft:
        contact, _ = users()
        record = fire(db.session, "request_change", copy_of(formation_like("Bureautique%"), F.DIFFUSEE), contact, CONTACT)
    else:
        record = copy_of(formation_like("Sécurité incendie%"), state)
        record.sessions[0].contact = record.structure.contacts[0]
    record.etat = state
    record.archive_requested_at = datetime.utcnow() if archive_requested else None
    db.session.commit()
    return record


def motif() -> Nomenclature:
    return db.session.execute(select(Nomenclature).where(Nomenclature.kind == NomenclatureKind.MOTIF_ARCHIVAGE)
                              .order_by(Nomenclature.ordre)).scalars().first()


def reachable(workflow) -> set:
    seen, todo = {workflow.initial}, [workflow.initial]
    while todo:
        state = todo.pop()
        for transition in workflow.transitions.values():
            if state in transition.sources:
                for target in transition.targets - {None, CLOSED} - seen:
                    seen.add(target)
                    todo.append(target)
    return seen


@pytest.mark.parametrize("workflow", [FORMATION_WORKFLOW, STRUCTURE_CHANGE_WORKFLOW], ids=["formation", "structure"])
def test_r_g1_every_state_is_reachable_and_no_transition_is_dead(workflow):
    states = set(workflow.states)
    assert workflow.initial in states
    assert reachable(workflow) == states, "a declared state no transition leads to"
    for transition in workflow.transitions.values():
        assert transition.sources <= states, f"{transition.name}: unknown source state"
        assert transition.sources & reachable(workflow), f"{transition.name}: fired from no reachable state"
        assert transition.targets - {None, CLOSED} <= states, f"{transition.name}: unknown target state"
        assert transition.actors <= {CONTACT, MANAGER} and transition.actors


def _cases():
    """(transition, source state, draft?): every source of every formation transition, on a draft
    where the transition is for drafts (Supprimer ma demande) and on both kinds where the target
    depends on it (Annuler ma demande de vérification, Valider, Refuser)."""
    cases = []
    for transition in FORMATION_WORKFLOW.transitions.values():
        for source in sorted(transition.sources):
            if transition.name == "drop_request" or source == F.BROUILLON:
                kinds = [True]  # only a draft is in brouillon
            elif transition.name == "request_change":
                kinds = [False]
            elif source == F.EN_ATTENTE and transition.name in ("cancel", "accept", "reject"):
                kinds = [False, True]
            else:
                kinds = [False]
            cases += [(transition.name, source, kind) for kind in kinds]
    return cases


SAME = "unchanged"
# SPEC G1, G2, G4, G5, E11 written apart from the table: (transition, on a draft?) -> the state of
# the record shown next (SAME: the state it had; for a dropped draft, its published formation's).
SPEC_TARGETS = {
    ("submit", False): F.EN_ATTENTE, ("submit", True): F.EN_ATTENTE,
    ("cancel", False): F.EN_CREATION, ("cancel", True): F.BROUILLON,
    ("request_change", False): F.BROUILLON,  # the draft; the published formation stays diffusée
    ("drop_request", True): SAME,
    ("accept", False): F.DIFFUSEE, ("accept", True): F.DIFFUSEE,
    ("ask_information", False): F.COMPLEMENT,
    ("request_archive", False): SAME,  # a request: the Carif-Oref decides
    ("archive", False): F.ARCHIVEE,
    ("refuse_archive", False): SAME, ("refuse_archive", True): SAME,
    ("reject", False): F.NON_DIFFUSEE, ("reject", True): SAME,  # a refused change is dropped
}


def test_r_g1_r_g6_each_formation_transition_leads_to_its_declared_target_and_is_recorded(app, reset_demo):
    contact, manager = users()
    failures = []
    for name, source, is_draft in _cases():
        transition = FORMATION_WORKFLOW.transitions[name]
        item = record_in(source, is_draft, archive_requested=name == "refuse_archive")
        actor, user = (MANAGER, manager) if MANAGER in transition.actors else (CONTACT, contact)
        expected = transition.target_for(item)
        if (expected or SAME) != SPEC_TARGETS[name, is_draft]:
            failures.append(f"{name} from {source} (draft={is_draft}): declared {expected}, "
                            f"the SPEC says {SPEC_TARGETS[name, is_draft]}")
        subject = item.draft_of or item  # a draft's history is its published formation's
        subject_id, subject_state = subject.id, subject.etat
        result = fire(db.session, name, item, user, actor, comment=COMMENT, motif=motif())
        db.session.expire_all()
        result = db.session.get(Formation, result.id)
        wanted = expected if expected is not None else (source if result.id == item.id else subject_state)
        if result.etat != wanted:
            failures.append(f"{name} from {source} (draft={is_draft}): {result.etat}, declared {wanted}")
        entry = last_history("formation", subject_id)
        if entry is None or (entry.action, entry.comment, entry.author_id) != (transition.action, COMMENT, user.id):
            failures.append(f"{name} from {source} (draft={is_draft}): history {entry and entry.action!r}")
    assert failures == []


def test_r_g1_every_formation_transition_is_exercised():
    fired = {name for name, _, _ in _cases()}
    assert fired == set(FORMATION_WORKFLOW.transitions)
    sources = {(name, source) for name, source, _ in _cases()}
    assert sources == {(t.name, s) for t in FORMATION_WORKFLOW.transitions.values() for s in t.sources}


def test_r_c9_r_g6_each_structure_change_transition_leads_to_its_declared_target_and_is_recorded(app, reset_demo):
    contact, manager = users()
    structure = db.session.execute(select(Structure).where(Structure.etat == StructureEtat.VALIDEE)
                                   .order_by(Structure.id)).scalars().first()
    # C9, G4, G5 written apart from the table; CLOSED: the request is gone (applied or dropped).
    spec = {"submit": E.EN_ATTENTE, "cancel": E.BROUILLON, "drop": CLOSED, "accept": CLOSED,
            "ask_information": E.COMPLEMENT, "reject": CLOSED}
    assert {name: t.target for name, t in STRUCTURE_CHANGE_WORKFLOW.transitions.items()} == spec
    failures = []
    for transition in STRUCTURE_CHANGE_WORKFLOW.transitions.values():
        for source in sorted(transition.sources):
            db.session.query(StructureChange).filter(StructureChange.structure_id == structure.id).delete()
            change = StructureChange(structure=structure, payload=json.dumps({"enseigne": f"Enseigne {transition.name}"}),
                                     etat=source, author=contact)
            db.session.add(change)
            db.session.commit()
            actor, user = (MANAGER, manager) if MANAGER in transition.actors else (CONTACT, contact)
            STRUCTURE_CHANGE_WORKFLOW.fire(db.session, transition.name, change, user, actor, comment=COMMENT)
            db.session.expire_all()
            left = db.session.execute(select(StructureChange).where(StructureChange.structure_id == structure.id)
                                      ).scalar_one_or_none()
            state = CLOSED if left is None else left.etat
            if state != transition.target:
                failures.append(f"{transition.name} from {source}: {state}, declared {transition.target}")
            entry = last_history("structure", structure.id)
            if (entry.action, entry.comment, entry.author_id) != (transition.action, COMMENT, user.id):
                failures.append(f"{transition.name} from {source}: history {entry.action!r}")
    assert failures == []
    assert db.session.get(Structure, structure.id).enseigne == "Enseigne accept"  # only accepting applies it


def test_r_g4_drop_request_is_for_drafts_only_and_says_why(app, reset_demo):
    contact, _ = users()
    formation = record_in(F.COMPLEMENT, draft=False)
    assert "drop_request" not in [t.name for t in available(formation, CONTACT)]
    with pytest.raises(TransitionRefused) as refused:
        fire(db.session, "drop_request", formation, contact, CONTACT)
    assert str(refused.value) == ("Seul le brouillon d'une demande de modification peut être supprimé : la formation "
                                  "elle-même ne l'est jamais (demandez son archivage).")
    assert db.session.get(Formation, formation.id) is not None


def test_r_g2_a_second_demande_de_modification_is_refused_while_the_draft_is_open(app, reset_demo):
    contact, _ = users()
    published = formation_like("Bureautique%")
    fire(db.session, "request_change", published, contact, CONTACT)
    assert "request_change" not in [t.name for t in available(published, CONTACT)]
    with pytest.raises(TransitionRefused, match="Une demande de modification est déjà en cours"):
        fire(db.session, "request_change", published, contact, CONTACT)


def test_r_g7_imported_formations_refuse_contacts_in_french(app, reset_demo):
    contact, manager = users()
    formation = formation_like("Sécurité incendie%")
    formation.importee = True
    db.session.commit()
    assert available(formation, CONTACT) == []
    with pytest.raises(TransitionRefused) as refused:
        fire(db.session, "submit", formation, contact, CONTACT)
    assert str(refused.value) == IMPORTED
    assert "archive" in [t.name for t in available(formation, MANAGER)]


def test_r_g1_the_engine_refuses_a_state_or_an_actor_the_table_does_not_allow(app):
    contact, _ = users()
    published = formation_like("Bureautique%")
    with pytest.raises(TransitionRefused, match="Action impossible : la formation est « Diffusée »."):
        fire(db.session, "submit", published, contact, CONTACT)
    with pytest.raises(TransitionRefused, match="Action impossible"):
        fire(db.session, "accept", formation_like("Électricien%"), contact, CONTACT)


# --- G3: formations in creation never submitted are purged after 14 days -----------------------------

def _age(formation: Formation, days: int) -> None:
    formation.created_at = datetime.utcnow() - timedelta(days=days)


def test_r_g3_purge_drops_a_formation_in_creation_never_submitted_after_14_days(app, reset_demo):
    contact, _ = users()
    old = formation_like("Sécurité incendie%")
    _age(old, 15)
    old_id, session_ids = old.id, [s.id for s in old.sessions]
    reference, structure_id = old.reference, old.structure_id
    young = formation_like("Développeur d'applications blockchain%")
    _age(young, 13)
    submitted_once = record_in(F.EN_CREATION, draft=False)
    fire(db.session, "submit", submitted_once, contact, CONTACT)
    fire(db.session, "cancel", submitted_once, contact, CONTACT)
    assert submitted_once.etat == F.EN_CREATION
    _age(submitted_once, 20)
    migrated = record_in(F.EN_CREATION, draft=False)  # submitted in a former system: only the history says so
    db.session.add(HistoryEntry(entity="formation", entity_id=migrated.id, action="Soumission pour validation"))
    _age(migrated, 30)
    imported = record_in(F.EN_CREATION, draft=False)
    imported.importee = True  # its organisation cannot submit it (G7)
    _age(imported, 30)
    other_state = formation_like("Accompagnement à la validation%")  # non diffusée
    _age(other_state, 400)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["workflow", "purge-drafts"])
    assert result.exit_code == 0 and "1 brouillon(s) ou formation(s) en cours de création non soumis supprimé(s)." in result.output

    db.session.expire_all()
    assert db.session.get(Formation, old_id) is None
    assert db.session.execute(select(Session).where(Session.id.in_(session_ids))).first() is None
    assert db.session.execute(select(Financement).where(Financement.session_id.in_(session_ids))).first() is None
    assert db.session.execute(select(HistoryEntry).where(HistoryEntry.entity == "formation",
                                                         HistoryEntry.entity_id == old_id)).first() is None
    trace = last_history("structure", structure_id)
    assert trace.action == "Suppression automatique d'une formation non soumise" and reference in trace.comment
    for kept in (young, submitted_once, migrated, imported, other_state):
        assert db.session.get(Formation, kept.id) is not None, kept.intitule


def test_r_g3_purge_keeps_a_young_formation_in_creation(app, reset_demo):
    formation = formation_like("Sécurité incendie%")
    _age(formation, 13)
    db.session.commit()
    assert purge_drafts(db.session) == 0
    assert purge_drafts(db.session, now=datetime.utcnow() + timedelta(days=2)) == 1  # 15 days later; not the École's
    assert db.session.get(Formation, formation.id) is None


def test_r_g3_the_formation_page_tells_the_contact_when_it_will_be_purged(login, reset_demo):
    contact, _ = users()
    formation = formation_like("Sécurité incendie%")
    _age(formation, 3)
    db.session.commit()
    purge_on = (formation.created_at + timedelta(days=14)).strftime("%d/%m/%Y")
    client = login("contact")
    page = text(client.get(f"/formationview/show/{formation.id}"))
    assert (f"Cette formation en cours de création sera supprimée automatiquement, avec ses sessions, le {purge_on} "
            "si elle n'est pas soumise pour validation.") in page
    pending = text(client.get(f"/formationview/show/{formation_like('Électricien%').id}"))
    assert "sera supprimée automatiquement" not in pending
    formation = formation_like("Sécurité incendie%")
    formation.sessions[0].contact = formation.structure.contacts[0]
    db.session.commit()
    fire(db.session, "submit", formation, contact, CONTACT)
    fire(db.session, "cancel", formation, contact, CONTACT)
    page = text(client.get(f"/formationview/show/{formation.id}"))
    assert "En cours de création" in page and "sera supprimée automatiquement" not in page
