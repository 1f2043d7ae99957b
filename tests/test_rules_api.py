"""The rules on the REST API: the same checks as the forms, 422 with French messages per field,
nothing saved on refusal; and random input never answers 500 (hypothesis)."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Formation, Session
from tests.helpers import formacode_id, formation_like, open_draft, structure


def cfa():
    return structure("CFA Bâtiment Normandie")


def securite() -> Formation:
    return formation_like("Sécurité incendie%")


def session_payload(**values) -> dict:
    formation = securite()
    lieu = formation.sessions[0].lieu_inscription
    start = date.today() + timedelta(days=60)
    payload = {
        "formation_id": formation.id, "debut": start.isoformat(), "fin": (start + timedelta(days=30)).isoformat(),
        "duree_centre": 140, "contact_id": cfa().contacts[0].id, "lieu_inscription_id": lieu.id,
    }
    payload.update(values)
    return payload


def test_r_f1_api_refuses_end_before_start_with_a_french_message(client, api_token):
    headers = api_token("contact")
    count = db.session.query(Session).count()
    start = date.today() + timedelta(days=60)
    response = client.post("/api/v1/session/", json=session_payload(
        debut=start.isoformat(), fin=(start - timedelta(days=1)).isoformat()), headers=headers)
    assert response.status_code == 422
    assert response.json["message"]["fin"] == ["La date de fin doit être postérieure ou égale à la date de début."]
    assert db.session.query(Session).count() == count


def test_r_f10_api_computes_the_total_and_refuses_zero(client, api_token, reset_demo):
    headers = api_token("contact")
    response = client.post("/api/v1/session/", json=session_payload(duree_entreprise=0), headers=headers)
    assert response.status_code == 422
    assert "ne peut pas être 0" in response.json["message"]["duree_entreprise"][0]
    response = client.post("/api/v1/session/", json=session_payload(duree_entreprise=35), headers=headers)
    assert response.status_code == 201, response.json
    assert db.session.get(Session, response.json["id"]).duree_totale == 175


def test_r_f3_r_f5_r_f12_api_defaults_the_contact_and_lieux_and_keeps_them_in_scope(client, api_token, reset_demo):
    """Without a contact nor a lieu d'inscription, a new session gets the OF responsable's principal
    contact, the responsable as principal OF formateur and its lieu (F3, F4, F5, F12) — the same
    defaults as a form; a foreign contact is still refused."""
    headers = api_token("contact")
    response = client.post("/api/v1/session/", json={k: v for k, v in session_payload().items() if k not in ("contact_id", "lieu_inscription_id")},
                           headers=headers)
    assert response.status_code == 201, response.json
    created = db.session.get(Session, response.json["id"])
    responsable = created.formation.structure
    assert created.contact.structure_id == responsable.id and created.contact.principal
    assert [(f.structure_id, f.principal) for f in created.formateurs] == [(responsable.id, True)]
    assert created.lieu_inscription.structure_id == responsable.id
    assert [link.lieu_id for link in created.lieux] == [created.lieu_inscription_id]
    other = structure("Institut Horizon Formation").contacts[0]
    response = client.post("/api/v1/session/", json=session_payload(contact_id=other.id), headers=headers)
    assert response.status_code == 422
    assert response.json["message"] == {"contact_id": ["Valeur inconnue ou hors de votre périmètre."]}


def test_r_e4_r_e5_api_refuses_shouting_titles_and_sanitises_rich_text(client, api_token, reset_demo):
    headers = api_token("contact")
    base = {"structure_id": cfa().id, "objectifs": "Installer des réseaux.", "formacodes": [formacode_id()]}
    response = client.post("/api/v1/formation/", json={**base, "intitule": "PLOMBERIE SANITAIRE"}, headers=headers)
    assert response.status_code == 422
    assert "majuscules" in response.json["message"]["intitule"][0]
    response = client.post("/api/v1/formation/", json={
        **base, "intitule": "Plomberie sanitaire", "contenu": '<p style="color:red">Réseaux <em>cuivre</em></p>'},
        headers=headers)
    assert response.status_code == 201, response.json
    assert db.session.get(Formation, response.json["id"]).contenu == "<p>Réseaux <em>cuivre</em></p>"


def test_r_e10_api_non_certifiante_needs_a_formacode(client, api_token):
    response = client.post("/api/v1/formation/", json={
        "structure_id": cfa().id, "intitule": "Plomberie sanitaire", "objectifs": "Installer des réseaux."},
        headers=api_token("contact"))
    assert response.status_code == 422
    assert response.json["message"]["formacodes"] == ["Indiquez au moins un Formacode pour une formation non certifiante."]


def test_r_e6_api_duree_cycle_bounds(client, api_token, reset_demo):
    headers = api_token("contact")
    formation = open_draft(formation_like("Titre professionnel maçon%"))
    assert client.put(f"/api/v1/formation/{formation.id}", json={"duree_cycle": 6}, headers=headers).status_code == 422
    assert client.put(f"/api/v1/formation/{formation.id}", json={"duree_cycle": 0}, headers=headers).status_code == 422
    response = client.put(f"/api/v1/formation/{formation.id}", json={"duree_cycle": 5}, headers=headers)
    assert response.status_code == 200, response.json
    db.session.expire_all()
    assert db.session.get(Formation, formation.id).duree_cycle == 5


# --- no input makes the API answer 500 -----------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=40) | st.sampled_from(["2026-13-45", "31/12/2026", "07:00", "RNCP37682", "0" * 400]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
SESSION_KEYS = ["formation_id", "debut", "fin", "duree_centre", "duree_entreprise", "duree_hebdomadaire",
                "contact_id", "lieu_inscription_id", "a_la_demande", "prerequis", "referent_handicap"]
FORMATION_KEYS = ["structure_id", "intitule", "objectifs", "contenu", "certifiante", "apprentissage",
                  "duree_cycle", "formacodes", "url_page", "plus_formation"]


def _random_call(client, headers, resource: str, existing_id: int, payload: dict, update: bool) -> None:
    """POST a new row or PUT an existing one with a random payload: never a 500."""
    url = f"/api/v1/{resource}/{existing_id}" if update else f"/api/v1/{resource}/"
    response = (client.put if update else client.post)(url, json=payload, headers=headers)
    assert response.status_code in (200, 201, 400, 404, 422), (payload, response.get_data(as_text=True)[:300])
    db.session.rollback()


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.dictionaries(st.sampled_from(SESSION_KEYS), JSON_VALUES, max_size=8), st.booleans())
def test_random_session_payloads_never_answer_500(client, api_token, reset_demo, payload, update):
    _random_call(client, api_token("contact"), "session", securite().sessions[0].id, payload, update)


@FUZZ
@given(st.dictionaries(st.sampled_from(FORMATION_KEYS), JSON_VALUES, max_size=8), st.booleans())
def test_random_formation_payloads_never_answer_500(client, api_token, reset_demo, payload, update):
    _random_call(client, api_token("contact"), "formation", securite().id, payload, update)


def test_api_type_errors_are_explained_in_french(client, api_token):
    response = client.post("/api/v1/session/", json=session_payload(debut="demain", duree_centre="abc"),
                           headers=api_token("contact"))
    assert response.status_code == 422
    assert response.json["message"] == {"debut": ["Date non valide (format AAAA-MM-JJ)."],
                                        "duree_centre": ["Nombre entier attendu."]}


def test_out_of_range_related_ids_are_refused_not_crashing(client, api_token):
    """Found by hypothesis on PostgreSQL: a formacode id beyond 2**31 - 1 reached the database."""
    formation = securite()
    response = client.put(f"/api/v1/formation/{formation.id}", json={"formacodes": [2147483648]},
                          headers=api_token("contact"))
    assert response.status_code == 422
    assert response.json["message"] == {"formacodes": ["Identifiant non valide : nombre entier positif attendu."]}


def test_r_f1_api_short_session_is_yearly_and_hours_are_whole(client, api_token, reset_demo):
    headers = api_token("contact")
    count = db.session.query(Session).count()
    response = client.post("/api/v1/session/", json=session_payload(duree_centre=35.5), headers=headers)
    assert response.status_code == 422 and "entier" in response.json["message"]["duree_centre"][0]  # not read as 35
    dated = session_payload(duree_centre=35, debut="2027-03-02", fin="2027-03-06")
    response = client.post("/api/v1/session/", json=dated, headers=headers)
    assert response.status_code == 422
    assert "session annuelle" in response.json["message"]["debut"][0]
    assert db.session.query(Session).count() == count
    yearly = session_payload(duree_centre=35, debut="2027-01-01", fin="2028-04-01", entree_sortie_permanente=True)
    response = client.post("/api/v1/session/", json=yearly, headers=headers)
    assert response.status_code == 422 and "31/03/2028" in response.json["message"]["fin"][0]  # one day too far
    response = client.post("/api/v1/session/", json={**yearly, "fin": "2028-03-31"}, headers=headers)
    assert response.status_code == 201, response.json
    response = client.post("/api/v1/session/", json=session_payload(duree_centre=36, debut="2027-03-02",
                                                                    fin="2027-03-06"), headers=headers)
    assert response.status_code == 201, response.json  # 36 hours: a dated session


def test_r_f5_api_referents_are_contacts_of_the_sessions_structures(client, api_token, reset_demo):
    from app.models import StructureContact
    from sqlalchemy import select

    headers = api_token("contact")
    session = securite().sessions[0]
    own = cfa().contacts[0]
    url = f"/api/v1/session/{session.id}"
    response = client.put(url, json={"referent_handicap_contact_id": own.id, "referent_mobilite": "Mme Martin"},
                          headers=headers)
    assert response.status_code == 200, response.json
    db.session.expire_all()
    saved = db.session.get(Session, session.id)
    assert (saved.referent_handicap_contact_id, saved.referent_mobilite) == (own.id, "Mme Martin")
    assert client.get(url, headers=headers).json["result"]["referent_handicap_contact_id"] == own.id
    foreign = db.session.execute(select(StructureContact).where(
        StructureContact.structure_id == structure("Institut Horizon Formation").id)).scalars().first()
    response = client.put(url, json={"referent_handicap_contact_id": foreign.id}, headers=headers)
    assert response.status_code == 422 and "referent_handicap_contact_id" in response.json["message"]
    response = client.put(url, json={"referent_handicap_contact_id": None}, headers=headers)
    assert response.status_code == 200, response.json
    db.session.expire_all()
    assert db.session.get(Session, session.id).referent_handicap_contact_id is None
