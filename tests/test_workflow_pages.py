"""The workflow through the pages: buttons, confirmation, queue, diff, decisions, e-mails on a
real SMTP server (loopback), commands, duplication, and isolation of every new action."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Formation, HistoryEntry, Nomenclature, NomenclatureKind as K, Session
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.views.offer import FormationView, SessionView
from app.workflow.drafts import current_draft
from tests.helpers import decisions, deliver_queued, form_data, formation_like, open_draft, page_messages


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def bureautique() -> Formation:
    return formation_like("Bureautique%")


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def test_r_g2_contact_editing_a_published_formation_is_sent_to_demande_de_modification(login):
    client = login("contact.autre")
    formation = bureautique()
    response = client.post(f"/formationview/edit/{formation.id}",
                           data=form_data(formation, FormationView.edit_columns, intitule="Bureautique avancée"))
    assert response.status_code == 200
    assert any("« Demande de modification »" in m for m in page_messages(response.get_data(as_text=True)))
    assert fresh(Formation, formation.id).intitule.startswith("Bureautique : Word")
    page = text(client.get(f"/formationview/show/{formation.id}"))
    assert "Demande de modification" in page and "Diffusée" in page


def test_r_g2_r_g3_request_change_opens_a_draft_with_its_purge_date(login, reset_demo):
    client = login("contact.autre")
    formation = bureautique()
    confirm = text(client.get(f"/formationview/transition/request_change/{formation.id}"))
    assert "La version diffusée reste en ligne" in confirm
    response = client.post(f"/formationview/transition/request_change/{formation.id}")
    assert response.status_code == 302
    draft = current_draft(db.session, fresh(Formation, formation.id))
    assert response.headers["Location"].endswith(f"/formationview/show/{draft.id}")
    page = text(client.get(f"/formationview/show/{draft.id}"))
    purge_on = (draft.created_at + timedelta(days=14)).strftime("%d/%m/%Y")
    assert f"Ce brouillon sera supprimé automatiquement le {purge_on}" in page
    assert f"Brouillon de la formation diffusée {formation.reference}" in page
    published_page = text(client.get(f"/formationview/show/{formation.id}"))
    assert f"voir le brouillon {draft.reference}" in published_page
    # lists and searches show the published formation only
    listing = text(client.get("/formationview/list/"))
    assert formation.reference in listing and draft.reference not in listing
    sessions = text(client.get("/sessionview/list/"))
    assert all(s.reference not in sessions for s in draft.sessions)
    api = client.get("/api/v1/formation/").json
    assert draft.id not in api["ids"] and formation.id in api["ids"]


def test_r_g4_submit_with_errors_is_refused_with_the_reasons(login, reset_demo):
    client = login("contact")
    formation = formation_like("Sécurité incendie%")
    session = formation.sessions[0]
    session.contact = None
    db.session.commit()
    page = text(client.post(f"/formationview/transition/submit/{formation.id}", data={"commentaire": "Prête"}))
    assert "1 erreur(s) à corriger avant de soumettre" in page and "Choisissez le contact de la session." in page
    assert 'Prête' in page  # the comment is kept
    assert fresh(Formation, formation.id).etat == F.EN_CREATION


def test_r_g5_r_g6_r_k4_manager_queue_diff_and_acceptance_with_codification_and_email(login, reset_demo, mailbox):
    contact = login("contact.autre")
    formation = bureautique()
    draft = open_draft(formation, "contact.autre")
    draft_session = draft.sessions[0]
    columns = SessionView.edit_columns
    response = contact.post(f"/sessionview/edit/{draft_session.id}",
                            data=form_data(draft_session, columns, duree_centre="84", prerequis="Aucun"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    assert contact.post(f"/formationview/transition/submit/{draft.id}").status_code == 302

    manager = login("gestionnaire")
    queue = text(manager.get("/validation/?type=modification"))
    assert draft.reference in queue and f"Modification de {formation.reference}" in queue
    assert draft.reference not in text(manager.get("/validation/?type=creation"))
    review = text(manager.get(f"/validation/review/{draft.id}"))
    target = draft_session.draft_of
    assert f"Session {target.reference} Durée en centre (h) {target.duree_centre} 84" in review
    rome = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ROME)).scalars().first()
    etat = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ETAT_DISPOSITIF,
                                                         Nomenclature.libelle == "Conventionné")).scalar_one()
    response = manager.post(f"/validation/review/{draft.id}", data={
        "decision": "accept", "commentaire": "Merci, c'est publié.", "romes_sent": "1", "romes": [str(rome.id)],
        "etat_dispositif": str(etat.id)})
    assert response.status_code == 302
    published = fresh(Formation, formation.id)
    assert published.etat == F.DIFFUSEE and current_draft(db.session, published) is None
    assert [r.id for r in published.romes] == [rome.id]
    merged = db.session.get(Session, target.id)
    assert merged.duree_centre == 84 and merged.prerequis == "Aucun"
    assert {f.etat_dispositif.libelle for f in merged.financements} == {"Conventionné"}
    actions = [e.action for e in db.session.execute(select(HistoryEntry).where(
        HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation.id).order_by(HistoryEntry.id)).scalars()]
    assert actions[-4:] == ["Demande de modification", "Soumission pour validation", "Codification", "Validation"]
    assert mailbox.messages == []  # queued: the manager's page does not wait for the mail server
    [message] = decisions(mailbox, "Validation")
    assert message["To"] == "contact.autre@demo.carif-oref.example"
    assert message["Subject"] == f"[Offre de formation] Validation : {published.intitule} ({published.reference})"
    assert "Merci, c'est publié." in message.get_content()
    history = text(contact.get(f"/formationview/show/{formation.id}"))
    assert "Validation Merci, c'est publié." in history


def test_r_k1_bulk_ask_information_needs_a_comment_and_emails_each_organisation(login, reset_demo, mailbox):
    manager = login("gestionnaire")
    elec = formation_like("Électricien%")
    response = manager.post("/validation/bulk", data={"decision": "ask_information", "rowid": [elec.id]},
                            follow_redirects=True)
    assert "Un commentaire est obligatoire" in text(response)
    assert fresh(Formation, elec.id).etat == F.EN_ATTENTE and mailbox.messages == []
    response = manager.post("/validation/bulk", data={
        "decision": "ask_information", "rowid": [elec.id], "commentaire": "Ajoutez le programme détaillé."},
        follow_redirects=True)
    assert "1 formation(s) traitée(s)" in text(response)
    assert fresh(Formation, elec.id).etat == F.COMPLEMENT
    [message] = decisions(mailbox, "Demande de complément d'information")
    assert message["To"] == "contact@demo.carif-oref.example"
    assert "Ajoutez le programme détaillé." in message.get_content()


def test_r_k1_queue_and_decisions_are_for_managers_only(login):
    client = login("contact")
    elec = formation_like("Électricien%")
    assert client.get("/validation/").status_code in (302, 403)
    assert client.post("/validation/bulk", data={"decision": "accept", "rowid": [elec.id]}).status_code in (302, 403)
    assert client.post(f"/validation/review/{elec.id}", data={"decision": "accept"}).status_code in (302, 403)
    page = text(client.post(f"/formationview/transition/accept/{elec.id}"))
    assert "Action impossible" in page
    assert fresh(Formation, elec.id).etat == F.EN_ATTENTE


def test_r_a3_transitions_of_another_organisation_are_not_found(login):
    client = login("contact")  # CFA
    horizon = bureautique()
    assert client.get(f"/formationview/transition/request_change/{horizon.id}").status_code == 404
    assert client.post(f"/formationview/transition/request_change/{horizon.id}").status_code == 404
    shared = next(s for s in horizon.sessions if len(s.formateurs) > 1)  # seen read-only by the CFA contact
    assert client.post(f"/sessionview/duplicate/{shared.id}").status_code == 404
    assert current_draft(db.session, horizon) is None


def test_r_f14_duplicate_a_finished_session_clears_dates_and_flags_checks(login, reset_demo):
    client = login("contact")
    macon = formation_like("Titre professionnel maçon%")
    finished = next(s for s in macon.sessions if s.etat == S.TERMINEE)
    page = text(client.get(f"/sessionview/show/{finished.id}"))
    assert "Cette session est terminée" in page and "Dupliquer la session" in page
    response = client.post(f"/sessionview/duplicate/{finished.id}")
    assert response.status_code == 302
    draft = current_draft(db.session, fresh(Formation, macon.id))  # the published formation gets a draft
    copy = next(s for s in draft.sessions if s.draft_of_id is None)
    assert (copy.debut, copy.fin, copy.contact_a_verifier) == (None, None, True)
    assert copy.lieux and all(link.a_verifier for link in copy.lieux)
    assert len(copy.financements) == len(finished.financements) and copy.recrutements == []
    assert response.headers["Location"].endswith(f"/sessionview/edit/{copy.id}")
    controls = text(client.get(f"/sessionview/show/{copy.id}"))
    assert "Session dupliquée : vérifiez le contact" in controls and "Session dupliquée : vérifiez le lieu" in controls
    link = copy.lieux[0]
    client.post(f"/sessionlieuview/edit/{link.id}", data={"session": str(copy.id), "lieu": str(link.lieu_id),
                                                         "principal": "y"})
    assert not fresh(type(link), link.id).a_verifier


def test_r_e12_only_managers_duplicate_formations(login, reset_demo):
    formation = formation_like("Sécurité incendie%")
    assert login("contact").post(f"/formationview/duplicate/{formation.id}").status_code == 403
    count = db.session.query(Formation).count()
    response = login("gestionnaire").post(f"/formationview/duplicate/{formation.id}")
    assert response.status_code == 302
    assert db.session.query(Formation).count() == count + 1
    copy = db.session.execute(select(Formation).where(Formation.intitule.like("%(copie)"))).scalar_one()
    assert copy.etat == F.EN_CREATION and [s.debut for s in copy.sessions] == [None]


def test_r_g3_purge_drafts_command_drops_old_unsubmitted_drafts(app, reset_demo):
    draft = open_draft(bureautique(), "contact.autre")
    draft.created_at = datetime.utcnow() - timedelta(days=15)
    fresh_draft = open_draft(formation_like("Titre professionnel maçon%"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["workflow", "purge-drafts"])
    assert result.exit_code == 0 and "1 brouillon(s) ou formation(s) en cours de création non soumis supprimé(s)." in result.output
    db.session.expire_all()
    assert current_draft(db.session, bureautique()) is None
    assert current_draft(db.session, formation_like("Titre professionnel maçon%")).id == fresh_draft.id


def test_r_f15_archive_ended_command(app, reset_demo):
    formation = bureautique()
    session = formation.sessions[0]
    session.fin = date.today() - timedelta(days=31)
    session.debut = session.fin - timedelta(days=10)
    other = formation.sessions[1]
    other.fin = date.today() - timedelta(days=2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["workflow", "archive-ended"])
    assert result.exit_code == 0
    assert fresh(Session, session.id).etat == S.ARCHIVEE
    assert fresh(Session, other.id).etat == S.TERMINEE
    assert "session(s) archivée(s)" in result.output


def test_r_e11_contact_asks_for_archiving_with_a_reason_and_the_manager_archives(login, reset_demo, mailbox):
    client = login("contact.autre")
    formation = bureautique()
    motif = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.MOTIF_ARCHIVAGE)).scalars().first()
    page = text(client.post(f"/formationview/transition/request_archive/{formation.id}",
                            data={"commentaire": "Plus proposée en 2027."}))
    assert "Choisissez le motif de l'archivage." in page and "Plus proposée en 2027." in page
    response = client.post(f"/formationview/transition/request_archive/{formation.id}",
                           data={"commentaire": "Plus proposée en 2027.", "motif": str(motif.id)})
    assert response.status_code == 302
    requested = fresh(Formation, formation.id)
    assert requested.etat == F.DIFFUSEE and requested.archive_requested_at is not None  # still published
    assert client.post(f"/formationview/transition/archive/{formation.id}").status_code == 200  # managers only
    assert fresh(Formation, formation.id).etat == F.DIFFUSEE

    manager = login("gestionnaire")
    queue = text(manager.get("/validation/?type=archivage"))
    assert formation.reference in queue and f"Archivage ({motif.libelle})" in queue
    review = text(manager.get(f"/validation/review/{formation.id}"))
    assert "Plus proposée en 2027." in review and "Archiver" in review
    response = manager.post(f"/validation/review/{formation.id}", data={"decision": "archive"})
    assert response.status_code == 302
    archived = fresh(Formation, formation.id)
    assert archived.etat == F.ARCHIVEE and all(s.etat == S.ARCHIVEE for s in archived.sessions)
    assert archived.motif_archivage_id == motif.id and archived.archive_requested_at is None
    deliver_queued()
    assert [m["To"] for m in mailbox.messages] == ["contact.autre@demo.carif-oref.example"]


def test_r_k2_manager_sets_the_etat_du_dispositif_in_bulk(login, reset_demo):
    manager = login("gestionnaire")
    sessions = bureautique().sessions
    response = manager.post("/sessionview/action_post", data={"action": "set_etat_dispositif",
                                                              "rowid": [s.id for s in sessions]})
    # The choice page comes with the selection (any number of sessions: their ids travel in the form).
    assert response.status_code == 200 and "2 session(s) sélectionnée(s)" in text(response)
    assert 'action="/sessionview/etat_dispositif"' in response.get_data(as_text=True)
    etat = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ETAT_DISPOSITIF,
                                                         Nomenclature.libelle == "Clôturé")).scalar_one()
    ids = ",".join(str(s.id) for s in sessions)
    assert "2 session(s) sélectionnée(s)" in text(manager.get(f"/sessionview/etat_dispositif?ids={ids}"))
    response = manager.post("/sessionview/etat_dispositif", data={"ids": ids, "etat": str(etat.id)},
                            follow_redirects=True)
    assert "appliqué à 2 financement(s)" in text(response)
    db.session.expire_all()
    assert {f.etat_dispositif.libelle for s in bureautique().sessions for f in s.financements} == {"Clôturé"}
    assert login("contact.autre").post("/sessionview/etat_dispositif",
                                       data={"ids": ids, "etat": str(etat.id)}).status_code == 403


def test_rentree_duplication_lists_certification_problems_before_creating(login, reset_demo):
    client = login("gestionnaire")
    macon = formation_like("Titre professionnel maçon%")
    late = next(s for s in macon.sessions if s.etat == S.DIFFUSEE)  # a year later it starts after the RNCP end
    current = next(s for s in bureautique().sessions if not s.entree_sortie_permanente)
    ids = f"{current.id},{late.id}"
    response = client.post("/sessionview/action_post", data={"action": "duplicate_next_year",
                                                             "rowid": [current.id, late.id]})
    assert "/sessionview/rentree" in response.headers["Location"]
    preview = text(client.get(f"/sessionview/rentree?ids={ids}"))
    assert f"{late.reference}" in preview and "Non copiée" in preview and "fin d'enregistrement" in preview
    before = db.session.query(Session).count()
    response = client.post("/sessionview/rentree", data={"ids": ids}, follow_redirects=True)
    assert "1 session(s) créée(s)" in text(response) and "1 écartée(s)" in text(response)
    assert db.session.query(Session).count() > before
    draft = current_draft(db.session, fresh(Formation, bureautique().id))  # published: the copy awaits validation
    copy = next(s for s in draft.sessions if s.draft_of_id is None)
    assert (copy.debut, copy.fin) == (current.debut.replace(year=current.debut.year + 1),
                                      current.fin.replace(year=current.fin.year + 1))
    assert copy.contact_a_verifier and copy.recrutements == []
    assert current_draft(db.session, fresh(Formation, macon.id)) is None


def test_rentree_duplication_is_limited_to_writable_sessions(login, reset_demo):
    client = login("contact")  # CFA: Horizon's sessions are out of its writable scope
    before = db.session.query(Session).count()
    ids = ",".join(str(s.id) for s in bureautique().sessions)
    assert "Aucune session sélectionnée" in text(client.get(f"/sessionview/rentree?ids={ids}"))
    client.post("/sessionview/rentree", data={"ids": ids})
    assert db.session.query(Session).count() == before


def test_r_c9_r_c8_structure_changes_wait_for_validation_and_are_applied_on_acceptance(login, reset_demo, mailbox):
    from app.models import Structure
    from app.views.structures import StructureView
    from tests.helpers import structure

    client = login("contact")
    cfa = structure("CFA Bâtiment Normandie")
    data = form_data(cfa, StructureView.edit_columns, enseigne="CFA BTP Normandie – Caen", ville="Caen Cedex",
                     siret="32945614200010")
    response = client.post(f"/structureview/edit/{cfa.id}", data=data, follow_redirects=True)
    assert "Modifications enregistrées en brouillon" in text(response)
    assert (fresh(Structure, cfa.id).enseigne, fresh(Structure, cfa.id).ville) == ("CFA BTP Normandie", "Caen")
    page = text(client.get(f"/structureview/show/{cfa.id}"))
    assert "Ville Caen Caen Cedex" in page and "Soumettre pour validation" in page
    # the edit form shows the proposed values
    assert 'value="Caen Cedex"' in client.get(f"/structureview/edit/{cfa.id}").get_data(as_text=True)
    client.post(f"/structureview/change/submit/{cfa.id}")
    again = client.post(f"/structureview/edit/{cfa.id}", data={**data, "ville": "Ifs"}, follow_redirects=True)
    assert "en attente de validation" in text(again)

    manager = login("gestionnaire")
    assert "CFA BTP Normandie" in text(manager.get("/validation/?type=structure"))  # its published name
    response = manager.post(f"/structureview/change/accept/{cfa.id}", data={"commentaire": "Adresse à jour."})
    assert response.status_code == 302
    validated = fresh(Structure, cfa.id)
    assert (validated.enseigne, validated.ville) == ("CFA BTP Normandie – Caen", "Caen Cedex")
    assert "Validation de la modification de la fiche Adresse à jour." in text(manager.get(f"/structureview/show/{cfa.id}"))
    [message] = decisions(mailbox, "Validation de la modification de la fiche")
    assert message["To"] == "contact@demo.carif-oref.example"


def test_r_c9_contacts_cannot_accept_their_own_structure_change(login, reset_demo):
    from app.models import Structure
    from app.views.structures import StructureView
    from tests.helpers import structure

    client = login("contact")
    cfa = structure("CFA Bâtiment Normandie")
    client.post(f"/structureview/edit/{cfa.id}", data=form_data(cfa, StructureView.edit_columns, ville="Ifs"))
    client.post(f"/structureview/change/submit/{cfa.id}")
    response = client.post(f"/structureview/change/accept/{cfa.id}", follow_redirects=True)
    assert "Action impossible" in text(response)
    assert fresh(Structure, cfa.id).ville == "Caen"


def test_r_g7_imported_formations_are_read_only_for_contacts(login, reset_demo):
    formation = formation_like("Sécurité incendie%")
    formation.importee = True
    db.session.commit()
    client = login("contact")
    response = client.post(f"/formationview/edit/{formation.id}",
                           data=form_data(formation, FormationView.edit_columns, intitule="Sécurité incendie : extincteurs"))
    assert response.status_code == 404  # outside the contact's writable scope
    assert client.post(f"/formationview/transition/submit/{formation.id}").status_code == 404
    page = text(client.get(f"/formationview/show/{formation.id}"))
    assert "Soumettre pour validation" not in page and "importée d'un autre système" in page
    assert fresh(Formation, formation.id).intitule.startswith("Sécurité incendie : vérification")


def test_r_c7_habilitations_are_loaded_from_the_france_competences_partners(app, reset_demo):
    from app.models import Certification, Habilitation, Structure
    from app.refdata.france_competences import load_habilitations

    alyra = Structure(raison_sociale="ALYRA", siret="82815245400033", nda="11755555575")
    db.session.add(alyra)
    db.session.commit()
    rows = [{"Numero_Fiche": "RS5000", "Nom_Partenaire": "ALYRA", "Siret_Partenaire": "\t82815245400033",
             "Habilitation_Partenaire": "HABILITATION_ORGA_FORM"},
            {"Numero_Fiche": "RS5000", "Nom_Partenaire": "Inconnu", "Siret_Partenaire": "12345678900011",
             "Habilitation_Partenaire": "HABILITATION_ORGA_FORM"}]
    assert load_habilitations(db.session, rows) == 1
    assert load_habilitations(db.session, rows) == 0  # idempotent
    db.session.commit()
    habilitation = db.session.execute(select(Habilitation).where(Habilitation.structure_id == alyra.id)).scalar_one()
    certification = db.session.get(Certification, habilitation.certification_id)
    assert (certification.code_rs, habilitation.nature, habilitation.date_fin) == (
        "RS5000", "former", certification.date_fin_enregistrement)


def test_r_k3_managers_create_an_antenna_and_grant_a_right_on_it(login, reset_demo):
    from flask import current_app

    from app.models import Structure, StructureRight
    from tests.helpers import structure

    manager = login("gestionnaire")
    horizon = structure("Institut Horizon Formation")
    response = manager.post("/structureview/add", data={
        "raison_sociale": "Institut Horizon Formation – site du Havre", "siret": "44306184100054",
        "parent": str(horizon.id), "ligne": "3 quai de Southampton", "code_postal": "76600", "ville": "Le Havre"})
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    antenna = db.session.execute(select(Structure).where(Structure.siret == "44306184100054")).scalar_one()
    assert antenna.parent_id == horizon.id and antenna.nda_affiche == "ANTENNE-ORG"
    user = current_app.appbuilder.sm.find_user(username="contact.autre")
    response = manager.post("/structurerightview/add", data={
        "user": str(user.id), "structure": str(antenna.id), "niveau": "modification"})
    assert response.status_code == 302
    assert db.session.execute(select(StructureRight).where(StructureRight.structure_id == antenna.id)).scalar_one()
    assert "site du Havre" in text(login("contact.autre").get("/structureview/list/"))
