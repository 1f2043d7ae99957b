"""The API as documented (issue 16, item 7): schemathesis reads the OpenAPI document that a
manager and a contact get from /api/v1/_openapi, generates requests for every operation in it
(valid and invalid ones), sends them to the application in-process with the user's JWT, and
checks each answer against the document: no server error, a documented status code, a
documented content type, a body that fits the documented schema.

Bounded and repeatable: hypothesis derandomized, a few examples per operation and mode, no
shrinking. Operations on one record also run on records of the user's scope (random ids would
nearly always answer 404). The POSTs and PUTs change the demo data: the demo region is loaded
again after each user's run (`reset_demo`).

schemathesis's own pytest integration (`schema.parametrize()`, `from_fixture`) reads a pytest
internal that pytest 9 no longer has (`Function._nodeid`), so the operations are driven here with
its documented strategies (`operation.as_strategy()`) and checks (`case.call_and_validate()`).
"""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from tests.conftest import PASSWORDS
from tests.helpers import formacode_id, formation_like, structure

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and mode (valid data, invalid data); API_SCHEMA_EXAMPLES=200 for a deeper run by hand.
EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "12"))
RECORDS = 3  # records of the user's scope that operations on one record run on
RUN = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def test_contact_reads_the_document_of_what_he_may_call(client, api_token):
    """A contact reads the document (can_get on OpenApi); neither he nor a manager finds the
    administrator's user, role and permission API in it, nor FAB's menu API (not served)."""
    for username in ("contact", "gestionnaire"):
        response = client.get("/api/v1/_openapi", headers=api_token(username))
        assert response.status_code == 200
        paths = set(response.json["paths"])
        assert {"/api/v1/formation/{pk}", "/api/v1/session/", "/api/v1/security/login"} <= paths
        assert not [path for path in paths if path.startswith(("/api/v1/security/users", "/api/v1/security/roles",
                                                               "/api/v1/menu"))]
        assert not [name for name in response.json["components"]["schemas"] if name.startswith(("User", "Role"))]
    assert client.get("/api/v1/menu/", headers=api_token("gestionnaire")).status_code == 404
    admin = client.get("/api/v1/_openapi", headers=api_token("admin")).json
    assert "/api/v1/security/users/" in admin["paths"]


