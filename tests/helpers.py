"""Lookups of demo rows shared by the tests (names from app/demo)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Formation, Nomenclature, NomenclatureKind, Session, Structure


def structure(name: str) -> Structure:
    return db.session.execute(select(Structure).where(Structure.raison_sociale == name)).scalar_one()


def nomenclature(kind: str, code: str) -> Nomenclature:
    return db.session.execute(
        select(Nomenclature).where(Nomenclature.kind == kind, Nomenclature.code == code)
    ).scalar_one()


def formacode_id(code: str = "70322") -> int:
    return nomenclature(NomenclatureKind.FORMACODE, code).id


def formation_like(pattern: str) -> Formation:
    """The published (or only) formation whose intitulé matches, never a draft's copy."""
    return db.session.execute(select(Formation).where(Formation.intitule.like(pattern), Formation.draft_of_id.is_(None))
                              .order_by(Formation.id)).scalars().first()


def sessions_of(formation: Formation) -> list[Session]:
    return list(db.session.execute(select(Session).where(Session.formation_id == formation.id)).scalars())


def form_data(item, columns, **changes) -> dict:
    """What a browser would post for `item`'s form: dates dd/mm/yyyy, times HH:MM, relations
    as ids, unticked booleans left out; `changes` override (None removes a field)."""
    from datetime import date, time

    data: dict = {}
    for name in columns:
        value = getattr(item, name)
        if isinstance(value, bool):
            if value:
                data[name] = "y"
        elif isinstance(value, date):
            data[name] = value.strftime("%d/%m/%Y")
        elif isinstance(value, time):
            data[name] = value.strftime("%H:%M")
        elif isinstance(value, list):
            data[name] = [str(v.id) for v in value]
        elif hasattr(value, "id"):
            data[name] = str(value.id)
        else:
            data[name] = "" if value is None else str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _text(fragment: str) -> str:
    import html
    import re

    fragment = re.sub(r"<button.*?</button>", "", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page_messages(page: str) -> list[str]:
    """Every error or warning shown on a page (next to fields and at the top), as text."""
    import re

    return [_text(m) for m in re.findall(r'<div class="alert alert-(?:danger|warning)">(.*?)</div>', page, re.S)]


def error_next_to(page: str, field: str) -> str:
    """The message shown right under the form field `field` ("" when none)."""
    import re

    match = re.search(rf'(?:id|name)="{re.escape(field)}".*?(?=<label|</form>)', page, re.S)
    if not match:
        raise AssertionError(f"no field {field!r} on the page")
    error = re.search(r'<div class="alert alert-danger">(.*?)</div>', match.group(0), re.S)
    return _text(error.group(1)) if error else ""


def open_draft(formation: Formation, username: str = "contact") -> Formation:
    """The draft a contact opens with *Demande de modification* on a published formation."""
    from flask import current_app

    from app.workflow.transitions import CONTACT, fire

    user = current_app.appbuilder.sm.find_user(username=username)
    return fire(db.session, "request_change", formation, user, CONTACT)
