"""The API's error answers, in French and in the shape the OpenAPI document gives them
(app/api/openapi.py): a JSON body {"message": …}.

FAB 5.3's response helpers answer in English; Flask-JWT-Extended (FAB's JWTManager) answers
{"msg": …}, and 422 to a malformed or badly signed token, where the document says 401.
"""
from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import BadRequest

NOT_AUTHENTICATED = "Authentification requise : envoyez l'en-tête « Authorization: Bearer <jeton> »."
INVALID_TOKEN = "Jeton non valide : reconnectez-vous (POST /api/v1/security/login)."
EXPIRED_TOKEN = "Jeton expiré : reconnectez-vous (POST /api/v1/security/login)."
FORBIDDEN = "Votre rôle ne permet pas cette opération."
NOT_FOUND = "Enregistrement inexistant ou hors de votre périmètre."
BAD_REQUEST = "Requête non valide."


class InvalidArgument(BadRequest):
    """A refused argument of the query string: FAB's @safe answers it 400 with str(error), the
    message alone here (werkzeug's would start with "400 Bad Request:")."""

    def __str__(self) -> str:
        return str(self.description)


class FrenchResponses:
    """FAB 5.3's BaseApi response helpers with French messages (mixed into our APIs)."""

    def response_400(self, message=None):
        return self.response(400, message=message or BAD_REQUEST)

    def response_401(self):
        return self.response(401, message=NOT_AUTHENTICATED)

    def response_403(self):
        return self.response(403, message=FORBIDDEN)

    def response_404(self):
        return self.response(404, message=NOT_FOUND)


def install_jwt_answers(app: Flask) -> None:
    """Every refused token is a 401 with a French message (a revoked one: app/security/sessions.py)."""
    jwt = app.extensions["flask-jwt-extended"]  # FAB's JWTManager (SecurityManager.create_jwt_manager)

    def answer(message: str):
        return jsonify(message=message), 401

    jwt.unauthorized_loader(lambda _reason: answer(NOT_AUTHENTICATED))
    jwt.invalid_token_loader(lambda _reason: answer(INVALID_TOKEN))
    jwt.expired_token_loader(lambda _header, _payload: answer(EXPIRED_TOKEN))
    jwt.needs_fresh_token_loader(lambda _header, _payload: answer(INVALID_TOKEN))
    jwt.token_verification_failed_loader(lambda _header, _payload: answer(INVALID_TOKEN))
    jwt.user_lookup_error_loader(lambda _header, _payload: answer(INVALID_TOKEN))
