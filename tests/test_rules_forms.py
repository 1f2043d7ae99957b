"""The rules on the forms (SPEC C, E, F): a refused form comes back with the typed values and the
French message next to the field, and nothing is saved; a valid one saves (issue 3, wiring)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    CoordonneeKind,
    CycleAlternance,
    Formation,
    FormationCertification,
    Lieu,
    Mesure,
    Nomenclature,
    NomenclatureKind as K,
    Recrutement,
    Session,
    Structure,
)
from app.views.offer import FormationView, SessionView
from app.views.offer_children import CycleAlternanceView, RecrutementView
from app.views.structures import StructureView
from tests.helpers import error_next_to, form_data, formation_like, nomenclature, open_draft, page_messages, structure


def cfa() -> Structure:
    return structure("CFA Bâtiment Normandie")


def securite() -> Formation:
    """CFA formation in creation (RNCP38228), one draft session at the Rouen antenna."""
    return formation_like("Sécurité incendie%")


def securite_session() -> Session:
    return securite().sessions[0]


def macon() -> Formation:
    """CFA apprentissage formation, published, RNCP37682, durée de cycle 2."""
    return formation_like("Titre professionnel maçon%")


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def edit_session(client, session, **changes):
    return client.post(f"/sessionview/edit/{session.id}", data=form_data(session, SessionView.edit_columns, **changes))


# --- sessions (F1, F2, F5, F9, F10, F12) -------------------------------------------------------


def test_r_f1_session_form_refuses_end_before_start_and_keeps_what_was_typed(login):
    client = login("contact")
    session = securite_session()
    saved = (session.debut, session.fin)
    response = edit_session(client, session, debut="10/05/2027", fin="09/05/2027",
                            prerequis="Texte saisi à conserver")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La date de fin doit être postérieure ou égale à la date de début." in error_next_to(page, "fin")
    assert 'value="10/05/2027"' in page and "Texte saisi à conserver" in page
    assert (fresh(Session, session.id).debut, fresh(Session, session.id).fin) == saved


def test_r_f1_one_day_session_is_accepted(login, reset_demo):
    client = login("contact")
    session = securite_session()
    day = (date.today() + timedelta(days=40)).strftime("%d/%m/%Y")
    response = edit_session(client, session, debut=day, fin=day)
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    assert fresh(Session, session.id).debut == fresh(Session, session.id).fin


def test_r_f2_session_must_start_before_the_certification_end(login, reset_demo):
    client = login("contact")
    session = securite_session()
    end = session.formation.certifications[0].certification.date_fin_enregistrement  # 31/08/2028
    on_end = end.strftime("%d/%m/%Y")
    response = edit_session(client, session, debut=on_end, fin=(end + timedelta(days=30)).strftime("%d/%m/%Y"))
    assert response.status_code == 200
    assert "antérieure à la date de fin d'enregistrement" in error_next_to(response.get_data(as_text=True), "debut")
    day_before = (end - timedelta(days=1)).strftime("%d/%m/%Y")
    response = edit_session(client, session, debut=day_before, fin=(end + timedelta(days=30)).strftime("%d/%m/%Y"))
    assert response.status_code == 302


def test_r_f5_session_without_contact_is_refused(login):
    client = login("contact")
    response = edit_session(client, securite_session(), contact="__None")
    assert "Choisissez le contact de la session." in error_next_to(response.get_data(as_text=True), "contact")


def test_r_f12_lieu_inscription_is_required(login):
    client = login("contact")
    response = edit_session(client, securite_session(), lieu_inscription="__None")
    assert "Le lieu d'inscription est obligatoire." in error_next_to(response.get_data(as_text=True), "lieu_inscription")


def test_r_f1_short_session_must_be_yearly_with_permanent_entry(login, reset_demo):
    client = login("contact")
    session = securite_session()
    year = session.debut.year
    page = edit_session(client, session, duree_centre="35", duree_entreprise=None, debut="02/03/2027",
                        fin="06/03/2027", entree_sortie_permanente=None).get_data(as_text=True)
    assert "session annuelle : elle commence le 01/01/2027" in error_next_to(page, "debut")
    assert "se termine le 31/12/2027 (au plus tard le 31/03/2028)" in error_next_to(page, "fin")
    assert "entrée-sortie permanente : cochez la case" in error_next_to(page, "entree_sortie_permanente")
    assert fresh(Session, session.id).debut.year == year  # nothing saved
    # durations are whole hours (LHEO nombre-heures-*: integers): 35.5 is refused as such, not rounded
    page = edit_session(client, session, duree_centre="35.5", duree_entreprise=None, debut="02/03/2027",
                        fin="06/03/2027", entree_sortie_permanente=None).get_data(as_text=True)
    assert "entier" in error_next_to(page, "duree_centre") and "session annuelle" not in error_next_to(page, "debut")
    response = edit_session(client, session, duree_centre="36", duree_entreprise=None, debut="02/03/2027",
                            fin="06/03/2027", entree_sortie_permanente=None)
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))  # 36 h: a dated session
    page = edit_session(client, session, duree_centre="35", duree_entreprise=None, debut="01/01/2027",
                        fin="01/04/2028", entree_sortie_permanente="y").get_data(as_text=True)
    assert "au plus tard le 31/03/2028" in error_next_to(page, "fin")  # one day too far
    response = edit_session(client, session, duree_centre="35", duree_entreprise=None, debut="01/01/2027",
                            fin="31/03/2028", entree_sortie_permanente="y")
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    saved = fresh(Session, session.id)
    assert (saved.debut, saved.fin, saved.entree_sortie_permanente) == (date(2027, 1, 1), date(2028, 3, 31), True)


def test_r_f10_zero_hours_in_company_is_refused_and_total_is_computed(login, reset_demo):
    client = login("contact")
    session = securite_session()
    response = edit_session(client, session, duree_centre="140", duree_entreprise="0")
    assert "ne peut pas être 0" in error_next_to(response.get_data(as_text=True), "duree_entreprise")
    response = edit_session(client, session, duree_centre="140", duree_entreprise="35")
    assert response.status_code == 302
    assert fresh(Session, session.id).duree_totale == 175


def test_r_f9_apprentissage_session_needs_total_validation_of_blocs(login, reset_demo):
    client = login("contact")
    session = open_draft(macon()).sessions[0]
    partielle = nomenclature(K.VALIDATION_BLOCS, "0")
    response = edit_session(client, session, validation_blocs=str(partielle.id), blocs=[])
    assert "Pour l'apprentissage, la validation doit être totale." in error_next_to(
        response.get_data(as_text=True), "blocs")


# --- formations (E1, E4, E5, E6, E10) ------------------------------------------------------------


def formation_form(formation, **changes) -> dict:
    return form_data(formation, FormationView.edit_columns, **changes)


def test_r_e4_capital_letters_title_is_refused_with_the_text_kept(login):
    client = login("contact")
    formation = securite()
    response = client.post(f"/formationview/edit/{formation.id}", data=formation_form(
        formation, intitule="SÉCURITÉ INCENDIE VÉRIFICATION", objectifs="Objectifs modifiés"))
    page = response.get_data(as_text=True)
    assert "ne doit pas être écrit en majuscules" in error_next_to(page, "intitule")
    assert "SÉCURITÉ INCENDIE VÉRIFICATION" in page and "Objectifs modifiés" in page
    assert fresh(Formation, formation.id).intitule.startswith("Sécurité incendie")


def test_r_e5_rich_text_refuses_script_and_3001_characters_accepts_3000(login, reset_demo):
    client = login("contact")
    formation = securite()
    response = client.post(f"/formationview/edit/{formation.id}", data=formation_form(
        formation, contenu="<p>Programme</p><script>alert(1)</script>"))
    assert "ni script, ni image, ni tableau" in error_next_to(response.get_data(as_text=True), "contenu")
    response = client.post(f"/formationview/edit/{formation.id}",
                           data=formation_form(formation, objectifs="<p>" + "a" * 3001 + "</p>"))
    assert "ne doit pas dépasser 3000 caractères" in error_next_to(response.get_data(as_text=True), "objectifs")
    response = client.post(f"/formationview/edit/{formation.id}", data=formation_form(
        formation, objectifs='<p onclick="steal()">' + "a" * 2990 + ' <b>gras</b></p>'))
    assert response.status_code == 302
    saved = fresh(Formation, formation.id).objectifs
    assert "<b>gras</b>" in saved and "onclick" not in saved


def test_r_e5_rich_text_fields_carry_a_live_counter(login):
    page = login("contact").get(f"/formationview/edit/{securite().id}").get_data(as_text=True)
    assert page.count('data-maxchars="3000"') == 3
    # The counter (forms.js) and the editor (richtext.js); their behaviour: tests/test_browser.py.
    assert "/static/js/forms.js" in page and "/static/js/richtext.js" in page


@pytest.mark.parametrize("value, accepted", [("0", False), ("1", True), ("5", True), ("6", False)])
def test_r_e6_duree_cycle_bounds_on_the_form(login, reset_demo, value, accepted):
    client = login("contact")
    formation = open_draft(macon())
    response = client.post(f"/formationview/edit/{formation.id}", data=formation_form(formation, duree_cycle=value))
    if accepted:
        assert response.status_code == 302
        assert fresh(Formation, formation.id).duree_cycle == int(value)
    else:
        assert "comprise entre 1 et 5" in error_next_to(response.get_data(as_text=True), "duree_cycle")


def test_r_e10_non_certifiante_formation_needs_a_formacode(login, reset_demo):
    formation = open_draft(formation_like("Bureautique%"), "contact.autre")
    response = login("contact.autre").post(f"/formationview/edit/{formation.id}",
                                           data=formation_form(formation, formacodes=[]))
    assert "Indiquez au moins un Formacode" in " ".join(page_messages(response.get_data(as_text=True)))


def test_r_e1_forged_post_under_an_antenna_is_refused(login):
    client = login("contact")
    antenna = cfa().antennes[0]
    count = db.session.query(Formation).count()
    response = client.post("/formationview/add", data={
        "structure": str(antenna.id), "intitule": "Plomberie", "objectifs": "Installer", "formacodes": []})
    assert response.status_code == 200
    assert db.session.query(Formation).count() == count


# --- the session's child lists (F3, F4, F6, F7, F8, F13) -----------------------------------------


def recrutement_form(session, **values) -> dict:
    ico = nomenclature(K.MODALITE_RECRUTEMENT, "MR.09")
    day = (date.today() + timedelta(days=10)).strftime("%d/%m/%Y")
    data = {"session": str(session.id), "modalite": str(ico.id), "numero": "ICO-T", "date_debut": day,
            "date_fin": day, "heure_debut": "09:00", "heure_fin": "11:00", "nb_places": "20",
            "ligne": "12 rue du Bâtiment", "code_postal": "14000", "ville": "Caen"}
    data.update(values)
    return data


@pytest.mark.parametrize("field, value, accepted, message", [
    ("heure_debut", "07:00", True, ""),
    ("heure_debut", "06:59", False, "au plus tôt 07:00"),
    ("heure_fin", "20:00", True, ""),
    ("heure_fin", "20:01", False, "au plus tard 20:00"),
    ("nb_places", "299", True, ""),
    ("nb_places", "300", False, "compris entre 1 et 299"),
    ("nb_places", "0", False, "compris entre 1 et 299"),
])
def test_r_f13_ico_bounds_on_the_form(login, reset_demo, field, value, accepted, message):
    client = login("contact")
    session = securite_session()
    values = {field: value}
    if field == "heure_fin":
        values["heure_debut"] = "18:00"
    response = client.post("/recrutementview/add", data=recrutement_form(session, **values))
    numbers = [r.numero for r in fresh(Session, session.id).recrutements]
    if accepted:
        assert response.status_code == 302, page_messages(response.get_data(as_text=True))
        assert "ICO-T" in numbers
    else:
        assert message in error_next_to(response.get_data(as_text=True), field)
        assert "ICO-T" not in numbers


def test_r_f13_ico_in_the_past_and_duplicate_number_are_refused(login):
    client = login("contact")
    session = securite_session()
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    page = client.post("/recrutementview/add", data=recrutement_form(
        session, date_debut=yesterday, date_fin=yesterday)).get_data(as_text=True)
    assert "postérieure ou égale à la date du jour" in error_next_to(page, "date_debut")
    page = client.post("/recrutementview/add", data=recrutement_form(session, numero="ICO-1")).get_data(as_text=True)
    assert "déjà utilisé" in error_next_to(page, "numero")


def test_r_f13_overlapping_isc_periods_are_refused(login):
    client = login("contact")
    session = securite_session()
    existing = next(r for r in session.recrutements if r.numero == "ISC-1")
    isc = nomenclature(K.MODALITE_RECRUTEMENT, "MR.07")
    page = client.post("/recrutementview/add", data={
        "session": str(session.id), "modalite": str(isc.id), "numero": "ISC-2",
        "date_debut": existing.date_fin.strftime("%d/%m/%Y"),
        "date_fin": (existing.date_fin + timedelta(days=3)).strftime("%d/%m/%Y"), "nb_places": "10",
    }).get_data(as_text=True)
    assert "chevauche" in error_next_to(page, "date_debut")


def test_r_f13_editing_a_past_ico_without_changing_its_date_is_allowed(login, reset_demo):
    client = login("contact")
    recrutement = next(r for r in securite_session().recrutements if r.numero == "ICO-1")
    recrutement.date_debut = recrutement.date_fin = date.today() - timedelta(days=3)  # held last week
    db.session.commit()
    columns = RecrutementView.edit_columns
    response = client.post(f"/recrutementview/edit/{recrutement.id}",
                           data=form_data(recrutement, columns, commentaire="Salle B"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))


def financement_form(session, mesure: Mesure, **values) -> dict:
    data = {"session": str(session.id), "financeur": str(mesure.financeur_id), "mesure": str(mesure.id),
            "nb_places": "10"}
    data.update(values)
    return data


def mesure(code: str) -> Mesure:
    return db.session.execute(select(Mesure).where(Mesure.code == code)).scalars().first()


def test_r_f6_mesure_must_belong_to_the_financeur_and_places_at_least_one(login):
    client = login("contact")
    session = securite_session()
    other_financeur = mesure("CR-PRF").financeur
    cpf = mesure("CPF")
    assert cpf.financeur_id != other_financeur.id
    page = client.post("/financementview/add", data=financement_form(
        session, cpf, financeur=str(other_financeur.id))).get_data(as_text=True)
    assert "n'est pas proposée par le financeur choisi" in error_next_to(page, "mesure")
    page = client.post("/financementview/add", data=financement_form(session, cpf, nb_places="0")).get_data(as_text=True)
    assert "supérieur ou égal à 1" in error_next_to(page, "nb_places")


def test_r_f6_contact_cannot_set_the_etat_du_dispositif(login, reset_demo):
    client = login("contact")
    session = securite_session()
    etat = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ETAT_DISPOSITIF)).scalars().first()
    response = client.post("/financementview/add", data=financement_form(
        session, mesure("CPF"), etat_dispositif=str(etat.id), nb_places="4"))
    assert response.status_code == 302
    added = [f for f in fresh(Session, session.id).financements if f.nb_places == 4]
    assert added and added[0].etat_dispositif is None


def test_r_f7_contrat_pro_is_not_mixed_with_another_dispositif(login):
    client = login("contact")
    session = securite_session()  # already financed by CPF
    page = client.post("/financementview/add", data=financement_form(session, mesure("OPCO-CP"))).get_data(as_text=True)
    assert "session dédiée" in error_next_to(page, "mesure")


def test_r_e7_apprentissage_mesure_needs_an_apprentissage_formation(login):
    client = login("contact")
    page = client.post("/financementview/add", data=financement_form(
        securite_session(), mesure("OPCO-APP"))).get_data(as_text=True)
    assert "formation dédiée" in error_next_to(page, "mesure")


def cycle_form(session, **values) -> dict:
    data = {"session": str(session.id), "annee": "1", "effectif_minimal": "5", "capacite_simultanee": "10",
            "capacite_cumulee": "20"}
    data.update(values)
    return data


def test_r_f8_cycle_year_capacities_and_uniqueness(login, reset_demo):
    client = login("contact")
    session = open_draft(macon()).sessions[0]  # durée de cycle 2, years 1 and 2
    page = client.post("/cyclealternanceview/add", data=cycle_form(session, annee="3")).get_data(as_text=True)
    assert "comprise entre 1 et 2" in error_next_to(page, "annee")
    page = client.post("/cyclealternanceview/add", data=cycle_form(session, annee="1")).get_data(as_text=True)
    assert "déjà décrite" in error_next_to(page, "annee")
    cycle = session.cycles[0]
    columns = CycleAlternanceView.edit_columns
    page = client.post(f"/cyclealternanceview/edit/{cycle.id}", data=form_data(
        cycle, columns, capacite_simultanee="15", capacite_cumulee="14")).get_data(as_text=True)
    assert "supérieure ou égale à la capacité simultanée" in error_next_to(page, "capacite_cumulee")
    response = client.post(f"/cyclealternanceview/edit/{cycle.id}", data=form_data(
        cycle, columns, capacite_simultanee="15", capacite_cumulee="15"))
    assert response.status_code == 302
    assert fresh(CycleAlternance, cycle.id).capacite_cumulee == 15


def test_r_f3_same_formateur_twice_is_refused_and_principal_moves(login, reset_demo):
    client = login("contact")
    session = securite_session()
    current = session.formateurs[0]
    page = client.post("/sessionformateurview/add", data={
        "session": str(session.id), "structure": str(current.structure_id)}).get_data(as_text=True)
    assert "déjà OF formateur" in error_next_to(page, "structure")
    other = next(a for a in cfa().antennes if a.id != current.structure_id)
    response = client.post("/sessionformateurview/add", data={
        "session": str(session.id), "structure": str(other.id), "principal": "y"})
    assert response.status_code == 302
    formateurs = fresh(Session, session.id).formateurs
    assert [f.structure_id for f in formateurs if f.principal] == [other.id]


def test_r_f4_lieu_outside_the_region_is_refused(login, reset_demo):
    client = login("contact")
    session = securite_session()
    paris = Lieu(structure=cfa(), nom="Salle parisienne", ligne="1 rue de Rivoli", code_postal="75001",
                 ville="Paris", latitude=48.86, longitude=2.34)
    db.session.add(paris)
    db.session.commit()
    page = client.post("/sessionlieuview/add", data={"session": str(session.id), "lieu": str(paris.id)}).get_data(
        as_text=True)
    assert "hors de la région Normandie" in error_next_to(page, "lieu")
    assert all(link.lieu_id != paris.id for link in fresh(Session, session.id).lieux)


# --- structures (C1, C3, C11) -------------------------------------------------------------------


def test_r_c1_manager_typing_an_invalid_siret_is_told_and_nothing_changes(login):
    client = login("gestionnaire")
    target = cfa()
    data = form_data(target, StructureView.edit_columns, siret="32945614200011", enseigne="Nouvelle enseigne")
    page = client.post(f"/structureview/edit/{target.id}", data=data).get_data(as_text=True)
    assert "clé de contrôle incorrecte" in error_next_to(page, "siret")
    assert "Nouvelle enseigne" in page
    assert fresh(Structure, target.id).siret == "32945614200010"


def test_r_c1_antenna_cannot_carry_an_nda(login):
    client = login("gestionnaire")
    antenna = cfa().antennes[0]
    data = form_data(antenna, StructureView.edit_columns, nda="28140123414")
    page = client.post(f"/structureview/edit/{antenna.id}", data=data).get_data(as_text=True)
    assert "seul le siège en a un" in error_next_to(page, "nda")


def test_r_c3_invalid_email_refused_and_one_principal_per_list(login, reset_demo):
    client = login("contact")
    target = cfa()
    email_kind = CoordonneeKind.EMAIL
    page = client.post("/coordonneeview/add", data={
        "structure": str(target.id), "nature": email_kind, "valeur": "pas-une-adresse"}).get_data(as_text=True)
    assert "n'est pas valide" in error_next_to(page, "valeur")
    client = login("gestionnaire")  # written at once (a contact's addition waits for validation: C9)
    response = client.post("/coordonneeview/add", data={
        "structure": str(target.id), "nature": email_kind, "valeur": "inscriptions@cfa-btp.example",
        "principal": "y", "diffusion": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    emails = [c for c in structure("CFA Bâtiment Normandie").coordonnees if c.nature == email_kind]
    assert [c.valeur for c in emails if c.principal] == ["inscriptions@cfa-btp.example"]


def test_r_c11_lieu_needs_coordinates_and_a_duplicate_address_is_only_warned(login, reset_demo):
    client = login("contact")
    target = cfa()
    base = {"structure": str(target.id), "nom": "Annexe", "ligne": "12 rue du Bâtiment", "code_postal": "14000",
            "ville": "Caen"}
    page = client.post("/lieuview/add", data=base).get_data(as_text=True)
    assert "latitude est obligatoire" in error_next_to(page, "latitude")
    response = client.post("/lieuview/add", data={**base, "latitude": "49.18", "longitude": "-0.37"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert any("doublon probable" in m for m in page_messages(response.get_data(as_text=True)))
    assert db.session.execute(select(Lieu).where(Lieu.nom == "Annexe")).scalar_one()


# --- certifications of a formation (E2, E8) --------------------------------------------------------


def test_r_e8_published_formation_keeps_its_rncp_code(login, reset_demo):
    client = login("contact")
    formation = open_draft(macon())  # the draft of a published formation (RNCP37682)
    link = formation.certifications[0]
    other = db.session.execute(select(FormationCertification.certification_id)
                               .where(FormationCertification.certification_id != link.certification_id)).scalars().first()
    page = client.post(f"/formationcertificationview/edit/{link.id}", data={
        "formation": str(formation.id), "certification": str(other), "principal": "y"}).get_data(as_text=True)
    assert "ne peut pas être changée" in error_next_to(page, "certification")
    client.post(f"/formationcertificationview/delete/{link.id}")
    assert fresh(FormationCertification, link.id) is not None


def test_r_e2_certification_needs_a_certifiante_formation(login, reset_demo):
    client = login("contact.autre")
    formation = open_draft(formation_like("Bureautique%"), "contact.autre")
    certification_id = macon().certifications[0].certification_id
    page = client.post("/formationcertificationview/add", data={
        "formation": str(formation.id), "certification": str(certification_id)}).get_data(as_text=True)
    assert "Cochez « Certifiante »" in error_next_to(page, "certification")


# --- a refused save never loses what is already saved -------------------------------------------


def test_refused_child_form_leaves_the_saved_session_untouched(login):
    client = login("contact")
    session = securite_session()
    before = {(r.numero, r.date_debut) for r in session.recrutements}
    client.post("/recrutementview/add", data=recrutement_form(session, heure_debut="05:00"))
    assert {(r.numero, r.date_debut) for r in fresh(Session, session.id).recrutements} == before
    assert db.session.query(Recrutement).filter(Recrutement.numero == "ICO-T").count() == 0


def test_r_c6_public_funding_without_qualiopi_is_refused_on_the_form(login, reset_demo):
    client = login("contact")
    target = cfa()
    target.qualiopi_action_formation = False
    db.session.commit()
    page = client.post("/financementview/add", data=financement_form(
        securite_session(), mesure("CR-PRF"))).get_data(as_text=True)
    assert "Qualiopi « actions de formation »" in error_next_to(page, "mesure")
    response = client.post("/financementview/add", data=financement_form(securite_session(), mesure("AUTOFIN")))
    assert response.status_code == 302  # learner-paid training needs no Qualiopi


def _options(page: str, field: str) -> list[str]:
    import html
    import re

    select_html = re.search(rf'<select[^>]*id="{field}".*?</select>', page, re.S).group(0)
    return [html.unescape(o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", select_html, re.S)]


def test_r_f11_session_form_offers_the_modalites_lists(login):
    page = login("contact").get(f"/sessionview/edit/{securite_session().id}").get_data(as_text=True)
    assert {"En groupe (non personnalisable)", "Individualisé", "Modularisé", "Mixte"} <= set(_options(page, "type_parcours"))
    assert {"Temps plein", "Temps partiel", "En alternance", "Cours du soir"} <= set(_options(page, "rythmes"))
    assert {"Formation entièrement présentielle", "Formation mixte", "Formation entièrement à distance"} <= set(
        _options(page, "modalite_enseignement"))
    for name in ("prerequis", "equipements", "modalites_commentaire", "modalites_pedagogiques", "niveau_entree"):
        assert f'name="{name}"' in page


def test_r_c4_structure_form_offers_the_seven_infrastructures(login):
    page = login("contact").get(f"/structureview/edit/{cfa().id}").get_data(as_text=True)
    assert set(_options(page, "infrastructures")) >= {
        "Restauration", "Hébergement", "Accès handicapés", "Bus", "Tram", "Train", "Parkings"}


def test_r_f6_ttc_computed_from_ht_and_the_rate_of_vat(login, reset_demo):
    client = login("contact")
    session = securite_session()
    response = client.post("/financementview/add", data=financement_form(
        session, mesure("CPF"), nb_places="3", prix_ht="99.99", tva="5.5", frais_certification="150",
        frais_additionnels="49.90", frais_additionnels_details="Tenue de travail et chaussures de sécurité"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    added = next(f for f in fresh(Session, session.id).financements if f.nb_places == 3)
    assert added.prix_ttc == Decimal("105.49")  # 105.48945, rounded half up to the cent
    assert (added.tva, added.frais_certification, added.frais_additionnels) == (
        Decimal("5.50"), Decimal("150.00"), Decimal("49.90"))
    assert added.frais_additionnels_details == "Tenue de travail et chaussures de sécurité"


def test_r_f6_prise_en_charge_des_frais_pedagogiques_oui_non_or_left_to_the_financeur(login, reset_demo):
    client = login("contact")
    session = securite_session()
    form = client.get(f"/financementview/add?_flt_0_session={session.id}").get_data(as_text=True)
    assert _options(form, "prise_en_charge_frais") == ["Selon le financeur", "Oui", "Non"]
    response = client.post("/financementview/add", data=financement_form(
        session, mesure("CPF"), nb_places="4", prise_en_charge_frais="False"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    added = next(f for f in fresh(Session, session.id).financements if f.nb_places == 4)
    assert added.prise_en_charge_frais is False
    edit = client.get(f"/financementview/edit/{added.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="False">Non</option>|<option value="False" selected>Non</option>', edit)
    response = client.post(f"/financementview/edit/{added.id}", data=financement_form(
        session, mesure("CPF"), nb_places="4", prise_en_charge_frais="None"))
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    assert fresh(type(added), added.id).prise_en_charge_frais is None


def test_r_f6_inconsistent_ttc_refused_next_to_the_field_and_kept(login, reset_demo):
    client = login("contact")
    session = securite_session()
    before = len(fresh(Session, session.id).financements)
    page = client.post("/financementview/add", data=financement_form(
        session, mesure("CPF"), prix_ht="1000", tva="20", prix_ttc="1100")).get_data(as_text=True)
    assert error_next_to(page, "prix_ttc") == (  # the helper reads the narrow no-break space as a space
        "Le prix TTC doit être égal au prix HT augmenté de la TVA : 1 200,00 €.")
    assert 'value="1100"' in page  # what the user typed stays in the form
    page = client.post("/financementview/add", data=financement_form(
        session, mesure("CPF"), prix_ht="1000", tva="240")).get_data(as_text=True)
    assert "Le taux de TVA doit être compris entre 0 et 100" in error_next_to(page, "tva")
    assert len(fresh(Session, session.id).financements) == before


# --- F5 référents handicap / PMR and mobilité: contacts of the session's structures -------------


def test_r_f5_referents_chosen_among_the_structures_contacts(login, reset_demo):
    from app.models import StructureContact

    client = login("contact")
    session = securite_session()
    own = [c for c in cfa().contacts]
    assert own
    response = edit_session(client, session, referent_handicap_contact=str(own[0].id), referent_handicap=None,
                            referent_mobilite_contact=None, referent_mobilite="Mme Martin, 02 31 00 00 00")
    assert response.status_code == 302, page_messages(response.get_data(as_text=True))
    saved = fresh(Session, session.id)
    assert saved.referent_handicap_contact_id == own[0].id and saved.referent_mobilite == "Mme Martin, 02 31 00 00 00"

    page = edit_session(client, session, referent_handicap_contact=str(own[0].id),
                        referent_handicap="M. Petit").get_data(as_text=True)
    assert "déjà choisi parmi les contacts" in error_next_to(page, "referent_handicap")

    # a manager (who may pick any contact) cannot name another organisation's contact
    manager = login("gestionnaire")
    foreign = db.session.execute(select(StructureContact).where(
        StructureContact.structure_id == structure("Institut Horizon Formation").id)).scalars().first()
    page = manager.post(f"/sessionview/edit/{session.id}", data=form_data(
        fresh(Session, session.id), SessionView.edit_columns,
        referent_handicap_contact=str(foreign.id))).get_data(as_text=True)
    assert "parmi les contacts des structures de la session" in error_next_to(page, "referent_handicap_contact")
    assert fresh(Session, session.id).referent_handicap_contact_id == own[0].id
