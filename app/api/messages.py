"""French messages for the REST API's input validation (marshmallow's are English).

Applied once at start-up: the API answers 422 with a message per field, and those messages
reach users of partner tools as they are.
"""
from __future__ import annotations

import marshmallow.fields as fields
import marshmallow.schema as schema
import marshmallow.validate as validate

FIELD_MESSAGES = {
    fields.Field: {"required": "Champ obligatoire.", "null": "Ce champ ne peut pas être vide.",
                   "validator_failed": "Valeur non valide."},
    fields.String: {"invalid": "Texte attendu.", "invalid_utf8": "Texte UTF-8 attendu."},
    fields.Integer: {"invalid": "Nombre entier attendu."},
    fields.Number: {"invalid": "Nombre attendu.", "too_large": "Nombre trop grand."},
    fields.Float: {"special": "Les valeurs non numériques (NaN, infini) ne sont pas acceptées."},
    fields.Decimal: {"special": "Les valeurs non numériques (NaN, infini) ne sont pas acceptées."},
    fields.Boolean: {"invalid": "Valeur booléenne attendue (true ou false)."},
    fields.Date: {"invalid": "Date non valide (format AAAA-MM-JJ).", "format": "« {input} » n'est pas une date."},
    fields.DateTime: {"invalid": "Date et heure non valides (format ISO 8601).",
                      "invalid_awareness": "Date et heure non valides.",
                      "format": "« {input} » n'est pas une date et heure."},
    fields.Time: {"invalid": "Heure non valide (format HH:MM).", "invalid_awareness": "Heure non valide.",
                  "format": "« {input} » n'est pas une heure."},
    fields.List: {"invalid": "Liste attendue."},
    fields.Nested: {"type": "Type non valide."},
    fields.Dict: {"invalid": "Objet attendu."},
    fields.Email: {"invalid": "Adresse e-mail non valide."},
    fields.URL: {"invalid": "Adresse web non valide."},
}


def install_french_messages() -> None:
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    schema.Schema._default_error_messages = {  # type: ignore[attr-defined]
        **getattr(schema.Schema, "_default_error_messages", {}),
        "type": "Type de données non valide.",
        "unknown": "Champ inconnu.",
    }
    validate.Length.message_min = "{min} caractère(s) au moins."
    validate.Length.message_max = "{max} caractères au plus."
    validate.Length.message_all = "Entre {min} et {max} caractères."
    validate.Length.message_equal = "Exactement {equal} caractères."
    try:
        from marshmallow_sqlalchemy.fields import Related
    except ImportError:  # pragma: no cover - FAB always brings it
        return
    Related.default_error_messages = {**Related.default_error_messages,
                                      "invalid": "Valeur inconnue : {value!r}."}
