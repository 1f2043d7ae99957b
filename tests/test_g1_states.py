"""G1 states the portal keeps true (issue 17 item 5): the nightly *non diffusée* of formations whose
sessions have all ended, *diffusée* again when a new session is validated; a formation on hold
(managers only, with a reason) kept out of every export and partner flow until the hold is lifted."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from lxml import etree
from sqlalchemy import insert, select

from app.extensions import db
from app.lheo.flows import write_flow
from app.checks.partners import NATIONAL
from app.models import Formation, HistoryEntry, Session, Structure
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.workflow import diffusion, drafts
from app.workflow.engine import MANAGER
from app.workflow.suspension import SUSPENSION_WORKFLOW
from app.workflow.transitions import CONTACT, TRANSITIONS, fire
from tests.helpers import decisions, formation_like

NS = {"l": "http://lheo.gouv.fr/2.3"}
MOTIF = "Renouvellement de la fiche RNCP en cours"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def error_of(page: str, field: str) -> str:
    """The messages tied to the form field `field` (its aria-describedby errors block)."""
    import lxml.html

    found = lxml.html.fromstring(page).xpath(f"//*[@id='{field}-erreurs']")
    return " ".join(found[0].text_content().split()) if found else ""


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def users():
    from flask import current_app

    sm = current_app.appbuilder.sm
    return sm.find_user(username="contact.autre"), sm.find_user(username="gestionnaire")


def history(formation_id: int) -> list[HistoryEntry]:
    return db.session.execute(select(HistoryEntry).where(HistoryEntry.entity == "formation",
                                                         HistoryEntry.entity_id == formation_id)
                              .order_by(HistoryEntry.id)).scalars().all()


def end_sessions(formation: Formation, days_ago: int = 3) -> None:
    for session in formation.sessions:
        session.fin = date.today() - timedelta(days=days_ago)
        session.debut = session.fin - timedelta(days=20)
    db.session.commit()


@pytest.fixture()
def flow_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(tmp_path / "flux"))
    return tmp_path / "flux"


def sent(result) -> set[str]:
    if result.path is None:
        return set()
    root = etree.fromstring(result.path.read_bytes())
    return {s.get("numero").split("_", 1)[1] for s in root.iterfind(".//l:session", NS)}


# --- the nightly non diffusée, and back to diffusée -----------------------------------------------

def test_r_g1_nightly_formation_whose_sessions_all_ended_becomes_non_diffusee(app, reset_demo):
    bureautique = formation_like("Bureautique%")
    end_sessions(bureautique)
    running = formation_like("BTS management%")  # its session runs
    macon = formation_like("Titre professionnel maçon%")  # an ended session, a running one, a future one
    future = formation_like("Électricien%")  # en attente: never touched by the nightly job
    result = app.test_cli_runner().invoke(args=["workflow", "archive-ended"])
    assert result.exit_code == 0, result.output
    assert "1 formation(s) devenue(s) non diffusée(s)" in result.output
    assert fresh(Formation, bureautique.id).etat == F.NON_DIFFUSEE
    assert fresh(Formation, running.id).etat == F.DIFFUSEE
    assert fresh(Formation, macon.id).etat == F.DIFFUSEE
    assert fresh(Formation, future.id).etat == F.EN_ATTENTE
    entry = history(bureautique.id)[-1]
    assert entry.action == diffusion.WITHDRAWN and entry.author_id is None
    assert "Toutes les sessions de la formation sont terminées" in entry.comment
    # once is enough: a second night changes nothing and writes nothing
    assert diffusion.withdraw_ended(db.session) == 0
    assert len([e for e in history(bureautique.id) if e.action == diffusion.WITHDRAWN]) == 1


def test_r_g1_a_formation_with_only_a_future_session_stays_diffusee(app, reset_demo):
    bureautique = formation_like("Bureautique%")
    ended, permanent = sorted(bureautique.sessions, key=lambda s: s.entree_sortie_permanente)
    ended.fin = date.today() - timedelta(days=1)
    ended.debut = ended.fin - timedelta(days=20)
    permanent.debut, permanent.fin = date.today() + timedelta(days=60), date.today() + timedelta(days=90)
    db.session.commit()
    assert diffusion.withdraw_ended(db.session) == 0
    assert fresh(Formation, bureautique.id).etat == F.DIFFUSEE
    # the day the last one ends, it goes
    assert diffusion.withdraw_ended(db.session, today=date.today() + timedelta(days=91)) == 1


def test_r_g1_diffusee_again_when_a_new_session_is_validated(app, reset_demo):
    contact, manager = users()
    bureautique = formation_like("Bureautique%")
    end_sessions(bureautique)
    diffusion.withdraw_ended(db.session)
    formation = fresh(Formation, bureautique.id)
    assert formation.etat == F.NON_DIFFUSEE
    # the organisation adds a session to its non diffusée formation and submits it
    model = formation.sessions[0]
    new = drafts.copy_session(db.session, model, formation, etat=S.BROUILLON, in_draft=False, draft_of=None,
                              debut=date.today() + timedelta(days=30), fin=date.today() + timedelta(days=60),
                              reference=None)
    for recrutement in new.recrutements:  # dated events of the new session, not of the old one
        recrutement.date_debut = recrutement.date_fin = date.today() + timedelta(days=10)
    db.session.commit()
    for old in formation.sessions:
        if old.id != new.id:
            old.etat = S.TERMINEE
    db.session.commit()
    fire(db.session, "submit", formation, contact, CONTACT)
    assert fresh(Formation, formation.id).etat == F.EN_ATTENTE
    fire(db.session, "accept", fresh(Formation, formation.id), manager, MANAGER)
    formation = fresh(Formation, formation.id)
    assert formation.etat == F.DIFFUSEE
    actions = [e.action for e in history(formation.id)]
    assert actions[-2:] == [TRANSITIONS["accept"].action, diffusion.BACK_ON_AIR]
    entry = history(formation.id)[-1]
    assert fresh(Session, new.id).reference in entry.comment and "de nouveau diffusée" in entry.comment
    assert TRANSITIONS["accept"].action == diffusion.VALIDATED


def test_r_g1_validation_of_a_formation_never_withdrawn_writes_no_extra_entry(app, reset_demo):
    _, manager = users()
    elec = formation_like("Électricien%")
    fire(db.session, "accept", elec, manager, MANAGER)
    assert diffusion.BACK_ON_AIR not in [e.action for e in history(elec.id)]


def _ended_formations(count: int, structure_id: int) -> None:
    """`count` published formations with two ended sessions each (one 5 days ago, still diffusée;
    one 40 days ago, to archive), written in bulk."""
    past = date.today() - timedelta(days=5)
    start = db.session.execute(select(Formation.id).order_by(Formation.id.desc())).scalars().first() + 1000
    db.session.execute(insert(Formation), [
        {"id": start + i, "reference": f"G1{start + i}F", "structure_id": structure_id, "intitule": f"Formation finie {i}",
         "objectifs": "Objectifs.", "etat": F.DIFFUSEE} for i in range(count)])
    db.session.execute(insert(Session), [
        {"formation_id": start + i, "reference": f"G1{start + i}{kind}", "etat": etat, "debut": fin - timedelta(days=30),
         "fin": fin} for i in range(count)
        for kind, etat, fin in (("S", S.DIFFUSEE, past), ("T", S.TERMINEE, past - timedelta(days=35)))])
    db.session.commit()


def test_r_g1_nightly_job_is_set_based(app, reset_demo, count_queries):
    from app.jobs.tasks import archive_ended

    structure_id = db.session.execute(select(Structure.id).order_by(Structure.id)).scalars().first()
    archive_ended()  # the demo's own ended sessions and formations first
    counts = []
    for count in (2, 20):
        _ended_formations(count, structure_id)
        with count_queries() as executed:
            assert archive_ended() == (count, count, count)  # terminated, archived, non diffusées
        counts.append(executed())
    assert counts[0] == counts[1], f"{counts[0]} queries for 2 formations, {counts[1]} for 20"
    archived = db.session.execute(select(HistoryEntry).where(HistoryEntry.entity == "session",
                                                             HistoryEntry.action == "Archivage automatique")
                                  .order_by(HistoryEntry.id.desc())).scalars().first()
    ended_on = date.today() - timedelta(days=40)
    assert archived.comment == f"Session terminée le {ended_on:%d/%m/%Y}, archivée après 30 jours."
    # chunks: more formations than a chunk cost a few more statements, not one per formation
    _ended_formations(7, structure_id)
    with count_queries() as executed:
        assert diffusion.withdraw_ended(db.session, chunk_size=3) == 7
    assert executed() <= 3 * 3 + 1


# --- on hold ------------------------------------------------------------------------------------

def test_r_g1_on_hold_is_refused_to_contacts(login):
    client = login("contact.autre")
    formation = formation_like("Bureautique%")
    assert client.get(f"/formationview/suspension/{formation.id}").status_code == 403
    assert client.post(f"/formationview/suspension/{formation.id}", data={"motif": MOTIF}).status_code == 403
    assert not fresh(Formation, formation.id).en_suspens
    assert "Mettre en suspens" not in text(client.get(f"/formationview/show/{formation.id}"))


def test_r_g1_on_hold_needs_a_reason(login, reset_demo):
    client = login("gestionnaire")
    formation = formation_like("Bureautique%")
    assert "Mettre en suspens" in text(client.get(f"/formationview/show/{formation.id}"))
    page = client.post(f"/formationview/suspension/{formation.id}", data={"motif": "   "})
    assert page.status_code == 200
    assert "Indiquez le motif de la mise en suspens" in error_of(page.get_data(as_text=True), "motif")
    assert not fresh(Formation, formation.id).en_suspens
    long = client.post(f"/formationview/suspension/{formation.id}", data={"motif": "x" * 501})
    assert "500 caractères" in error_of(long.get_data(as_text=True), "motif")


def test_r_g1_on_hold_leaves_the_flows_and_the_export_until_lifted(app, login, flow_dir, reset_demo, mailbox):
    formation = formation_like("Bureautique%")
    references = {s.reference for s in formation.sessions}
    assert references <= sent(write_flow(NATIONAL))
    manager = login("gestionnaire")
    response = manager.post(f"/formationview/suspension/{formation.id}", data={"motif": MOTIF})
    assert response.status_code == 302
    held = fresh(Formation, formation.id)
    assert held.en_suspens and held.motif_suspension == MOTIF and held.etat == F.DIFFUSEE  # keeps its état
    entry = history(formation.id)[-1]
    assert (entry.action, entry.comment) == ("Mise en suspens", MOTIF)
    told = decisions(mailbox, "Mise en suspens")  # the organisation is told why
    assert told and MOTIF in told[0].get_content()
    # flows and the search's LHEO export leave it out
    assert not references & sent(write_flow(NATIONAL))
    export = manager.post("/recherche/export/lheo", data={})
    numbers = {n.split("_", 1)[1] for n in etree.fromstring(export.data).xpath("//l:action/@numero", namespaces=NS)}
    assert numbers and not references & numbers
    # the formation page (contacts' too) and the session's readiness panel say why
    contact = login("contact.autre")
    page = text(contact.get(f"/formationview/show/{formation.id}"))
    assert f"Formation en suspens depuis le {date.today():%d/%m/%Y} : {MOTIF}" in page
    session_page = text(contact.get(f"/sessionview/show/{formation.sessions[0].id}"))
    assert f"La formation est en suspens ({MOTIF})" in session_page
    # lifted: back in the flows
    manager = login("gestionnaire")
    assert "Lever la suspension" in text(manager.get(f"/formationview/show/{formation.id}"))
    assert manager.post(f"/formationview/suspension/{formation.id}", data={"motif": ""}).status_code == 302
    lifted = fresh(Formation, formation.id)
    assert not lifted.en_suspens and lifted.motif_suspension is None
    assert history(formation.id)[-1].action == "Levée de la suspension"
    assert references <= sent(write_flow(NATIONAL))
    assert "Formation en suspens" not in text(manager.get(f"/formationview/show/{formation.id}"))


def test_r_g1_a_draft_neither_carries_nor_undoes_the_hold(app, reset_demo):
    contact, manager = users()
    formation = formation_like("Bureautique%")
    draft = fire(db.session, "request_change", formation, contact, CONTACT)
    SUSPENSION_WORKFLOW.fire(db.session, "hold", fresh(Formation, formation.id), manager, MANAGER, comment=MOTIF)
    draft = fresh(Formation, draft.id)
    assert not draft.en_suspens
    fire(db.session, "submit", draft, contact, CONTACT)
    fire(db.session, "accept", fresh(Formation, draft.id), manager, MANAGER)
    published = fresh(Formation, formation.id)
    assert published.etat == F.DIFFUSEE and published.en_suspens and published.motif_suspension == MOTIF


def test_r_g1_hold_workflow_table():
    assert set(SUSPENSION_WORKFLOW.states) == {False, True}
    for transition in SUSPENSION_WORKFLOW.transitions.values():
        assert transition.actors == frozenset({MANAGER})
        assert transition.targets <= set(SUSPENSION_WORKFLOW.states)


def test_r_g1_managers_list_the_formations_on_hold(app, login, reset_demo):
    _, manager = users()
    held = formation_like("Bureautique%")
    SUSPENSION_WORKFLOW.fire(db.session, "hold", held, manager, MANAGER, comment=MOTIF)
    client = login("gestionnaire")
    page = client.get("/formationview/list/?_flt_0_en_suspens=y").get_data(as_text=True)
    assert f"/formationview/show/{held.id}" in page
    assert f"/formationview/show/{formation_like('BTS management%').id}" not in page


def test_r_g1_the_review_page_says_the_formation_is_on_hold(app, login, reset_demo):
    _, manager = users()
    pending = formation_like("Électricien%")  # en attente de validation
    SUSPENSION_WORKFLOW.fire(db.session, "hold", pending, manager, MANAGER, comment=MOTIF)
    assert fresh(Formation, pending.id).etat == F.EN_ATTENTE  # the hold keeps the état
    page = text(login("gestionnaire").get(f"/validation/review/{pending.id}"))
    assert f"Formation en suspens depuis le {date.today():%d/%m/%Y} : {MOTIF}" in page
