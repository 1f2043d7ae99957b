"""Row-level isolation (SPEC A2, A3): every view, related view, bulk action, REST endpoint and
download refuses another organisation's rows, and refuses writes under a visualisation right."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Coordonnee,
    CycleAlternance,
    Financement,
    Formation,
    FormationCertification,
    Lieu,
    Recrutement,
    RightLevel,
    Session,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
    StructureDocument,
    StructureRight,
)
from app.models.workflow import FormationEtat
from tests.helpers import formacode_id


def horizon() -> Structure:
    return db.session.execute(select(Structure).where(Structure.raison_sociale == "Institut Horizon Formation")).scalar_one()


def cfa() -> Structure:
    return db.session.execute(select(Structure).where(Structure.raison_sociale == "CFA Bâtiment Normandie")).scalar_one()


def horizon_formation() -> Formation:
    """Horizon's BTS formation: no CFA structure trains in it, so the CFA contact has no access."""
    return db.session.execute(select(Formation).where(Formation.intitule.like("BTS management%"))).scalar_one()


def foreign_rows() -> dict[str, object]:
    """One row per scoped view that belongs to Horizon only (foreign to the demo `contact`)."""
    formation = horizon_formation()
    session = formation.sessions[0]
    structure = horizon()
    if not structure.documents:
        structure.documents.append(StructureDocument(nom="declaration.pdf", mime_type="application/pdf",
                                                     taille=9, contenu=b"%PDF-1.4\n"))
        db.session.commit()
    return {
        "structureview": structure,
        "coordonneeview": structure.coordonnees[0],
        "structurecontactview": structure.contacts[0],
        "lieuview": structure.lieux[0],
        "structuredocumentview": structure.documents[0],
        "formationview": formation,
        "formationcertificationview": formation.certifications[0],
        "sessionview": session,
        "sessionformateurview": session.formateurs[0],
        "sessionlieuview": session.lieux[0],
        "financementview": session.financements[0],
        "recrutementview": session.recrutements[0],
    }


def snapshot(row) -> dict:
    db.session.expire_all()
    fresh = db.session.get(type(row), row.id)
    return {c.key: getattr(fresh, c.key) for c in type(row).__table__.columns} if fresh else {}


@pytest.mark.parametrize("view", [
    "structureview", "coordonneeview", "structurecontactview", "lieuview", "structuredocumentview",
    "formationview", "formationcertificationview", "sessionview", "sessionformateurview",
    "sessionlieuview", "financementview", "recrutementview",
])
def test_r_a3_contact_cannot_touch_another_organisations_row(app, login, view):
    client = login("contact")
    row = foreign_rows()[view]
    before = snapshot(row)

    assert client.get(f"/{view}/show/{row.id}").status_code in (403, 404)
    assert client.get(f"/{view}/edit/{row.id}").status_code in (403, 404)
    assert client.post(f"/{view}/edit/{row.id}", data={"nom": "pirate", "intitule": "pirate"}).status_code in (403, 404)
    assert client.post(f"/{view}/delete/{row.id}").status_code in (403, 404)
    assert client.post(f"/{view}/action_post", data={"action": "archive", "rowid": [row.id]}).status_code in (403, 404)
    listing = client.get(f"/{view}/list/").get_data(as_text=True)
    assert f"/{view}/show/{row.id}\"" not in listing
    assert snapshot(row) == before


def test_r_a3_lists_show_only_own_structures(login):
    client = login("contact")
    page = client.get("/structureview/list/").get_data(as_text=True)
    assert "CFA Bâtiment Normandie" in page
    assert "Horizon Formation" not in page
    assert "GRETA du Cotentin" not in page
    formations = client.get("/formationview/list/").get_data(as_text=True)
    assert "Titre professionnel maçon" in formations
    assert "BTS management commercial" not in formations


def test_r_a3_other_contact_is_isolated_the_other_way(login):
    client = login("contact.autre")
    page = client.get("/formationview/list/").get_data(as_text=True)
    assert "BTS management commercial" in page
    assert "Titre professionnel maçon" not in page
    macon = db.session.execute(select(Formation).where(Formation.intitule.like("Titre professionnel maçon%"))).scalar_one()
    assert client.get(f"/formationview/show/{macon.id}").status_code == 404


