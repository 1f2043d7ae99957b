"""Checks, completeness and partner readiness (issue 3 §5): computed from the rules, shown on the
formation and session pages of the demo data."""
from __future__ import annotations

import html
import re
from datetime import date

from app.checks import completeness, partner_readiness, session_record_problems
from app.checks.offer import habilitation_problems
from app.models import (
    Certification,
    Financement,
    FormationCertification,
    Mesure,
    MesureKind,
    Nomenclature,
    NomenclatureKind as K,
    Recrutement,
    Session,
)
from app.models.workflow import SessionEtat
from app.workflow.bulk import close_recrutement
from tests.helpers import formation_like, memory_session


def panel(page: str, panel_id: str) -> str:
    match = re.search(rf'id="{panel_id}".*?(?=<div class="col-md-4">|<div class="row portal-checks">|\Z)', page, re.S)
    assert match, f"panel {panel_id} missing"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def session_page(client, session) -> str:
    response = client.get(f"/sessionview/show/{session.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_session_page_shows_checks_completeness_and_partners(login):
    client = login("contact")
    session = formation_like("Sécurité incendie%").sessions[0]
    page = session_page(client, session)
    assert "Aucune erreur" in panel(page, "controles")
    assert re.search(r"Complétude : \d+ %", panel(page, "completude"))
    partners = panel(page, "diffusion-partenaires")
    assert "France Travail (Kairos, AUDE) : ne sera pas diffusée" in partners
    assert "La session n'est pas encore validée par le Carif-Oref." in partners


def test_r_f2_error_of_a_draft_session_is_listed_in_its_checks(login):
    client = login("contact")
    draft = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == SessionEtat.BROUILLON)
    controls = panel(session_page(client, draft), "controles")
    assert "1 erreur(s) bloquant la soumission" in controls
    assert "antérieure à la date de fin d'enregistrement" in controls


def test_published_sessions_are_ready_for_their_partners(login):
    client = login("contact.autre")
    bureautique = formation_like("Bureautique%")
    current = next(s for s in bureautique.sessions if not s.entree_sortie_permanente)
    partners = panel(session_page(client, current), "diffusion-partenaires")
    assert "France Travail (Kairos, AUDE) : prête à être diffusée" in partners
    assert "Parcoursup et Affelnet (apprentissage) : non concerné" in partners
    assert "Base nationale des Carif-Oref : prête à être diffusée" in partners
    apprentissage = next(s for s in formation_like("Titre professionnel maçon%").sessions
                         if s.etat == SessionEtat.DIFFUSEE)
    partners = panel(session_page(login("contact"), apprentissage), "diffusion-partenaires")
    assert "France Travail (Kairos, AUDE) : non concerné" in partners
    assert "Parcoursup et Affelnet (apprentissage) : prête à être diffusée" in partners


def test_r_f7_contrat_pro_session_is_not_sent_to_kairos(login):
    client = login("contact.autre")
    mco = formation_like("BTS management%").sessions[0]
    partners = panel(session_page(client, mco), "diffusion-partenaires")
    assert "Le contrat de professionnalisation n'est pas diffusé dans Kairos." in partners


def test_r_e3_habilitation_warning_shows_on_the_formation_page(login):
    client = login("gestionnaire")
    formation = formation_like("Développeur d'applications blockchain%")
    page = client.get(f"/formationview/show/{formation.id}").get_data(as_text=True)
    assert "Avertissement : RS5000 : Ni le SIRET de l'OF responsable" in panel(page, "controles")
    assert "Aucun organisme de la session n'est habilité" in panel(page, "diffusion-partenaires")
    assert "Complétude" in panel(page, "completude")


def test_formation_page_lists_the_readiness_of_eachmemory_session(login):
    client = login("contact")
    formation = formation_like("Titre professionnel maçon%")
    page = client.get(f"/formationview/show/{formation.id}").get_data(as_text=True)
    draft = next(s for s in formation.sessions if s.etat == SessionEtat.BROUILLON)
    # the formation's checks include its running sessions' errors: they block its submission
    assert f"Session {draft.reference} : La date de début doit être antérieure" in panel(page, "controles")
    partners = panel(page, "diffusion-partenaires")
    for session in formation.sessions:
        if session.etat != SessionEtat.ARCHIVEE:
            assert f"Session {session.reference}" in partners


def test_r_e7_formation_page_lists_a_mix_of_dispositifs_once(login, reset_demo):
    """E7 on the formation page: one message for the formation, not one more per session."""
    from app.extensions import db

    formation = formation_like("Sécurité incendie%")  # continuing training, not apprentissage
    apprentissage = db.session.query(Mesure).filter_by(nature=MesureKind.APPRENTISSAGE).first()
    session = formation.sessions[0]
    session.financements.append(Financement(financeur_id=apprentissage.financeur_id, mesure=apprentissage,
                                            nb_places=5))
    db.session.commit()
    page = login("gestionnaire").get(f"/formationview/show/{formation.id}").get_data(as_text=True)
    controls = panel(page, "controles")
    assert controls.count("Le contrat d'apprentissage demande une formation dédiée") == 1


