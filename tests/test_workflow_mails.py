"""G6 e-mails where the seeds send them (issue 17 item 6), through the real job queue to the
loopback SMTP server: a submission acknowledged to the organisation, each save of a published
record confirmed to its author, one daily digest of the validation queue for the Carif-Oref — and
none of them ever blocks or undoes the action."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import jobs
from app.models import Formation, Session, Structure
from app.models.base import utcnow
from app.models.workflow import FormationEtat as F
from app.views.offer import SessionView
from app.workflow.drafts import current_draft
from app.workflow.mails import digest
from tests.helpers import form_data, formation_like, open_draft, page_messages
from tests.test_jobs import consumer, wait_until  # noqa: F401  (consumer: a fixture)


@pytest.fixture()
def quiet_queue(app):
    jobs().huey.flush()
    yield jobs().huey
    jobs().huey.flush()


def submittable() -> Formation:
    """The CFA's formation en cours de création, ready to submit (its session given a contact)."""
    formation = formation_like("Sécurité incendie%")
    formation.sessions[0].contact = formation.structure.contacts[0]
    db.session.commit()
    return formation


def test_r_g6_submission_acknowledged_to_the_organisation(app, login, reset_demo, quiet_queue, mailbox,
                                                          consumer):  # noqa: F811
    client = login("contact")
    formation = submittable()
    response = client.post(f"/formationview/transition/submit/{formation.id}", data={"commentaire": "Prête"})
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Formation, formation.id).etat == F.EN_ATTENTE
    assert quiet_queue.pending_count() == 1 and mailbox.messages == []  # queued, not sent by the page
    consumer()
    wait_until(lambda: mailbox.messages)
    mail = mailbox.messages[0]
    assert mail["To"] == "contact@demo.carif-oref.example"  # the contacts holding a modification right
    subject = str(mail["Subject"])  # a long subject is folded: its words are checked
    assert subject.startswith("[Offre de formation] Demande de validation reçue :")
    assert "vérification des extincteurs" in subject and subject.endswith(f"({formation.reference})")
    body = mail.get_content()
    assert "Le Carif-Oref a bien reçu votre demande de validation" in body
    assert f"http://localhost/formationview/show/{formation.id}" in body  # PORTAL_BASE_URL


def test_r_g6_save_of_a_published_record_confirmed_to_its_author(app, login, reset_demo, quiet_queue, mailbox,
                                                                 consumer):  # noqa: F811
    contact = login("contact.autre")
    formation = formation_like("Bureautique%")
    draft = open_draft(formation, "contact.autre")
    quiet_queue.flush()  # the draft's opening is not a save
    session = draft.sessions[0]
    response = contact.post(f"/sessionview/edit/{session.id}",
                            data=form_data(session, SessionView.edit_columns, prerequis="Aucun"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    consumer()
    wait_until(lambda: mailbox.messages)
    (mail,) = mailbox.messages
    assert mail["To"] == "contact.autre@demo.carif-oref.example"
    assert mail["Subject"] == "[Offre de formation] Modification enregistrée"
    body = mail.get_content()
    assert f"la formation « {draft.intitule} » (référence {formation.reference}) est enregistrée" in body
    assert "la version diffusée reste en ligne jusqu'à la validation du Carif-Oref" in body


def test_r_g6_no_confirmation_for_a_formation_being_created_or_a_managers_save(app, login, reset_demo,
                                                                             quiet_queue):
    client = login("contact")
    session = formation_like("Sécurité incendie%").sessions[0]  # en cours de création
    response = client.post(f"/sessionview/edit/{session.id}",
                           data=form_data(session, SessionView.edit_columns, prerequis="Aucun"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    manager = login("gestionnaire")
    published = next(s for s in formation_like("Bureautique%").sessions if s.draft_of_id is None)
    response = manager.post(f"/sessionview/edit/{published.id}",
                            data=form_data(published, SessionView.edit_columns, prerequis="Aucun"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    assert quiet_queue.pending_count() == 0


def test_r_g6_daily_digest_lists_the_queue_new_items_first(app, login, reset_demo, mailbox):
    client = login("contact")
    formation = submittable()
    assert client.post(f"/formationview/transition/submit/{formation.id}").status_code == 302
    older = db.session.execute(select(Formation).where(Formation.etat == F.DIFFUSEE,
                                                      Formation.draft_of_id.is_(None))).scalars().first()
    older.archive_requested_at = utcnow() - timedelta(days=3)
    db.session.commit()
    sent = digest()
    assert sent == ["gestionnaire@demo.carif-oref.example"]
    (mail,) = mailbox.messages
    body = mail.get_content()
    lines = body.splitlines()
    new = next(i for i, line in enumerate(lines) if formation.reference in line)
    old = next(i for i, line in enumerate(lines) if older.reference in line)
    assert new < old and lines[new].startswith("- [nouveau] ") and "[nouveau]" not in lines[old]
    assert "archivage demandé" in lines[old] and "création" in lines[new]
    assert "dont 1 formation(s) reçue(s) depuis 24 heures" in body
    assert "http://localhost/validation/" in body
    assert mail["Subject"].startswith("[Offre de formation] ") and "à valider" in mail["Subject"]


def test_r_g6_digest_and_acknowledgement_never_block_the_action(app, login, reset_demo, mailbox, monkeypatch):
    from app import jobs as jobs_module
    from app.extensions import mail as mailer

    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(jobs_module, "enqueue", broken)
    client = login("contact")
    formation = submittable()
    assert client.post(f"/formationview/transition/submit/{formation.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Formation, formation.id).etat == F.EN_ATTENTE  # submitted all the same
    monkeypatch.setattr(mailer, "send", broken)
    assert digest() == []  # SMTP down: logged, nothing raised


def test_r_g6_empty_queue_sends_no_digest(app, reset_demo, mailbox):
    for formation in db.session.execute(select(Formation).where(
            (Formation.etat == F.EN_ATTENTE) | Formation.archive_requested_at.isnot(None))).scalars():
        formation.archive_requested_at = None
        if formation.etat == F.EN_ATTENTE:
            formation.etat = F.EN_CREATION
    from app.models import StructureChange
    for change in db.session.execute(select(StructureChange)).scalars():
        db.session.delete(change)
    db.session.commit()
    assert digest() == [] and mailbox.messages == []
