"""Workflow of formations (SPEC G1–G6): each transition, the copy-on-write draft, the diff."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.lheo.export import export_bytes
from app.models import Formation, HistoryEntry, Recrutement, Session
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.workflow.diff import formation_diff
from app.workflow.drafts import current_draft
from app.workflow.locks import lock_reason
from app.workflow.transitions import CONTACT, MANAGER, TransitionRefused, available, fire
from tests.helpers import formation_like


def users():
    from flask import current_app

    sm = current_app.appbuilder.sm
    return sm.find_user(username="contact"), sm.find_user(username="gestionnaire")


def bureautique() -> Formation:
    """Horizon, published, non certifiante, two published sessions."""
    return formation_like("Bureautique%")


def securite() -> Formation:
    """CFA, en cours de création, one draft session."""
    return formation_like("Sécurité incendie%")


def history(formation) -> list[str]:
    return [e.action for e in db.session.execute(
        select(HistoryEntry).where(HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation.id)
        .order_by(HistoryEntry.id)).scalars()]


def test_r_g1_buttons_follow_the_state_and_the_role(app):
    names = lambda f, actor: [t.name for t in available(f, actor)]  # noqa: E731
    assert names(securite(), CONTACT) == ["submit", "request_archive"]
    assert names(bureautique(), CONTACT) == ["request_change", "request_archive"]
    elec = formation_like("Électricien%")  # en attente
    assert names(elec, CONTACT) == ["cancel"]
    assert set(names(elec, MANAGER)) == {"cancel", "accept", "ask_information", "reject", "archive"}


def test_r_g4_submit_is_blocked_by_errors_then_accepted_and_published(app, reset_demo):
    contact, manager = users()
    formation = securite()
    session = formation.sessions[0]
    session.contact = None
    db.session.commit()
    with pytest.raises(TransitionRefused, match="erreur"):
        fire(db.session, "submit", formation, contact, CONTACT)
    db.session.rollback()
    formation = securite()
    formation.sessions[0].contact = formation.structure.contacts[0]
    db.session.commit()
    fire(db.session, "submit", formation, contact, CONTACT)
    assert (formation.etat, formation.sessions[0].etat) == (F.EN_ATTENTE, S.EN_ATTENTE)
    assert lock_reason(formation, manager=False).startswith("Cette formation est en attente")
    fire(db.session, "accept", formation, manager, MANAGER, comment="Bien reçu")
    assert (formation.etat, formation.sessions[0].etat) == (F.DIFFUSEE, S.DIFFUSEE)
    assert history(formation)[-2:] == ["Soumission pour validation", "Validation"]


def test_r_g4_cancel_takes_a_pending_formation_back(app, reset_demo):
    contact, _ = users()
    elec = formation_like("Électricien%")
    fire(db.session, "cancel", elec, contact, CONTACT)
    assert elec.etat == F.EN_CREATION and all(s.etat == S.BROUILLON for s in elec.sessions)
    assert lock_reason(elec, manager=False) is None


def test_r_g5_reject_and_ask_information_need_a_comment(app, reset_demo):
    _, manager = users()
    elec = formation_like("Électricien%")
    with pytest.raises(TransitionRefused, match="commentaire est obligatoire"):
        fire(db.session, "ask_information", elec, manager, MANAGER, comment="  ")
    fire(db.session, "ask_information", elec, manager, MANAGER, comment="Précisez les prérequis.")
    assert elec.etat == F.COMPLEMENT and lock_reason(elec, manager=False) is None
    entry = db.session.execute(select(HistoryEntry).where(HistoryEntry.entity_id == elec.id,
                                                          HistoryEntry.entity == "formation")
                               .order_by(HistoryEntry.id.desc())).scalars().first()
    assert (entry.action, entry.comment, entry.author.username) == (
        "Demande de complément d'information", "Précisez les prérequis.", "gestionnaire")


def test_r_g1_contacts_cannot_fire_manager_transitions(app):
    contact, _ = users()
    with pytest.raises(TransitionRefused):
        fire(db.session, "accept", formation_like("Électricien%"), contact, CONTACT)


def test_r_g2_draft_keeps_the_published_version_live_until_accepted(app, reset_demo):
    contact, manager = users()
    published = bureautique()
    exported_at = datetime(2026, 1, 5, 8, 0)  # the document's own timestamp, fixed to compare
    before_export = export_bytes(db.session, exported_at=exported_at)
    draft = fire(db.session, "request_change", published, contact, CONTACT)
    assert draft.draft_of is published and draft.etat == F.BROUILLON
    assert len(draft.sessions) == len([s for s in published.sessions if s.etat not in (S.TERMINEE, S.ARCHIVEE)])
    assert current_draft(db.session, published) is draft
    draft.intitule = "Bureautique : Word, Excel, Teams et outils collaboratifs"
    draft_session = draft.sessions[0]
    draft_session.duree_centre = 77
    ico = next(r for r in draft_session.recrutements if r.numero == "ICO-1")
    ico.nb_places = 12
    db.session.commit()
    # the published formation is unchanged, in the export too
    db.session.expire_all()
    assert bureautique().intitule.startswith("Bureautique : Word, Excel et outils")
    assert export_bytes(db.session, exported_at=exported_at) == before_export
    draft = current_draft(db.session, bureautique())
    changes = {(c.section, c.label, c.before, c.after) for c in formation_diff(draft)}
    assert ("Formation", "intitule", "Bureautique : Word, Excel et outils collaboratifs",
            "Bureautique : Word, Excel, Teams et outils collaboratifs") in changes
    target = draft_session.draft_of
    assert any(c[0] == f"Session {target.reference}" and c[1] == "duree_centre" and c[3] == "77" for c in changes)
    assert any(c[1] == "Modalité de recrutement" and "12" in c[3] for c in changes)
    fire(db.session, "submit", draft, contact, CONTACT)
    published = fire(db.session, "accept", draft, manager, MANAGER)
    db.session.expire_all()
    published = bureautique()
    assert published.intitule.endswith("Teams et outils collaboratifs") and published.etat == F.DIFFUSEE
    assert target.id in [s.id for s in published.sessions]
    merged = db.session.get(Session, target.id)
    assert merged.duree_centre == 77 and merged.reference == target.reference
    assert sorted(r.nb_places for r in merged.recrutements if r.numero == "ICO-1") == [12]
    assert current_draft(db.session, published) is None
    assert db.session.query(Formation).filter(Formation.draft_of_id.isnot(None)).count() == 0
    assert history(published)[-3:] == ["Demande de modification", "Soumission pour validation", "Validation"]


def test_r_g4_drop_request_leaves_the_published_version(app, reset_demo):
    contact, _ = users()
    published = bureautique()
    recrutements = db.session.query(Recrutement).count()
    draft = fire(db.session, "request_change", published, contact, CONTACT)
    draft.intitule = "Autre intitulé"
    db.session.commit()
    fire(db.session, "drop_request", draft, contact, CONTACT)
    db.session.expire_all()
    assert bureautique().intitule.startswith("Bureautique") and current_draft(db.session, bureautique()) is None
    assert db.session.query(Recrutement).count() == recrutements
    assert history(bureautique())[-1] == "Suppression de la demande de modification"


def test_r_g5_rejected_change_is_dropped_and_said(app, reset_demo):
    contact, manager = users()
    draft = fire(db.session, "request_change", bureautique(), contact, CONTACT)
    fire(db.session, "submit", draft, contact, CONTACT)
    fire(db.session, "reject", draft, manager, MANAGER, comment="Intitulé non conforme.")
    db.session.expire_all()
    assert current_draft(db.session, bureautique()) is None and bureautique().etat == F.DIFFUSEE
    assert history(bureautique())[-1] == "Refus"


def test_r_f14_finished_session_is_locked_for_everyone(app):
    vae = formation_like("Accompagnement à la validation%")
    finished = vae.sessions[0]
    assert finished.fin < date.today()
    assert lock_reason(finished, manager=True).startswith("Cette session est terminée")
    running = next(s for s in bureautique().sessions if s.fin >= date.today())
    assert lock_reason(running, manager=True) is None
    assert lock_reason(running, manager=False).startswith("Cette formation est diffusée")
