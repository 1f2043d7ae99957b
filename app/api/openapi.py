"""The API's OpenAPI document (/api/v1/_openapi), as the API answers and for its reader.

FAB 5.3 generates it from the marshmallow schemas (app/api/schemas.py) and from its own
docstrings, which say more than the API does: ids as strings, a 422 body as a string, `_info`
columns as an object, no 403. Here: the answers of our resources as they are (RESOURCE_OPERATIONS,
merged by FAB through `openapi_spec_methods`), the error bodies once (RESPONSES), and a document
limited to the operations its reader may call (PortalOpenApi).
"""
from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi
from flask_appbuilder.const import PERMISSION_PREFIX
from marshmallow_sqlalchemy.fields import Related

from app.security.permissions import RESOURCE_OPENAPI


def _message(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"message": schema}, "required": ["message"]}}}}


TEXT = {"type": "string"}
# {field: [French messages]}; "_schema" for what concerns the whole record.
FIELD_MESSAGES = {"type": "object", "additionalProperties": {"type": "array", "items": TEXT}}
TEXT_OR_FIELDS = {"anyOf": [TEXT, FIELD_MESSAGES]}

RESPONSES = {
    "400": _message(TEXT_OR_FIELDS, "Requête mal formée (corps non JSON, paramètre `q` non valide)."),
    "401": _message(TEXT, "Jeton absent, non valide, expiré ou révoqué : reconnectez-vous "
                          "(POST /api/v1/security/login)."),
    "403": _message(TEXT, "Votre rôle ne permet pas cette opération."),
    "404": _message(TEXT, "Enregistrement inexistant ou hors de votre périmètre."),
    # GET /{pk} with an id that is not a number: that address only takes PUT (FAB's routes).
    "405": _message(TEXT, "Méthode HTTP non permise à cette adresse, l'en-tête Allow dit lesquelles le sont "
                          "(un identifiant non numérique n'accepte que PUT, qui répond alors 404)."),
    "412": _message(TEXT, "L'enregistrement a changé depuis la version donnée par If-Match (ou cet en-tête est "
                          "illisible) : relisez-le ; rien n'a été écrit."),
    "422": _message(TEXT_OR_FIELDS, "Valeurs refusées ; rien n'a été écrit."),
    "500": _message(TEXT, "Erreur inattendue ; elle a été enregistrée."),
    # Our resources' 422: always the messages per field (FAB's security API may answer a text).
    "InvalidFields": _message(FIELD_MESSAGES, "Valeurs refusées : les messages par champ, `_schema` pour "
                                              "l'enregistrement entier ; rien n'a été écrit."),
}


def _refs(*codes: str) -> dict:
    return {code: {"$ref": f"#/components/responses/{code}"} for code in codes}


INVALID_FIELDS = {"$ref": "#/components/responses/InvalidFields"}


def _ok(description: str, **properties) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties}}}}


# No lost update (issue 16): the record's version as ETag, and the PUT's optional If-Match.
ETAG = {"ETag": {"description": "La version de l'enregistrement (\"3\"), à renvoyer dans If-Match.",
                 "schema": TEXT}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": TEXT,
            "description": "La version lue (ETag) : la modification n'est écrite que si c'est encore la version "
                           "enregistrée, sinon 412."}


def _versioned(response: dict) -> dict:
    return {**response, "headers": ETAG}


def resource_operations(api_name: str) -> dict:
    """What a ScopedRestApi answers, per FAB method and HTTP method (FAB's `openapi_spec_methods`
    format); `api_name` names its schemas (FAB: "<class>.get_list", "<class>.get"…)."""

    def schema(kind: str) -> dict:
        return {"$ref": f"#/components/schemas/{api_name}.{kind}"}

    strings = {"type": "array", "items": TEXT}
    labels = {"type": "object", "additionalProperties": TEXT}
    ident = {"type": "integer", "description": "Identifiant de l'enregistrement."}
    field_info = {"type": "object", "properties": {
        "name": TEXT, "label": TEXT, "description": TEXT, "type": TEXT, "required": {"type": "boolean"},
        "unique": {"type": "boolean"}, "validate": strings, "count": {"type": "integer"},
        "values": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"},
                                                                               "value": TEXT}}}}}
    warnings = {**FIELD_MESSAGES, "description": "Avertissements par champ : l'enregistrement est accepté."}
    return {
        "get_list": {"get": {"responses": {
            "200": _ok("Les enregistrements de votre périmètre, page par page.", count={"type": "integer"},
                       ids={"type": "array", "items": {"type": "integer"}},
                       result={"type": "array", "items": schema("get_list")}, list_columns=strings,
                       order_columns=strings, label_columns=labels, description_columns=labels, list_title=TEXT),
            **_refs("400", "401", "403", "500")}}},
        "get": {"get": {"responses": {
            "200": _versioned(_ok("L'enregistrement.", id=ident, result=schema("get"), show_columns=strings,
                                  label_columns=labels, description_columns=labels, show_title=TEXT)),
            **_refs("400", "401", "403", "404", "405", "500")}}},
        "info": {"get": {"responses": {
            "200": _ok("Les champs que l'on peut envoyer, les filtres et vos permissions sur la ressource.",
                       add_columns={"type": "array", "items": field_info},
                       edit_columns={"type": "array", "items": field_info},
                       filters={"type": "object", "additionalProperties": {"type": "array", "items": {
                           "type": "object", "properties": {"name": TEXT, "operator": TEXT}}}},
                       permissions=strings, add_title=TEXT, edit_title=TEXT),
            **_refs("400", "401", "403", "500")}}},
        "post": {"post": {"responses": {
            "201": _ok("Enregistrement créé.", id=ident, result=schema("post"), warnings=warnings),
            **_refs("400", "401", "403", "500"), "422": INVALID_FIELDS}}},
        "put": {"put": {"parameters": [IF_MATCH], "responses": {
            "200": _versioned(_ok("Enregistrement modifié (ou demande de modification sans changement : `message`).",
                                  result=schema("put"), warnings=warnings, message=TEXT)),
            "202": _ok("Modification gardée en demande de modification, à valider par le Carif-Oref.",
                       message=TEXT, change_id=ident, warnings=warnings),
            **_refs("400", "401", "403", "404", "412", "500"), "422": INVALID_FIELDS}}},
    }


