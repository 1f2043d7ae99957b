"""Accounts (SPEC B1–B5): request, manager decision, activation link, password policy, reset."""
from __future__ import annotations

import html
import re
from io import BytesIO

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import AccountRequest, AccountRequestEtat, StructureRight
from tests.helpers import structure

HORIZON_SIRET = "44306184100047"
NEW_EMAIL = "nouvelle.formatrice@horizon.example"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def request_form(**values) -> dict:
    data = {"siret": HORIZON_SIRET, "nda": "28760456776", "nom": "Durand", "prenom": "Léa",
            "telephone": "02 35 00 00 00", "email": NEW_EMAIL, "consentement": "y"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def link_in(message) -> str:
    return re.search(r"http://localhost(/compte/\S+)", message.get_content()).group(1)


def test_r_b1_request_is_checked_field_by_field_and_keeps_the_input(client):
    client.get("/logout/")
    response = client.post("/compte/demande", data=request_form(siret="44306184100048", nda="123", consentement=None))
    page = text(response)
    assert "Le SIRET n'est pas valide" in page and "déclaration d'activité" in page
    assert "Acceptez la politique de protection des données personnelles" in page
    assert 'value="Durand"' in response.get_data(as_text=True)
    assert db.session.query(AccountRequest).count() == 0


def test_r_b1_disguised_or_oversized_document_is_refused(client):
    client.get("/logout/")
    fake = (BytesIO(b"MZ\x90\x00 not a pdf"), "declaration.pdf")
    page = text(client.post("/compte/demande", data={**request_form(), "document": fake},
                            content_type="multipart/form-data"))
    assert "Le fichier doit être un PDF, un PNG ou un JPEG." in page
    big = (BytesIO(b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024)), "declaration.pdf")
    page = text(client.post("/compte/demande", data={**request_form(), "document": big},
                            content_type="multipart/form-data"))
    assert "dépasse la taille maximale de 5 Mo" in page
    assert db.session.query(AccountRequest).count() == 0


def test_r_b2_one_account_per_email(client, reset_demo):
    client.get("/logout/")
    page = text(client.post("/compte/demande", data=request_form(email="contact@demo.carif-oref.example")))
    assert "Une demande ou un compte existe déjà pour cette adresse e-mail" in page
    assert "Votre demande est enregistrée" in text(client.post("/compte/demande", data=request_form()))
    assert "existe déjà" in text(client.post("/compte/demande", data=request_form(email=NEW_EMAIL.upper())))


def test_r_b3_r_b4_request_accept_activate_login_sees_only_its_structure(client, login, reset_demo, mailbox):
    client.get("/logout/")
    pdf = (BytesIO(b"%PDF-1.7\n%demo\n"), "declaration.pdf")
    client.post("/compte/demande", data={**request_form(), "document": pdf}, content_type="multipart/form-data")
    item = db.session.execute(select(AccountRequest).where(AccountRequest.email == NEW_EMAIL)).scalar_one()
    assert item.document_mime == "application/pdf"

    manager = login("gestionnaire")
    assert NEW_EMAIL in text(manager.get("/accountrequestview/list/"))
    response = manager.post(f"/accountrequestview/decide/{item.id}", data={"decision": "accept", "niveau": "visualisation"},
                            follow_redirects=True)
    assert f"Compte créé pour {NEW_EMAIL}" in text(response)
    db.session.expire_all()
    item = db.session.get(AccountRequest, item.id)
    assert item.etat == AccountRequestEtat.ACCEPTEE and item.structure.siret == HORIZON_SIRET
    right = db.session.execute(select(StructureRight).where(StructureRight.user_id == item.user_id)).scalar_one()
    assert right.niveau == "visualisation"
    message = mailbox.messages[-1]
    assert message["To"] == NEW_EMAIL and "clé d'activation" in message.get_content()
    link = link_in(message)

    client.get("/logout/")
    page = text(client.post(link, data={"password": "motdepasse", "confirmation": "motdepasse"}))
    assert "au moins une majuscule" in page and "au moins un caractère spécial" in page
    page = text(client.post(link, data={"password": "Formation!2027", "confirmation": "Formation!2027"}))
    assert "Votre mot de passe est enregistré" in page
    assert "déjà été utilisé" in text(client.get(link))  # a link works once
    client.post("/login/", data={"username": NEW_EMAIL, "password": "Formation!2027"})
    listing = text(client.get("/structureview/list/"))
    assert "Horizon Formation" in listing and "CFA Bâtiment Normandie" not in listing  # its name (nom usuel)


