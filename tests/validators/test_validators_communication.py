"""Rules of the communication tools (SPEC H2–H4) at their boundaries, without Flask or a database."""
from __future__ import annotations

from datetime import date, timedelta

from app.validators.communication import check_actualite, check_memo, check_message, check_thread

DAY = date(2026, 3, 10)


def fields(problems) -> list[str]:
    return [p.field for p in problems]


def test_r_h2_memo_title_required_and_bounded() -> None:
    assert check_memo("t" * 200, "x" * 5000) == []
    assert fields(check_memo(" ", None)) == ["title"]
    assert fields(check_memo("t" * 201, "x" * 5001)) == ["title", "text"]
    assert {p.rule for p in check_memo("", "")} == {"H2"}


def test_r_h3_expiry_after_publication() -> None:
    assert check_actualite("Titre", "<p>Texte</p>", DAY, None) == []
    assert check_actualite("Titre", "<p>Texte</p>", DAY, DAY + timedelta(days=1)) == []
    same_day = check_actualite("Titre", "<p>Texte</p>", DAY, DAY)
    assert fields(same_day) == ["expiration"] and "(10/03/2026)" in same_day[0].message
    assert fields(check_actualite("Titre", "<p>Texte</p>", DAY, DAY - timedelta(days=1))) == ["expiration"]
    assert fields(check_actualite("Titre", "<p>Texte</p>", None, DAY)) == ["publication"]


def test_r_h3_text_counted_as_the_reader_sees_it() -> None:
    assert fields(check_actualite("Titre", "<p> </p><ul><li></li></ul>", DAY, None)) == ["text"]
    assert check_actualite("Titre", "<p><strong>" + "x" * 5000 + "</strong></p>", DAY, None) == []
    assert fields(check_actualite("Titre", "<p>" + "x" * 5001 + "</p>", DAY, None)) == ["text"]


def test_r_h4_message_plain_text_bounded() -> None:
    assert check_message("x" * 5000) == []
    assert fields(check_message("x" * 5001)) == ["text"]
    assert fields(check_message(" \n ")) == ["text"]
    assert fields(check_thread("", None)) == ["subject", "text"]
    assert check_thread("Objet", "Message") == []