# --- readiness rules, on records built in memory -----------------------------------------------


def _france_travail(session, today=None):
    return next(r for r in partner_readiness(session, today) if r.partner.startswith("France Travail"))


def test_france_travail_needs_isc_rdvi_or_ico(app):
    session = memory_session()
    assert not any("ISC, RDVI ou ICO" in r for r in _france_travail(session).reasons)
    dossier = Nomenclature(kind=K.MODALITE_RECRUTEMENT, code="MR.03", libelle="Dossier")
    session.recrutements = [Recrutement(modalite=dossier, numero="1")]
    assert any("Aucune modalité ISC, RDVI ou ICO" in r for r in _france_travail(session).reasons)


def test_france_travail_needs_a_valid_formateur_siret(app):
    session = memory_session()
    session.formateurs[0].structure.siret = "44306184100048"
    assert any("n'est pas valide" in r for r in _france_travail(session).reasons)
    session.formateurs[0].structure.siret = ""
    assert any("n'a pas de SIRET" in r for r in _france_travail(session).reasons)


def test_r_f15_partners_stop_30_days_after_the_end(app):
    session = memory_session(debut=date(2026, 1, 5), fin=date(2026, 3, 1))
    ended = "La session est terminée depuis plus de 30 jours."
    assert ended not in _france_travail(session, today=date(2026, 3, 31)).reasons
    assert ended in _france_travail(session, today=date(2026, 4, 1)).reasons


def test_r_f7_contrat_pro_mixed_with_another_dispositif_blocks_kairos(app):
    session = memory_session()
    session.financements.append(Financement(mesure=Mesure(code="OPCO-CP", libelle="Contrat pro",
                                                          nature=MesureKind.CONTRAT_PRO), nb_places=3))
    assert any("mélangé à d'autres dispositifs" in r for r in _france_travail(session).reasons)


def test_completeness_lists_missing_recrutement_and_duration(app):
    session = memory_session(duree_centre=None)  # no duration typed
    session.recrutements = []
    missing = [item.label for item in completeness(session).missing]
    assert "Modalités de recrutement" in missing and "Durée totale en heures" in missing
    assert 0 < completeness(session).percent < 100


def test_r_e3_education_nationale_certifications_are_exempt(app):
    session = memory_session()
    formation = session.formation
    certification = Certification(id=999999, code_rncp="RNCP99999", intitule="CAP test", education_nationale=False)
    formation.certifications = [FormationCertification(certification=certification, principal=True)]
    assert habilitation_problems(formation)[0].severity == "warning"
    certification.education_nationale = True
    assert habilitation_problems(formation) == []
    assert all(p.field != "certifications" or p.severity == "warning" for p in session_record_problems(session))


# --- bulk close recrutement (K2, F16) goes through the checks ----------------------------------


def test_r_f16_r_k2_bulk_close_recrutement_sets_ferme_and_records_history(login, reset_demo):
    from app.extensions import db
    from app.models import HistoryEntry

    client = login("gestionnaire")
    session = formation_like("Sécurité incendie%").sessions[0]
    response = client.post("/sessionview/action_post", data={"action": "close_recrutement", "rowid": [session.id]},
                           follow_redirects=True)
    assert "Recrutement fermé sur 1 financement(s)" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [f.etat_recrutement.libelle for f in db.session.get(Session, session.id).financements] == ["Fermé"]
    assert db.session.query(HistoryEntry).filter_by(entity="session", entity_id=session.id,
                                                    action="Fermeture du recrutement").count() == 1
    again = close_recrutement(db.session, [session.id], lambda statement: statement)
    assert (again.changed, again.unchanged) == (0, 1)


def test_r_k2_contacts_cannot_close_recrutement_in_bulk(login):
    client = login("contact")
    session = formation_like("Sécurité incendie%").sessions[0]
    response = client.post("/sessionview/action_post", data={"action": "close_recrutement", "rowid": [session.id]})
    assert response.status_code in (302, 403)
    from app.extensions import db

    db.session.expire_all()
    assert [f.etat_recrutement.code for f in db.session.get(Session, session.id).financements] == ["1"]


def test_r_f14_bulk_close_recrutement_leaves_finished_sessions_alone(login, reset_demo):
    from app.extensions import db

    client = login("gestionnaire")
    finished = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == SessionEtat.TERMINEE)
    response = client.post("/sessionview/action_post", data={"action": "close_recrutement", "rowid": [finished.id]},
                           follow_redirects=True)
    assert "Cette session est terminée" in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert [f.etat_recrutement.code for f in db.session.get(Session, finished.id).financements] == ["1"]
