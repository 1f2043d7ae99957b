"""Rules of the communication tools (SPEC H2–H4): what a mémo, an actualité and a message of the
messagerie must hold. Plain values in, problems out (field, French message)."""
from __future__ import annotations

from datetime import date

from . import Problem
from .common import text, visible_length

TITLE_MAX = 200
MEMO_TEXT_MAX = 5000
ACTUALITE_TEXT_MAX = 5000  # visible characters (the stored HTML may hold twice as much)
MESSAGE_TEXT_MAX = 5000


def _title(value, field: str, rule: str, what: str) -> list[Problem]:
    title = text(value)
    if not title:
        return [Problem(field, f"Indiquez {what}.", rule=rule)]
    if len(title) > TITLE_MAX:
        return [Problem(field, f"{TITLE_MAX} caractères au plus ({len(title)} saisis).", rule=rule)]
    return []


def _length(value: str, field: str, maximum: int, rule: str) -> list[Problem]:
    if len(value) > maximum:
        return [Problem(field, f"{maximum} caractères au plus ({len(value)} saisis).", rule=rule)]
    return []


def check_memo(title: object, body: object) -> list[Problem]:
    """H2: a mémo has a title; its text is optional and bounded."""
    return [*_title(title, "title", "H2", "un titre"), *_length(text(body), "text", MEMO_TEXT_MAX, "H2")]


def check_actualite(title: object, body: object, publication: date | None, expiration: date | None) -> list[Problem]:
    """H3: a title, a text, a publication day, and an expiry (when given) after the publication."""
    problems = _title(title, "title", "H3", "un titre")
    length = visible_length(body)
    if not length:
        problems.append(Problem("text", "Indiquez le texte de l'actualité.", rule="H3"))
    elif length > ACTUALITE_TEXT_MAX:
        problems.append(Problem("text", f"{ACTUALITE_TEXT_MAX} caractères au plus ({length} saisis).", rule="H3"))
    if publication is None:
        problems.append(Problem("publication", "Indiquez la date de publication (jj/mm/aaaa).", rule="H3"))
    if publication is not None and expiration is not None and expiration <= publication:
        problems.append(Problem("expiration", "La date d'expiration doit être postérieure à la date de publication "
                                f"({publication:%d/%m/%Y}).", rule="H3"))
    return problems


def check_message(body: object) -> list[Problem]:
    """H4: a message is plain text, not empty, bounded."""
    value = text(body)
    if not value:
        return [Problem("text", "Écrivez votre message.", rule="H4")]
    return _length(value, "text", MESSAGE_TEXT_MAX, "H4")


def check_thread(subject: object, body: object) -> list[Problem]:
    """H4: a new thread has a subject and a first message."""
    return [*_title(subject, "subject", "H4", "l'objet du message"), *check_message(body)]