def test_r_a3_formateur_sees_session_read_only(login):
    """The CFA trains in one of Horizon's sessions: its contact sees it, cannot change it."""
    client = login("contact")
    shared = db.session.execute(
        select(Session).join(SessionFormateur).where(SessionFormateur.principal.is_(False))
    ).scalars().first()
    assert client.get(f"/sessionview/show/{shared.id}").status_code == 200
    assert client.get(f"/formationview/show/{shared.formation_id}").status_code == 200
    assert client.get(f"/sessionview/edit/{shared.id}").status_code == 404
    before = snapshot(shared)
    assert client.post(f"/sessionview/edit/{shared.id}", data={"prerequis": "changé"}).status_code == 404
    assert snapshot(shared) == before


def test_r_a2_visualisation_right_is_read_only(app, login, api_token, reset_demo):
    user = app.appbuilder.sm.find_user(username="contact.autre")
    db.session.add(StructureRight(user_id=user.id, structure_id=cfa().id, niveau=RightLevel.VISUALISATION))
    db.session.commit()
    formation = db.session.execute(select(Formation).where(Formation.intitule.like("Électricien%"))).scalar_one()
    client = login("contact.autre")
    assert client.get(f"/structureview/show/{cfa().id}").status_code == 200
    assert client.get(f"/formationview/show/{formation.id}").status_code == 200
    assert client.get(f"/formationview/edit/{formation.id}").status_code == 404
    before = snapshot(formation)
    assert client.post(f"/formationview/edit/{formation.id}", data={"intitule": "Piraté"}).status_code == 404
    headers = api_token("contact.autre")
    assert client.get(f"/api/v1/formation/{formation.id}", headers=headers).status_code == 200
    assert client.put(f"/api/v1/formation/{formation.id}", json={"intitule": "Piraté"}, headers=headers).status_code == 404
    assert snapshot(formation) == before


def test_r_a2_withdrawn_right_takes_effect_at_once(app, login, reset_demo):
    client = login("contact")
    structure = cfa()
    assert client.get(f"/structureview/show/{structure.id}").status_code == 200
    user = app.appbuilder.sm.find_user(username="contact")
    db.session.query(StructureRight).filter_by(user_id=user.id, structure_id=structure.id).delete()
    db.session.commit()
    assert client.get(f"/structureview/show/{structure.id}").status_code == 404


