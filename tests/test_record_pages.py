"""Formation and session pages with tabs, edited in place (issue 12; SPEC E2, F3–F5, F9, F12, F13):
the tabs and child lists, the dialogs' forms (fragments, JSON once saved, typed values kept when
refused), the record's fields edited tab by tab through the same rules, the defaults of a new
session, and no edit control where the user cannot edit."""
from __future__ import annotations

import html

import lxml.html
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Formation,
    Nomenclature,
    NomenclatureKind,
    Session,
    SessionEtat,
)
from tests.helpers import formation_like

DIALOG = {"X-Requested-With": "XMLHttpRequest"}


def tree(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.get_data(as_text=True))


def editable_session() -> Session:
    """The CFA's session of a formation en cours de création (its contact may change it)."""
    return next(s for s in formation_like("Sécurité incendie%").sessions)


def test_session_page_has_its_tabs_and_child_lists(login):
    session = editable_session()
    page = tree(login("contact").get(f"/sessionview/show/{session.id}"))
    tabs = [a.text_content().split()[0] for a in page.xpath("//ul[contains(@class,'portal-tabs')]//a")]
    assert tabs[:4] == ["Dates", "Lieux", "Financements", "Recrutement"] and "Inscription" in tabs
    for key in ("formateurs", "lieux", "financements", "recrutements"):
        assert page.xpath(f"//section[@id='liste-{key}']"), key
    # Each child list is added to in place: a dialog's URL, filtered on the session.
    add = page.xpath("//section[@id='liste-financements']//div[@class='panel-footer']/a[@data-modal-url]")[0]
    assert add.get("data-modal-url") == f"/financementview/add?_flt_0_session={session.id}"
    assert page.xpath("//*[@id='controles']")  # the checks panels stay on the page


def test_formation_page_has_informations_sessions_and_gestion(login):
    formation = formation_like("Sécurité incendie%")
    page = tree(login("contact").get(f"/formationview/show/{formation.id}"))
    tabs = [a.text_content().strip() for a in page.xpath("//ul[contains(@class,'portal-tabs')]//a")]
    assert [t.split()[0] for t in tabs] == ["Informations", "Sessions", "Gestion"]
    assert page.xpath("//section[@id='liste-certifications']")
    sessions = page.xpath("//section[@id='liste-sessions']//tbody//a/text()")
    assert {s.reference for s in formation.sessions} == set(sessions)
    assert page.xpath("//section[@id='liste-sessions']//a[@data-modal-url]")[0].get("data-modal-url") == \
        f"/sessionview/add?_flt_0_formation={formation.id}"


def test_a_dialog_gets_the_form_alone_with_required_fields_marked(login):
    session = editable_session()
    response = login("contact").get(f"/recrutementview/add?_flt_0_session={session.id}", headers=DIALOG)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'class="portal-form"' in body
    form = lxml.html.fromstring(body)
    assert not form.xpath("//*[@name='session']")  # the session is the page's
    modalite = form.xpath("//select[@name='modalite']")[0]
    assert modalite.get("aria-required") == "true"
    assert "*" in form.xpath("//label[@for='modalite']")[0].text_content()
    assert all(form.xpath(f"//label[@for='{control.get('id')}']") or control.xpath("ancestor::label")
               for control in form.xpath("//input[@type!='hidden']|//select|//textarea"))


def test_a_refused_dialog_comes_back_with_the_messages_and_the_typed_values(login, reset_demo):
    session = editable_session()
    before = len(session.financements)
    client = login("contact")
    response = client.post(f"/financementview/add?_flt_0_session={session.id}", headers=DIALOG,
                           data={"nb_places": "0", "numero_marche": "M-2027-042"})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "<html" not in body
    assert 'value="M-2027-042"' in body  # what was typed
    assert "Le formulaire contient des erreurs" in body
    db.session.expire_all()
    assert len(db.session.get(Session, session.id).financements) == before


def test_a_saved_dialog_answers_json_and_the_page_shows_the_row(login, reset_demo):
    session = editable_session()
    mesure = session.financements[0].mesure
    client = login("contact")
    response = client.post(f"/financementview/add?_flt_0_session={session.id}", headers=DIALOG, data={
        "financeur": mesure.financeur_id, "mesure": mesure.id, "nb_places": "12", "numero_marche": "M-2027-042"})
    assert response.status_code == 200 and response.is_json and response.json["ok"] is True
    page = client.get(f"/sessionview/show/{session.id}").get_data(as_text=True)
    assert "M-2027-042" in page