def test_the_document_gives_ids_numbers_and_lists_their_types(client, api_token):
    """Ids are integers, duree_hebdomadaire a number, formacodes a list, a 422 the messages per
    field; and the answers say the same."""
    headers = api_token("contact")
    document = client.get("/api/v1/_openapi", headers=headers).json
    schemas, paths = document["components"]["schemas"], document["paths"]
    item = paths["/api/v1/session/{pk}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert item["properties"]["id"]["type"] == "integer"
    listing = paths["/api/v1/session/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing["properties"]["ids"]["items"]["type"] == "integer"
    assert schemas["SessionApi.get"]["properties"]["duree_hebdomadaire"]["type"] == "number"
    assert schemas["SessionApi.post"]["properties"]["formation_id"]["type"] == "integer"
    assert schemas["FormationApi.get"]["properties"]["formacodes"]["type"] == "array"
    assert schemas["FormationApi.put"]["properties"]["formacodes"]["items"]["type"] == "integer"
    invalid = paths["/api/v1/session/{pk}"]["put"]["responses"]["422"]["$ref"].rsplit("/", 1)[-1]
    body = document["components"]["responses"][invalid]["content"]["application/json"]["schema"]
    assert body["properties"]["message"]["additionalProperties"]["type"] == "array"
    assert {"403", "404"} <= set(paths["/api/v1/session/{pk}"]["put"]["responses"])

    session = client.get("/api/v1/session/", headers=headers).json["ids"][0]
    answer = client.get(f"/api/v1/session/{session}", headers=headers).json
    assert isinstance(answer["id"], int) and isinstance(answer["result"]["duree_hebdomadaire"], float)
    refused = client.put(f"/api/v1/session/{session}", json={"duree_centre": "beaucoup"}, headers=headers)
    assert refused.status_code == 422 and refused.json["message"] == {"duree_centre": ["Nombre entier attendu."]}


def test_field_descriptions_are_not_the_translation_catalogue_header(client, api_token):
    info = client.get("/api/v1/formation/_info", headers=api_token("contact")).json
    fields = info["add_columns"] + info["edit_columns"]
    assert fields and not [field for field in fields if "Project-Id-Version" in field["description"]]
    assert {field["name"]: field["label"] for field in fields}["intitule"] == "Intitulé"


def test_refused_tokens_answer_401_in_french(app, client):
    from flask_jwt_extended import create_access_token

    with app.test_request_context():
        user = app.appbuilder.sm.find_user(username="contact")
        expired = create_access_token(identity=str(user.id), expires_delta=timedelta(seconds=-60))
    for headers, message in [({}, "Authentification requise"),
                             ({"Authorization": "Bearer pas-un-jeton"}, "Jeton non valide"),
                             ({"Authorization": "Bearer a.b.c"}, "Jeton non valide"),
                             ({"Authorization": f"Bearer {expired}"}, "Jeton expiré")]:
        response = client.get("/api/v1/formation/", headers=headers)
        assert response.status_code == 401, (headers, response.json)
        assert response.json["message"].startswith(message)


def test_a_method_the_address_does_not_take_answers_405_with_allow(client, api_token):
    response = client.delete("/api/v1/formation/1", headers=api_token("contact"))
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PUT"} and "message" in response.json


def test_a_login_without_provider_is_refused_not_a_server_error(client):
    """FAB 5.3 answered 500 (KeyError) to a login without "provider" (found by schemathesis)."""
    response = client.post("/api/v1/security/login", json={"username": "contact", "password": PASSWORDS["contact"]})
    assert response.status_code == 400 and response.json["message"] == {"provider": ["Champ obligatoire."]}
    response = client.post("/api/v1/security/login", json={"username": "contact", "password": "faux", "provider": "db"})
    assert response.status_code == 401 and response.json["message"].startswith("Identifiant ou mot de passe")


def test_a_negative_or_huge_page_is_refused_not_a_server_error(client, api_token):
    """FAB 5.3 passed the page on as OFFSET: PostgreSQL answered 500 to a negative one (found by
    schemathesis); lists and the `_info` of a relation alike."""
    headers = api_token("contact")
    for url in ["/api/v1/formation/?q=(page:-1)", f"/api/v1/session/?q=(page:{10**19},page_size:10)",
                "/api/v1/formation/_info?q=(add_columns:(formacodes:(page:-3,page_size:5)))"]:
        response = client.get(url, headers=headers)
        assert response.status_code == 400, (url, response.json)
        assert response.json["message"].startswith("Numéro de page non valide")


def login(client, username: str) -> dict:
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORDS[username], "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def scope_ids(client, headers: dict, path: str) -> list[int]:
    """Ids of the first records of the user's scope on a resource (`/api/v1/formation/{pk}`)."""
    response = client.get(path.replace("{pk}", ""), headers=headers)
    return response.json["ids"][:RECORDS] if response.status_code == 200 else []


def valid_requests(client, headers: dict, username: str) -> dict[str, list[dict]]:
    """Requests the rules accept, per operation, on top of the generated ones (whose random
    values the rules nearly always refuse): the successful answers are checked too."""
    cfa, formation = structure("CFA Bâtiment Normandie"), formation_like("Sécurité incendie%")
    start = date.today() + timedelta(days=60)
    requests = {
        "POST /api/v1/security/login": [{"body": {"username": username, "password": PASSWORDS[username],
                                                  "provider": "db", "refresh": True}}],
        "GET /api/{version}/_openapi": [{"path_parameters": {"version": "v1"}}],
        "POST /api/v1/formation/": [{"body": {"structure_id": cfa.id, "intitule": "Habilitation électrique B1V",
                                              "objectifs": "<p>Travailler hors tension en sécurité.</p>",
                                              "formacodes": [formacode_id()]}}],
        "POST /api/v1/session/": [{"body": {
            "formation_id": formation.id, "debut": start.isoformat(), "fin": (start + timedelta(days=30)).isoformat(),
            "duree_centre": 140, "contact_id": cfa.contacts[0].id,
            "lieu_inscription_id": formation.sessions[0].lieu_inscription_id}}],
    }
    for path in ("/api/v1/structure/{pk}", "/api/v1/formation/{pk}", "/api/v1/session/{pk}"):
        ids = scope_ids(client, headers, path)
        requests[f"GET {path}"] = [{"path_parameters": {"pk": pk}} for pk in ids]
        # Records of his scope, saved unchanged (FAB merges the payload into the record), and changed.
        requests[f"PUT {path}"] = [{"path_parameters": {"pk": pk}, **body} for pk in ids for body in ({"body": {}}, {})]
    return requests


def cases(operation, mode: GenerationMode, fixed: list[dict]):
    """Generated requests, and those with the given values (the rest generated)."""
    return st.one_of([operation.as_strategy(generation_mode=mode)]
                     + [operation.as_strategy(generation_mode=mode, **values) for values in fixed])


@pytest.mark.parametrize("username", ["gestionnaire", "contact"])
def test_every_operation_answers_as_its_openapi_document_says(app, client, reset_demo, username):
    tokens = login(client, username)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with app.app_context():  # the document's request in a context of its own, as every call (conftest.py)
        schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
    valid = valid_requests(client, headers, username)
    failures, labels = {}, []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        sent = headers
        if operation.label == "POST /api/v1/security/refresh":  # takes the refresh token
            sent = {"Authorization": f"Bearer {tokens['refresh_token']}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fixed = valid.get(operation.label, []) if mode == GenerationMode.POSITIVE else []

            @RUN
            @given(case=cases(operation, mode, fixed))
            def run(case):
                try:
                    # The test client opens an application context per request (tests/conftest.py):
                    # each call has its own `g` and database session, as in production.
                    case.call_and_validate(session=client, headers=sent, checks=CHECKS)
                finally:
                    db.session.rollback()

            try:
                run()
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - every operation, every failure
                failures[f"{operation.label} ({mode.value})"] = str(failure)
    assert len(labels) >= 12, labels  # the resources' operations, login, refresh and the document itself
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