def test_r_b3_rejection_with_a_reason_is_emailed(login, reset_demo, mailbox, client):
    client.get("/logout/")
    client.post("/compte/demande", data=request_form())
    item = db.session.execute(select(AccountRequest)).scalar_one()
    manager = login("gestionnaire")
    page = text(manager.post(f"/accountrequestview/decide/{item.id}", data={"decision": "reject"}, follow_redirects=True))
    assert "Choisissez le motif du refus." in page
    manager.post(f"/accountrequestview/decide/{item.id}", data={
        "decision": "reject", "motif": "Organisme hors de la région", "commentaire": "Adressez-vous au Carif-Oref d'Occitanie."})
    db.session.expire_all()
    assert db.session.get(AccountRequest, item.id).etat == AccountRequestEtat.REFUSEE
    assert "Organisme hors de la région" in mailbox.messages[-1].get_content()


def test_r_b3_tampered_and_expired_links_are_refused(client, app, reset_demo):
    from flask import current_app

    from app.accounts import ACTIVATION, make_link_token

    user = current_app.appbuilder.sm.find_user(username="contact")
    token = make_link_token(user, ACTIVATION)
    assert "n'est pas valide" in text(client.get(f"/compte/activation/{token[:-3]}abc"))
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="portal-activation")
    from unittest import mock

    with mock.patch("itsdangerous.timed.time.time", return_value=__import__("time").time() - 8 * 24 * 3600):
        expired = old.dumps({"u": user.id, "p": "x"})
    response = client.get(f"/compte/activation/{expired}")
    assert response.status_code == 400 and "Ce lien a expiré" in text(response)


def test_r_b4_password_reset_by_email_link(client, reset_demo, mailbox):
    client.get("/logout/")
    page = text(client.post("/compte/mot-de-passe-oublie", data={"email": "inconnu@example.org"}))
    assert "Si cette adresse correspond à un compte actif" in page and mailbox.messages == []
    client.post("/compte/mot-de-passe-oublie", data={"email": "contact.autre@demo.carif-oref.example"})
    link = link_in(mailbox.messages[-1])
    client.post(link, data={"password": "Nouveau#2027", "confirmation": "Nouveau#2027"})
    response = client.post("/login/", data={"username": "contact.autre", "password": "Nouveau#2027"},
                           follow_redirects=True)
    assert "Bienvenue" in text(client.get("/"))
    assert response.status_code == 200


def test_r_b5_contacts_cannot_see_requests_nor_grant_rights(login):
    client = login("contact")
    assert client.get("/accountrequestview/list/").status_code in (302, 403)
    count = db.session.query(StructureRight).count()
    horizon = structure("Institut Horizon Formation")
    client.post("/structurerightview/add", data={"user": "2", "structure": str(horizon.id), "niveau": "modification"})
    assert db.session.query(StructureRight).count() == count


def test_login_locked_for_15_minutes_after_5_failures(client, reset_demo):
    from datetime import timedelta

    from flask import current_app

    client.get("/logout/")
    for _ in range(5):
        client.post("/login/", data={"username": "contact", "password": "Mauvais!0"})
    response = client.post("/login/", data={"username": "contact", "password": "Contact!2026"}, follow_redirects=True)
    assert "Compte verrouillé pendant 15 minutes" in text(response)
    assert "Bienvenue" not in text(client.get("/"))
    api = client.post("/api/v1/security/login", json={"username": "contact", "password": "Contact!2026", "provider": "db"})
    assert api.status_code == 401
    user = current_app.appbuilder.sm.find_user(username="contact")
    user.changed_on = user.changed_on - timedelta(minutes=16)  # a quarter of an hour later
    db.session.commit()
    client.post("/login/", data={"username": "contact", "password": "Contact!2026"})
    assert "Bienvenue" in text(client.get("/"))
    db.session.expire_all()
    assert current_app.appbuilder.sm.find_user(username="contact").fail_login_count == 0