def test_r_f10_a_tab_of_fields_is_saved_through_the_same_rules(login, reset_demo):
    session = editable_session()
    client = login("contact")
    url = f"/sessionview/onglet/{session.id}/durees"
    form = lxml.html.fromstring(client.get(url, headers=DIALOG).get_data(as_text=True))
    names = {e.get("name") for e in form.xpath("//input|//select|//textarea") if e.get("type") != "hidden"}
    assert names == {"duree_centre", "duree_entreprise", "duree_hebdomadaire", "duree_indicative", "duree_commentaire"}
    refused = client.post(url, headers=DIALOG, data={"duree_centre": "140", "duree_entreprise": "0"})
    assert "ne peut pas être 0" in html.unescape(refused.get_data(as_text=True))
    saved = client.post(url, headers=DIALOG, data={"duree_centre": "140", "duree_entreprise": "35",
                                                   "duree_hebdomadaire": "35"})
    assert saved.is_json
    db.session.expire_all()
    changed = db.session.get(Session, session.id)
    assert (changed.duree_centre, changed.duree_entreprise, changed.duree_totale) == (140, 35, 175)
    assert changed.debut == session.debut and changed.contact_id == session.contact_id  # other tabs untouched


def test_r_f6_etat_du_dispositif_is_not_in_a_contacts_financement_form(login):
    session = editable_session()
    financement = session.financements[0]
    url = f"/financementview/edit/{financement.id}?_flt_0_session={session.id}"
    contact = login("contact").get(url, headers=DIALOG).get_data(as_text=True)
    assert 'name="etat_dispositif"' not in contact and 'name="nb_places"' in contact
    assert 'name="etat_dispositif"' in login("gestionnaire").get(url, headers=DIALOG).get_data(as_text=True)


def test_r_f3_r_f4_r_f5_r_f12_a_new_session_gets_its_formateur_lieux_and_contact(login, reset_demo):
    formation = formation_like("Sécurité incendie%")
    responsable = formation.structure
    client = login("contact")
    response = client.post(f"/sessionview/add?_flt_0_formation={formation.id}", headers=DIALOG,
                           data={"debut": "01/03/2027", "fin": "30/06/2027", "duree_centre": "140"})
    assert response.is_json, response.get_data(as_text=True)
    location = response.json["location"]
    assert location.startswith("/sessionview/show/")  # the new session's page opens
    created = db.session.get(Session, int(location.rsplit("/", 1)[1]))
    assert [(f.structure_id, f.principal) for f in created.formateurs] == [(responsable.id, True)]  # F3
    lieu = min(responsable.lieux, key=lambda lieu: lieu.id)
    assert [(link.lieu_id, link.principal) for link in created.lieux] == [(lieu.id, True)]  # F4
    assert created.lieu_inscription_id == lieu.id  # F12
    principal = next(c for c in responsable.contacts if c.principal)
    assert created.contact_id == principal.id  # F5
    page = client.get(location).get_data(as_text=True)
    assert str(responsable) in html.unescape(page)


def test_r_f9_totale_selects_every_bloc_of_the_formations_certifications(login, reset_demo):
    macon = formation_like("Titre professionnel maçon%")
    session = next(s for s in macon.sessions if s.etat == SessionEtat.DIFFUSEE)  # the brouillon one breaks F2
    every = {b.id for link in macon.certifications for b in link.certification.blocs}
    assert len(every) > 1
    totale = db.session.execute(select(Nomenclature).where(Nomenclature.kind == NomenclatureKind.VALIDATION_BLOCS,
                                                           Nomenclature.code == "1")).scalar_one()
    client = login("gestionnaire")
    response = client.post(f"/sessionview/onglet/{session.id}/blocs", headers=DIALOG,
                           data={"validation_blocs": totale.id, "blocs": [min(every)]})
    assert response.is_json, html.unescape(response.get_data(as_text=True))[-2000:]
    db.session.expire_all()
    assert {b.id for b in db.session.get(Session, session.id).blocs} == every