def test_r_a3_document_download_is_scoped(login):
    rows = foreign_rows()
    client = login("contact")
    assert client.get(f"/structuredocumentview/document/{rows['structuredocumentview'].id}").status_code == 404
    other = login("contact.autre")
    response = other.get(f"/structuredocumentview/document/{rows['structuredocumentview'].id}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


@pytest.mark.parametrize("resource", ["structure", "formation", "session"])
def test_r_a3_rest_api_hides_and_refuses_foreign_rows(client, api_token, resource):
    rows = foreign_rows()
    row = {"structure": rows["structureview"], "formation": rows["formationview"],
           "session": rows["sessionview"]}[resource]
    before = snapshot(row)
    headers = api_token("contact")
    listing = client.get(f"/api/v1/{resource}/?q=(page_size:100)", headers=headers)
    assert listing.status_code == 200
    assert row.id not in listing.json["ids"]
    assert client.get(f"/api/v1/{resource}/{row.id}", headers=headers).status_code == 404
    assert client.put(f"/api/v1/{resource}/{row.id}", json={"prerequis" if resource == "session" else
                                                            "potentiel" if resource == "structure" else
                                                            "intitule": "pirate"}, headers=headers).status_code == 404
    assert snapshot(row) == before


def test_r_a3_rest_post_under_foreign_parent_is_refused(client, api_token):
    headers = api_token("contact")
    before = db.session.query(Formation).count()
    response = client.post("/api/v1/formation/", json={"structure_id": horizon().id, "intitule": "Pirate",
                                                      "objectifs": "x"}, headers=headers)
    assert response.status_code == 422
    response = client.post("/api/v1/session/", json={"formation_id": horizon_formation().id}, headers=headers)
    assert response.status_code == 422
    response = client.post("/api/v1/formation/", json={"structure_id": "1 or 1=1", "intitule": "x",
                                                      "objectifs": "x"}, headers=headers)
    assert response.status_code == 422
    assert db.session.query(Formation).count() == before


def test_r_a3_rest_post_under_own_structure_is_accepted(client, api_token, reset_demo):
    headers = api_token("contact")
    response = client.post("/api/v1/formation/", json={
        "structure_id": cfa().id, "intitule": "Plomberie sanitaire", "objectifs": "Installer des réseaux.",
        "formacodes": [formacode_id()]}, headers=headers)
    assert response.status_code == 201, response.json
    created = db.session.get(Formation, response.json["id"])
    assert created.structure_id == cfa().id
    assert created.reference.endswith("F")


def test_r_a1_anonymous_is_sent_to_login(client):
    client.get("/logout/")
    for url in ["/formationview/list/", "/sessionview/show/1", "/structureview/edit/1"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response.headers["Location"]
    assert client.get("/api/v1/formation/").status_code == 401


def test_r_a1_contact_cannot_reach_manager_pages(login):
    client = login("contact")
    for url in ["/structurerightview/add", "/nomenclatureview/add", "/users/list/", "/roles/list/",
                "/certificationview/add", "/financeurview/add"]:
        assert client.get(url).status_code in (302, 403), url
    # Contacts cannot delete formations (E11) nor sessions (F15), even their own: no such page exists.
    own = db.session.execute(select(Formation).where(Formation.intitule.like("Titre professionnel maçon%"))).scalar_one()
    assert client.post(f"/formationview/delete/{own.id}").status_code == 404
    assert db.session.get(Formation, own.id) is not None


def test_r_b5_contact_cannot_grant_rights(login, app):
    client = login("contact")
    user = app.appbuilder.sm.find_user(username="contact")
    before = db.session.query(StructureRight).count()
    response = client.post("/structurerightview/add", data={"user": user.id, "structure": horizon().id,
                                                           "niveau": "modification"})
    assert response.status_code in (302, 403)
    assert db.session.query(StructureRight).count() == before


def test_r_k2_contact_cannot_bulk_archive_even_own_rows(login):
    client = login("contact")
    own = db.session.execute(select(Formation).where(Formation.intitule.like("Titre professionnel maçon%"))).scalar_one()
    response = client.post("/formationview/action_post", data={"action": "archive", "rowid": [own.id]})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Formation, own.id).etat != FormationEtat.ARCHIVEE


def test_r_k2_manager_bulk_archives_without_deleting(login, reset_demo):
    client = login("gestionnaire")
    ids = [f.id for f in db.session.execute(select(Formation).where(Formation.etat != FormationEtat.ARCHIVEE)).scalars()][:2]
    sessions_before = db.session.query(Session).count()
    response = client.post("/formationview/action_post", data={"action": "archive", "rowid": ids})
    assert response.status_code == 302
    db.session.expire_all()
    for pk in ids:
        formation = db.session.get(Formation, pk)
        assert formation.etat == FormationEtat.ARCHIVEE
        assert all(s.etat == "archivee" for s in formation.sessions)
    assert db.session.query(Session).count() == sessions_before
    history = client.get("/historyentryview/list/").get_data(as_text=True)
    assert "Archivage" in history


@pytest.mark.parametrize("url", [
    "/formationview/show/abc", "/formationview/show/99999999", "/formationview/show/1e3",
    "/sessionview/edit/-1", "/structureview/show/99999999999999999999", "/api/v1/formation/abc",
    "/api/v1/session/99999999", "/structuredocumentview/document/xyz", "/nonexistent/page",
    "/formationview/transition/submit/abc", "/formationview/transition/nope/1", "/formationview/duplicate/-3",
    "/validation/review/xyz", "/validation/review/99999999999", "/sessionview/duplicate/abc",
    "/sessionview/import_recrutements/1e9", "/accountrequestview/show/abc", "/accountrequestview/document/999999",
    "/formationview/show/²", "/sessionview/edit/¹²", "/api/v1/formation/²",  # digits int() does not read
])
def test_bad_ids_give_404_never_500(login, url):
    client = login("gestionnaire")
    # The REST API declares integer ids: a non-numeric one matches no GET route (405).
    assert client.get(url).status_code in ((404, 405) if url.startswith("/api/") else (404,))


@pytest.mark.parametrize("url, data", [
    ("/structureview/change/submit/abc", {}), ("/structureview/confirm/99999999", {}),
    ("/accountrequestview/decide/abc", {"decision": "accept"}), ("/validation/bulk", {"decision": "x", "rowid": ["a"]}),
    ("/sessionview/rentree", {"ids": "1,abc,99999999999999"}), ("/espace/choisir", {"espace": "1 or 1=1"}),
])
def test_bad_posts_on_workflow_pages_never_give_500(login, url, data):
    assert login("gestionnaire").post(url, data=data).status_code in (200, 302, 404)


def test_bad_action_posts_give_404(login):
    client = login("gestionnaire")
    assert client.post("/formationview/action_post", data={"action": "archive", "rowid": ["abc"]}).status_code == 404
    assert client.post("/formationview/action_post", data={"action": "nope", "rowid": ["1"]}).status_code == 404
    assert client.post("/formationview/action_post", data={"action": "archive", "rowid": ["99999999"]}).status_code == 404


@pytest.mark.parametrize("query", [
    "_oc_FormationView=nope", "_oc_FormationView=intitule&_od_FormationView=sideways",
    "page_FormationView=abc", "psize_FormationView=-5", "psize_FormationView=100000", "page_FormationView=%C2%B2",
    "_flt_0_intitule=%27%3B%20DROP%20TABLE", "_flt_99_nope=x",
])
def test_malformed_list_parameters_never_give_500(login, query):
    client = login("contact")
    assert client.get(f"/formationview/list/?{query}").status_code in (200, 400)


def test_r_e11_r_f15_contacts_never_delete_formations_nor_sessions(login):
    client = login("contact")
    formation = db.session.execute(select(Formation).where(Formation.intitule.like("Titre professionnel maçon%"))).scalar_one()
    session_id = formation.sessions[0].id
    assert client.post(f"/formationview/delete/{formation.id}").status_code == 404
    assert client.post(f"/sessionview/delete/{session_id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Formation, formation.id) is not None
    assert db.session.get(Session, session_id) is not None


def test_r_c5_contacts_cannot_add_or_remove_structure_contacts(login):
    client = login("contact")
    contact = cfa().contacts[0]
    count = db.session.query(StructureContact).count()
    assert client.post("/structurecontactview/add", data={"structure": cfa().id, "nom": "Nouveau"}).status_code in (302, 403)
    assert client.post(f"/structurecontactview/delete/{contact.id}").status_code in (302, 403)
    assert db.session.query(StructureContact).count() == count


def _structure_form(structure, **changes) -> dict:
    data = {name: getattr(structure, name) or "" for name in (
        "raison_sociale", "enseigne", "siret", "nda", "ape", "uai", "ligne", "complement", "bp_cs",
        "code_postal", "ville", "code_insee", "potentiel", "demande_particuliere", "demande_contacts")}
    data.update(changes)
    return data


def test_r_c2_identity_fields_are_read_only_for_contacts(login, reset_demo):
    client = login("contact")
    structure = cfa()
    page = client.get(f"/structureview/edit/{structure.id}").get_data(as_text=True)
    # Not offered at all (a read-only field still looks editable); a forged post is ignored.
    assert 'name="siret"' not in page and 'name="raison_sociale"' not in page and 'name="enseigne"' in page
    assert 'name="siret"' in login("gestionnaire").get(f"/structureview/edit/{structure.id}").get_data(as_text=True)
    client = login("contact")
    response = client.post(f"/structureview/edit/{structure.id}", data=_structure_form(
        structure, siret="73282932000074", raison_sociale="Autre nom", enseigne="CFA BTP 14"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Structure, structure.id)
    assert saved.siret == "32945614200010"
    assert saved.raison_sociale == "CFA Bâtiment Normandie"
    # the rest of the form waits for validation as a change request (C9), identity fields left out
    from app.workflow.structure_changes import pending

    payload = json.loads(pending(db.session, saved).payload)
    assert payload["enseigne"] == "CFA BTP 14" and not {"siret", "raison_sociale", "nda", "ape"} & payload.keys()


def test_r_c2_managers_change_identity_fields(login, reset_demo):
    client = login("gestionnaire")
    structure = cfa()
    response = client.post(f"/structureview/edit/{structure.id}", data=_structure_form(structure, siret="73282932000074"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Structure, structure.id).siret == "73282932000074"


def test_r_c1_antenna_shows_antenne_org_instead_of_nda(login):
    client = login("contact")
    antenna = cfa().antennes[0]
    page = client.get(f"/structureview/show/{antenna.id}").get_data(as_text=True)
    assert "ANTENNE-ORG" in page


def test_csrf_is_required_on_actions_and_deletes(app, login):
    """FAB validates CSRF on its own forms only; CSRFProtect covers actions and deletes (G2)."""
    client = login("gestionnaire")
    formation = db.session.execute(select(Formation).where(Formation.etat != FormationEtat.ARCHIVEE)).scalars().first()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/formationview/action_post", data={"action": "archive", "rowid": [formation.id]}).status_code == 400
        financement = db.session.execute(select(Financement)).scalars().first()
        assert client.post(f"/financementview/delete/{financement.id}").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(Formation, formation.id).etat != FormationEtat.ARCHIVEE
    assert db.session.get(Financement, financement.id) is not None


def test_r_e1_api_refuses_a_formation_under_an_antenna(client, api_token):
    headers = api_token("contact")
    before = db.session.query(Formation).count()
    response = client.post("/api/v1/formation/", json={
        "structure_id": cfa().antennes[0].id, "intitule": "Plomberie", "objectifs": "Installer."}, headers=headers)
    assert response.status_code == 422
    assert "siège" in response.json["message"]["structure_id"][0]
    assert db.session.query(Formation).count() == before


@pytest.mark.parametrize("model", [Formation, Session, Structure])
@pytest.mark.parametrize("write", [False, True])
def test_r_a2_r_a4_the_espace_narrows_the_scope_to_its_rows(app, model, write):
    """`scope_clause(…, espace=)` — what the search and the dashboard count in a contact's espace —
    answers the rows of that structure within his scope: for his formations and sessions it tests
    his right on the espace once instead of the scope row by row, and must find the same rows.
    On a structure he holds no right on (an espace he could not choose), it answers none, even
    where he sees some of its rows through his own structures (OF formateur); managers get the
    espace's rows."""
    from app.security.scope import espace_clause, scope_clause

    def ids(*where) -> set[int]:
        return set(db.session.execute(select(model.id).where(*where)).scalars())

    contact = app.appbuilder.sm.find_user(username="contact")
    manager = app.appbuilder.sm.find_user(username="gestionnaire")
    held = set(db.session.execute(select(StructureRight.structure_id).where(
        StructureRight.user_id == contact.id)).scalars())
    seen_in_foreign = found_in_held = 0
    for structure in db.session.execute(select(Structure)).scalars():
        narrowed = ids(scope_clause(model, write=write, user=contact, espace=structure))
        within_scope = ids(scope_clause(model, write=write, user=contact), espace_clause(model, structure))
        if structure.id in held:
            assert narrowed == within_scope, structure.raison_sociale
            found_in_held += len(narrowed)
        else:
            assert narrowed == set(), structure.raison_sociale
            seen_in_foreign += bool(within_scope)
        assert ids(scope_clause(model, write=write, user=manager, espace=structure)) == ids(
            espace_clause(model, structure))
    assert found_in_held and (write or model is Structure or seen_in_foreign)
    db.session.rollback()