def test_r_a2_right_withdrawal_takes_effect_at_once(app, login, reset_demo):
    from tests.conftest import PASSWORDS

    client = login("contact.autre")  # stays logged in
    horizon = structure("Institut Horizon Formation")
    assert client.get(f"/structureview/show/{horizon.id}").status_code == 200
    right = db.session.execute(select(StructureRight).where(StructureRight.structure_id == horizon.id)).scalar_one()
    manager = app.test_client()
    manager.post("/login/", data={"username": "gestionnaire", "password": PASSWORDS["gestionnaire"]})
    assert manager.post(f"/structurerightview/delete/{right.id}").status_code == 302
    assert client.get(f"/structureview/show/{horizon.id}").status_code == 404  # same session, next request


def test_r_a4_espace_selector_drives_lists_counters_and_new_formations(login):
    client = login("contact")  # CFA and its seven antennas
    home = client.get("/").get_data(as_text=True)
    assert 'id="espace-structure"' in home
    cfa = structure("CFA Bâtiment Normandie")
    rouen = next(a for a in cfa.antennes if a.ville == "Rouen")
    client.post("/espace/choisir", data={"espace": str(rouen.id), "next": "/formationview/list/"})
    listing = text(client.get("/formationview/list/"))
    assert "Sécurité incendie" in listing  # its session is trained at the Rouen site
    assert "Électricien d'équipement du bâtiment" not in listing  # trained at the siège only
    assert "Espace structure : CFA Bâtiment Normandie – site de Rouen" in text(client.get("/"))
    client.post("/espace/choisir", data={"espace": str(cfa.id)})
    form = client.get("/formationview/add").get_data(as_text=True)
    assert re.search(rf'<option selected value="{cfa.id}"|<option value="{cfa.id}" selected', form)
    horizon = structure("Institut Horizon Formation")
    client.post("/espace/choisir", data={"espace": str(horizon.id)})  # not his: back to all his structures
    listing = text(client.get("/formationview/list/"))
    assert "Électricien d'équipement du bâtiment" in listing and "Sécurité incendie" in listing


def test_r_a4_one_structure_means_no_selector(login):
    page = login("contact.autre").get("/").get_data(as_text=True)
    assert 'id="espace-structure"' not in page
    assert "Espace structure : Horizon Formation" in text(login("contact.autre").get("/"))


def test_r_c10_yearly_confirmation_and_the_managers_list(login, reset_demo):
    from datetime import date, timedelta

    from app.models import Structure

    horizon = structure("Institut Horizon Formation")
    horizon.confirme_le = date.today() - timedelta(days=400)
    db.session.commit()
    client = login("contact.autre")
    page = text(client.get(f"/structureview/show/{horizon.id}"))
    assert "n'ont pas été confirmées depuis plus d'un an" in page
    manager_view = text(login("gestionnaire").get("/structureview/a-confirmer"))
    assert "Horizon Formation" in manager_view  # its name (nom usuel)
    client = login("contact.autre")
    client.post(f"/structureview/confirm/{horizon.id}")
    db.session.expire_all()
    assert db.session.get(Structure, horizon.id).confirme_le == date.today()
    assert "Horizon Formation" not in text(login("gestionnaire").get("/structureview/a-confirmer"))
    assert login("contact").get("/structureview/a-confirmer").status_code in (302, 403)
    assert login("contact").post(f"/structureview/confirm/{horizon.id}").status_code == 404  # not his


def test_r_b4_admin_user_forms_apply_the_password_policy(login, reset_demo):
    from flask import current_app

    client = login("admin")
    role = current_app.appbuilder.sm.find_role("Contact OF")
    response = client.post("/users/add", data={
        "first_name": "Paul", "last_name": "Petit", "username": "paul.petit", "email": "paul.petit@example.org",
        "active": "y", "roles": [str(role.id)], "password": "faible", "conf_password": "faible"})
    assert "au moins une majuscule" in text(response)
    assert current_app.appbuilder.sm.find_user(username="paul.petit") is None


def test_session_cookie_is_httponly_and_samesite(client):
    from tests.conftest import PASSWORDS

    client.get("/logout/")
    response = client.post("/login/", data={"username": "contact", "password": PASSWORDS["contact"]})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
