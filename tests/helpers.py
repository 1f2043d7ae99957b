"""Lookups of demo rows shared by the tests (names from app/demo)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Financement,
    Formation,
    Lieu,
    Mesure,
    MesureKind,
    Nomenclature,
    NomenclatureKind,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
    Structure,
)


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
    from datetime import time

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


def memory_session(departement: str = "14", apprentissage: bool = False, **values) -> Session:
    """A complete session (formation, structure, lieu, formateur, financement, ICO) built in memory,
    never saved: for the record-level checks. `values` override session attributes."""
    ico = Nomenclature(kind=NomenclatureKind.MODALITE_RECRUTEMENT, code="MR.09", libelle="ICO")
    structure = Structure(raison_sociale="OF", siret="44306184100047", nda="28760456776", departement_code=departement,
                          qualiopi_action_formation=True, qualiopi_apprentissage=True)
    formation = Formation(structure=structure, intitule="Soudure", objectifs="Souder", apprentissage=apprentissage,
                          duree_cycle=2 if apprentissage else None)
    lieu = Lieu(structure=structure, nom="Atelier", ligne="1 rue", code_postal="14000", ville="Caen")
    start = date.today() + timedelta(days=30)
    session = Session(formation=formation, debut=start, fin=start + timedelta(days=60), duree_centre=100,
                      lieu_inscription=lieu, contact=None)
    session.formateurs = [SessionFormateur(structure=structure, principal=True)]
    session.lieux = [SessionLieu(lieu=lieu, principal=True)]
    nature = MesureKind.APPRENTISSAGE if apprentissage else MesureKind.AUTRE
    session.financements = [Financement(mesure=Mesure(code="X", libelle="X", nature=nature), nb_places=5)]
    session.recrutements = [Recrutement(modalite=ico, numero="1", date_debut=start - timedelta(days=5),
                                        date_fin=start - timedelta(days=5))]
    for name, value in values.items():
        setattr(session, name, value)
    return session


def deliver_queued() -> int:
    """Run the tasks waiting in the job queue here, as its worker would (the e-mails of a decision
    are sent by the queue); returns how many ran."""
    from app.jobs import jobs

    huey, ran = jobs().huey, 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def decisions(mailbox, action: str) -> list:
    """The e-mails of the Carif-Oref's decision `action` (« Validation », « Refus »…), once the job
    queue has sent what waits in it."""
    deliver_queued()
    return [m for m in mailbox.messages if str(m["Subject"]).startswith(f"[Offre de formation] {action} :")]