def test_r_f13_an_ico_without_a_number_gets_the_next_one(login, reset_demo):
    session = editable_session()
    ico = db.session.execute(select(Nomenclature).where(Nomenclature.code == "MR.09")).scalar_one()
    day = session.debut.strftime("%d/%m/%Y")
    client = login("contact")
    numbers = []
    for _ in range(2):
        response = client.post(f"/recrutementview/add?_flt_0_session={session.id}", headers=DIALOG, data={
            "modalite": ico.id, "date_debut": day, "date_fin": day, "heure_debut": "09:00", "heure_fin": "11:00",
            "nb_places": "12", "a_distance": "y"})
        assert response.is_json, html.unescape(response.get_data(as_text=True))[-1500:]
        db.session.expire_all()
        numbers = sorted(r.numero for r in db.session.get(Session, session.id).recrutements
                         if r.modalite_id == ico.id)
    assert numbers == ["ICO-1", "ICO-2", "ICO-3"]  # the demo's ICO-1, then the next two


def test_no_edit_control_on_a_published_or_foreign_record(login):
    """A contact sees no pencil where he cannot edit: a published formation (changed through a
    Demande de modification) and a session of another organisation he only trains in."""
    client = login("contact")
    macon = formation_like("Titre professionnel maçon%")
    page = tree(client.get(f"/formationview/show/{macon.id}"))
    assert not page.xpath("//a[contains(@href,'/onglet/')]") and not page.xpath("//*[@data-delete-url]")
    assert not page.xpath("//section[@id='liste-certifications']//a[@data-modal-url]")
    assert "Demande de modification" in page.xpath("//div[@id='workflow']")[0].text_content()
    shared = next(s for s in formation_like("Bureautique%").sessions if len(s.formateurs) > 1)
    page = tree(client.get(f"/sessionview/show/{shared.id}"))
    assert not page.xpath("//*[@data-modal-url]") and not page.xpath("//*[@data-delete-url]")
    # The editable formation of the same contact has them.
    page = tree(client.get(f"/formationview/show/{formation_like('Sécurité incendie%').id}"))
    assert page.xpath("//a[contains(@href,'/onglet/')]")