def _operations(api: BaseApi):
    """(method name, path, HTTP method) of every route of `api` that FAB documents (the loop of
    FAB 5.3's BaseApi.add_api_spec)."""
    for name in dir(api):
        if (api.include_route_methods is not None and name not in api.include_route_methods) \
                or name in api.exclude_route_methods:
            continue
        for url, methods in getattr(getattr(api, name), "_urls", ()):
            for method in methods:
                yield name, api.path_helper(path=url), method.lower()


def _may_call(api: BaseApi, name: str) -> bool:
    """FAB's @protect check (security/decorators.py): the method's permission, held on the API's
    resource. Unprotected routes (login, refresh) are everyone's."""
    if not hasattr(getattr(api, name), "_permission_name"):
        return True
    permission = PERMISSION_PREFIX + api.get_method_permission(name)
    return permission in api.base_permissions and current_app.appbuilder.sm.has_access(
        permission, api.class_permission_name)


class PortalOpenApi(OpenApi):
    """FAB 5.3's OpenApi (api/manager.py) lists every API of the version, the administrator's
    user and role API included, whoever asks. This one documents what its reader may call."""

    class_permission_name = RESOURCE_OPENAPI  # FAB's name: the roles grant can_get on OpenApi

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """Le document OpenAPI des opérations que vous pouvez appeler.
        ---
        get:
          description: >-
            Le document OpenAPI de la version demandée, limité aux opérations que votre rôle permet.
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: Le document OpenAPI.
              content:
                application/json:
                  schema:
                    type: object
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            500:
              $ref: '#/components/responses/500'
        """
        spec = self._create_api_spec(version)
        marshmallow = next(plugin for plugin in spec.plugins if isinstance(plugin, MarshmallowPlugin))
        marshmallow.map_to_openapi_type(Related, "integer", None)  # related rows are named by id (formacodes)
        for code, response in RESPONSES.items():  # before FAB's, which each API would add
            spec.components.response(code, response)
        hidden, found = set(), False
        for api in current_app.appbuilder.baseviews:
            if not (isinstance(api, BaseApi) and api.version == version):
                continue
            found = True
            operations = list(_operations(api))
            allowed = {(path, method) for name, path, method in operations if _may_call(api, name)}
            hidden |= {(path, method) for _, path, method in operations} - allowed
            if allowed:
                api.add_api_spec(spec)
        if not found:
            return self.response_404()
        return self.response(200, **_published(spec.to_dict(), hidden))


def _published(document: dict, hidden: set) -> dict:
    """The document without the operations its reader may not call, nor the API-key scheme this
    portal does not enable; the login's 429 when the login is rate-limited."""
    api_keys = current_app.config.get("FAB_API_KEY_ENABLED", False)
    for path, method in hidden:
        document["paths"].get(path, {}).pop(method, None)
    document["paths"] = {path: item for path, item in document["paths"].items() if item}
    for item in document["paths"].values():
        for operation in item.values():
            if not api_keys and "security" in operation:
                operation["security"] = [scheme for scheme in operation["security"] if "api_key" not in scheme]
    if not api_keys:
        document.get("components", {}).get("securitySchemes", {}).pop("api_key", None)
    login = document["paths"].get("/api/v1/security/login", {}).get("post")
    if login is not None and current_app.config.get("AUTH_RATE_LIMITED"):
        login["responses"]["429"] = _message(TEXT, "Trop de tentatives depuis votre adresse : patientez.")
    document["info"]["description"] = DESCRIPTION
    return document


DESCRIPTION = (
    "API REST de l'offre de formation. Authentification : POST /api/v1/security/login "
    '{"username", "password", "provider": "db"} rend un jeton, à envoyer en '
    "`Authorization: Bearer <jeton>`. Chaque ressource applique le périmètre de votre compte. "
    "Ce document ne décrit que les opérations que votre rôle permet. Erreurs : corps JSON "
    "{\"message\": …} ; 405 sur une méthode non prévue (en-tête Allow)."
)