def test_r_e2_a_new_formation_is_prefilled_from_its_certification(login, reset_demo):
    from app.models import Certification, Structure

    client = login("contact")
    form = tree(client.get("/formationview/add"))
    assert form.xpath("//select[@id='niveau_entree']/option[@selected]")[0].text_content() == "Sans niveau spécifique"
    cfa = db.session.execute(select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()
    assert form.xpath("//select[@id='structure']/option[@selected]/@value") == [str(cfa.id)]
    picker = form.xpath("//select[@id='certification']")[0]
    assert picker.get("data-picker-url") == "/formationview/choix/certification"
    macon = db.session.execute(select(Certification).where(Certification.code_rncp == "RNCP37682")).scalar_one()
    offered = client.get("/formationview/choix/certification?q=RNCP3768").get_json()["results"]
    text = next(row["text"] for row in offered if row["id"] == str(macon.id))
    assert "en vigueur" in text and f"fin d'enregistrement le {macon.date_fin_enregistrement:%d/%m/%Y}" in text
    prefill = client.get(f"/formationview/certification/{macon.id}").get_json()
    assert prefill["intitule"] == macon.intitule and prefill["niveau_sortie"] == macon.niveau_sortie_id
    assert macon.blocs and all(html.escape(bloc.libelle) in prefill["contenu"] for bloc in macon.blocs)
    response = client.post("/formationview/add", data={
        "structure": cfa.id, "certifiante": "y", "certification": macon.id, "intitule": "Maçon du bâti ancien",
        "objectifs": prefill["objectifs"], "contenu": prefill["contenu"], "niveau_sortie": macon.niveau_sortie_id})
    assert response.status_code == 302 and "/formationview/show/" in response.headers["Location"]
    created = db.session.get(Formation, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert created.certifiante and [(c.certification_id, c.principal) for c in created.certifications] == [
        (macon.id, True)]


def test_r_f12_r_f9_pickers_offer_the_sessions_own_lieux_and_blocs(login):
    from app.models import BlocCompetences, Lieu

    session = editable_session()
    client = login("contact")
    lieux = {int(r["id"]) for r in client.get(f"/sessionlieuview/choix/lieu?session={session.id}").get_json()["results"]}
    formateurs = {f.structure_id for f in session.formateurs}
    assert lieux and {db.session.get(Lieu, i).structure_id for i in lieux} <= formateurs
    everywhere = {int(r["id"]) for r in client.get("/sessionlieuview/choix/lieu").get_json()["results"]}
    assert lieux < everywhere  # without a session: every lieu the contact may choose
    form = tree(client.get(f"/sessionlieuview/add?_flt_0_session={session.id}", headers=DIALOG))
    assert form.xpath("//select[@name='lieu']/@data-picker-url") == [f"/sessionlieuview/choix/lieu?session={session.id}"]
    macon = formation_like("Titre professionnel maçon%")
    manager = login("gestionnaire")
    one = macon.sessions[0]
    blocs = {int(r["id"]) for r in manager.get(f"/sessionview/choix/blocs?session={one.id}").get_json()["results"]}
    own = {b.id for link in macon.certifications for b in link.certification.blocs}
    assert blocs == own
    assert db.session.query(BlocCompetences).count() > len(own)


def test_lists_show_no_pencil_on_rows_the_user_cannot_change(login):
    """Formations list of a contact: a formation en cours de création has its pencil; a published
    one offers a Demande de modification instead; a formation he only trains in has neither."""
    client = login("contact")
    page = tree(client.get("/formationview/list/?psize_FormationView=100"))
    edits = {a.get("href").split("/")[3].split("?")[0] for a in page.xpath("//a[contains(@href,'/formationview/edit/')]")}
    requests = {a.get("href").rsplit("/", 1)[1] for a in page.xpath("//a[contains(@href,'/transition/request_change/')]")}
    assert str(formation_like("Sécurité incendie%").id) in edits
    assert str(formation_like("Titre professionnel maçon%").id) in requests
    assert str(formation_like("Titre professionnel maçon%").id) not in edits
    foreign = str(formation_like("Bureautique%").id)  # he trains in one of its sessions: read-only
    assert foreign not in edits and foreign not in requests
    sessions = tree(client.get("/sessionview/list/?psize_SessionView=100"))
    shared = next(s for s in formation_like("Bureautique%").sessions if len(s.formateurs) > 1)
    assert not sessions.xpath(f"//a[contains(@href,'/sessionview/edit/{shared.id}')]")
    assert sessions.xpath(f"//a[contains(@href,'/sessionview/show/{shared.id}')]")


def test_r_f3_r_f4_a_lieu_at_the_formateurs_address_joins_the_session(login, reset_demo):
    """The Lieux tab offers, for each OF formateur, a new lieu starting with its address (the
    coordinates are typed: the portal cannot know them); saved, it is one of the session's lieux."""
    from app.models import Lieu

    session = editable_session()
    formateur = next(f for f in session.formateurs if f.principal).structure
    client = login("contact")
    page = tree(client.get(f"/sessionview/show/{session.id}"))
    url = f"/lieuview/add?_flt_0_structure={formateur.id}&session={session.id}"
    assert page.xpath(f"//section[@id='liste-lieux']//a[@data-modal-url='{url}']")
    form = lxml.html.fromstring(client.get(url, headers=DIALOG).get_data(as_text=True))
    assert form.xpath("//input[@name='ligne']/@value") == [formateur.ligne]
    assert form.xpath("//input[@name='code_postal']/@value") == [formateur.code_postal]
    assert form.xpath("//input[@name='latitude']/@value") in ([], [""])
    response = client.post(url, headers=DIALOG, data={
        "nom": "Plateau de la gare", "ligne": formateur.ligne, "code_postal": formateur.code_postal,
        "ville": formateur.ville, "latitude": "49.18", "longitude": "-0.36"})
    assert response.is_json, html.unescape(response.get_data(as_text=True))[-1500:]
    db.session.expire_all()
    lieu = db.session.execute(select(Lieu).where(Lieu.nom == "Plateau de la gare")).scalar_one()
    assert lieu.structure_id == formateur.id
    assert lieu.id in {link.lieu_id for link in db.session.get(Session, session.id).lieux}
