"""No lost update (issue 16 item 2): a save loaded from an older version of its record is refused
— on a form (what was typed kept, what changed meanwhile shown), on the API (412 on a stale
If-Match) and on a bulk action (nothing written); concurrent transitions fire once; a creating
form sent twice creates once."""
from __future__ import annotations

import contextlib
import html
import threading
from datetime import timedelta

import lxml.html
import pytest
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.commands import Invalid, Stale
from app.commands.bulk import CloseRecrutement
from app.commands.save import SaveRecord
from app.commands.transition import FireTransition
from app.extensions import db
from app.models import Financement, Formation, HistoryEntry, Session
from app.models.base import utcnow
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.workflow import transitions
from app.workflow.drafts import copy_row
from tests.helpers import formation_like, open_draft

DIALOG = {"X-Requested-With": "XMLHttpRequest"}


def user(name: str):
    return current_app.appbuilder.sm.find_user(username=name)


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def page_text(response) -> str:
    return " ".join(html.unescape(lxml.html.fromstring(response.get_data(as_text=True)).text_content()).split())


def posted_values(response) -> dict:
    """What the browser would post from the page's (last) form; a textarea's first newline is
    the HTML's, not its value's."""
    form = lxml.html.fromstring(response.get_data(as_text=True)).xpath("//form")[-1]
    return {name: value.removeprefix("\n") for name, value in form.form_values()}


def loaded_form(client, url: str) -> dict:
    """What the browser holds after opening the form at `url` in a dialog."""
    response = client.get(url, headers=DIALOG)
    assert response.status_code == 200
    return posted_values(response)


def securite() -> Formation:
    """The CFA's formation en cours de création: its contact may change it and submit it."""
    return formation_like("Sécurité incendie%")


# --- forms ------------------------------------------------------------------------------------


def test_a_stale_form_is_refused_with_a_french_message_and_keeps_what_was_typed(login, reset_demo):
    financement = next(f for s in securite().sessions for f in s.financements)
    url = f"/financementview/edit/{financement.id}"
    client = login("contact")
    first, second = loaded_form(client, url), loaded_form(client, url)  # two tabs, same record
    assert first["record_version"] == str(financement.version)

    saved = client.post(url, headers=DIALOG, data={**first, "nb_places": "20", "commentaire": "Places ajoutées"})
    assert saved.is_json and saved.json["ok"] is True

    refused = client.post(url, headers=DIALOG, data={**second, "numero_marche": "M-2027-099",
                                                     "commentaire": "Marché renouvelé"})
    assert refused.status_code == 200 and not refused.is_json
    page = page_text(refused)
    assert "Cette fiche a été modifiée entre-temps" in page
    assert "vos modifications n'ont pas été enregistrées" in page
    # what changed meanwhile, with its stored value
    assert "Modifié entre-temps : Nombre de places (« 20 »)" in page or "(« 20 »)" in page
    assert "Modifié entre-temps : valeur enregistrée « Places ajoutées » ; votre saisie est conservée." in page
    assert "Modifié entre-temps : la valeur enregistrée « 20 » est reprise." in page
    again = posted_values(refused)
    assert again["numero_marche"] == "M-2027-099" and again["commentaire"] == "Marché renouvelé"  # typed: kept
    assert again["nb_places"] == "20"  # not typed by this user: the stored value is taken
    stored = fresh(Financement, financement.id)
    assert (stored.nb_places, stored.commentaire, stored.numero_marche) == (20, "Places ajoutées",
                                                                           financement.numero_marche)

    # Sent again after reading: a deliberate save, with the new version; nothing of the first lost.
    assert client.post(url, headers=DIALOG, data=again).is_json
    stored = fresh(Financement, financement.id)
    assert (stored.nb_places, stored.commentaire, stored.numero_marche) == (20, "Marché renouvelé", "M-2027-099")


def test_a_stale_tab_of_a_session_is_refused_on_its_page(login, reset_demo):
    """Without the dialog (no JavaScript): the page form, the message at the top."""
    session = securite().sessions[0]
    url = f"/sessionview/onglet/{session.id}/durees"
    client = login("contact")
    first = posted_values(client.get(url))
    session.duree_commentaire = "Changé par le Carif-Oref"
    db.session.commit()
    refused = client.post(url, data={**first, "duree_centre": "150"})
    assert refused.status_code == 200
    page = page_text(refused)
    assert "Cette fiche a été modifiée entre-temps" in page and "Changé par le Carif-Oref" in page
    assert 'value="150"' in refused.get_data(as_text=True)
    assert fresh(Session, session.id).duree_centre == session.duree_centre


def test_a_write_overtaken_between_its_check_and_its_commit_is_refused(app, reset_demo):
    """The database's own check (version_id_col): another transaction wrote the row after it was read."""
    financement, contact = next(f for s in securite().sessions for f in s.financements), user("contact")
    financement.nb_places = 7
    with db.engine.begin() as other:  # another request, committed meanwhile
        other.execute(update(Financement).where(Financement.id == financement.id)
                      .values(nb_places=9, version=Financement.version + 1))
    with pytest.raises(Stale, match="modifiée entre-temps"):
        SaveRecord(financement, created=False, user=contact).run()
    assert fresh(Financement, financement.id).nb_places == 9


# --- API --------------------------------------------------------------------------------------


def test_api_put_honours_if_match_and_answers_412_when_stale(client, api_token, reset_demo):
    """Without If-Match a PUT is accepted (as before the versions); with a stale one, 412."""
    headers = api_token("contact")
    formation = open_draft(formation_like("Titre professionnel maçon%"))
    url = f"/api/v1/formation/{formation.id}"
    read = client.get(url, headers=headers)
    etag = read.headers["ETag"]
    assert read.status_code == 200 and etag == f'"{formation.version}"'

    fresh_put = client.put(url, json={"duree_cycle": 4}, headers={**headers, "If-Match": etag})
    assert fresh_put.status_code == 200, fresh_put.json
    assert fresh_put.headers["ETag"] == f'"{formation.version + 1}"'

    stale = client.put(url, json={"duree_cycle": 5}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json["message"].startswith("Cette fiche a été modifiée entre-temps")
    assert "vos modifications n'ont pas été enregistrées" in stale.json["message"]
    assert fresh(Formation, formation.id).duree_cycle == 4

    for unreadable in ("pas une version", '"²"', '"LPT1", W/"", W/"x"'):  # found by schemathesis
        assert client.put(url, json={"duree_cycle": 5}, headers={**headers, "If-Match": unreadable}).status_code == 412
    assert client.put(url, json={"duree_cycle": 5}, headers={**headers, "If-Match": fresh_put.headers["ETag"]}
                      ).status_code == 200
    unconditional = client.put(url, json={"duree_cycle": 3}, headers=headers)
    assert unconditional.status_code == 200 and fresh(Formation, formation.id).duree_cycle == 3


# --- bulk actions -----------------------------------------------------------------------------


def test_a_bulk_action_over_a_row_changed_since_the_list_is_refused(login, reset_demo):
    manager = login("gestionnaire")
    listed = lxml.html.fromstring(manager.get("/sessionview/list/").get_data(as_text=True))
    boxes = {int(box.get("value")): box.get("data-version") for box in listed.xpath("//input[@name='rowid']")}
    sessions = [s for s in formation_like("Bureautique%").sessions if s.id in boxes]
    assert sessions and all(boxes[s.id] == str(s.version) for s in sessions)
    posted = {"action": "archive", "rowid": [s.id for s in sessions],
              **{f"version-{s.id}": boxes[s.id] for s in sessions}}

    sessions[0].duree_commentaire = "Changé entre-temps"  # another user saves one of them meanwhile
    db.session.commit()
    page = page_text(manager.post("/sessionview/action_post", data=posted, follow_redirects=True))
    assert "Rien n'a été modifié : des lignes sélectionnées ont changé depuis l'affichage de la liste" in page
    assert sessions[0].reference in page
    assert {fresh(Session, s.id).etat for s in sessions} != {S.ARCHIVEE}  # nothing archived

    posted[f"version-{sessions[0].id}"] = str(fresh(Session, sessions[0].id).version)  # the list shown again
    page = page_text(manager.post("/sessionview/action_post", data=posted, follow_redirects=True))
    assert "session(s) archivée(s)" in page
    assert {fresh(Session, s.id).etat for s in sessions} == {S.ARCHIVEE}


def test_a_form_loaded_before_a_bulk_action_cannot_put_the_old_value_back(login, reset_demo):
    """The refusal says who changed it and when: the bulk action wrote the session's history."""
    session = formation_like("Bureautique%").sessions[0]
    financement, manager = session.financements[0], user("gestionnaire")
    before, loaded_at = financement.version, utcnow() - timedelta(minutes=1)
    CloseRecrutement([session], manager).run()  # a set operation: the version rises too
    assert fresh(Financement, financement.id).version == before + 1
    item = fresh(Financement, financement.id)
    item.nb_places = 3
    with pytest.raises(Stale) as refused:
        SaveRecord(item, created=False, user=manager, version=before, loaded_at=loaded_at).run()
    message = str(refused.value)
    assert message.startswith(f"Cette fiche a été modifiée entre-temps par {manager} le ")
    assert message.endswith("(Fermeture du recrutement) : vos modifications n'ont pas été enregistrées.")
    assert fresh(Financement, financement.id).nb_places != 3


# --- transitions fired at once ----------------------------------------------------------------


def fire_at_once(app, formation_id: int, name: str, username: str, times: int = 6) -> list[str]:
    """`times` requests, each with its own application context and database session, that read
    the formation then fire `name` together. SQLite has no row locks and allows one writer: there
    they fire one after the other, each from the formation it read before any fired."""
    ready = threading.Barrier(times)
    serial = threading.Lock() if db.engine.dialect.name == "sqlite" else contextlib.nullcontext()
    outcomes: list[str] = []

    def request():
        with app.app_context():
            try:
                formation = db.session.get(Formation, formation_id)
                actor = current_app.appbuilder.sm.find_user(username=username)
                formation.etat, actor.id  # noqa: B018 (read before the others fire)
                ready.wait(timeout=30)
                with serial:
                    try:
                        FireTransition(formation, name, actor).run()
                        outcomes.append("fired")
                    except Invalid as refusal:
                        outcomes.append(str(refusal))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def history_count(formation_id: int, action: str) -> int:
    return db.session.execute(select(func.count()).select_from(HistoryEntry).where(
        HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation_id,
        HistoryEntry.action == action)).scalar()


def test_six_simultaneous_submissions_fire_once_and_write_one_history_entry(app, reset_demo):
    formation_id = securite().id
    outcomes = fire_at_once(app, formation_id, "submit", "contact")
    assert outcomes.count("fired") == 1, outcomes
    assert all(o == "Action impossible : la formation est « En attente de validation »." for o in outcomes
               if o != "fired"), outcomes
    assert history_count(formation_id, "Soumission pour validation") == 1
    assert fresh(Formation, formation_id).etat == F.EN_ATTENTE


def test_six_simultaneous_change_requests_open_one_draft(app, reset_demo):
    published_id = formation_like("Bureautique%").id  # Horizon's, published
    outcomes = fire_at_once(app, published_id, "request_change", "contact.autre")
    assert outcomes.count("fired") == 1, outcomes
    assert set(outcomes) - {"fired"} == {transitions.DRAFT_ALREADY_OPEN}, outcomes
    drafts = db.session.execute(select(func.count()).select_from(Formation)
                                .where(Formation.draft_of_id == published_id)).scalar()
    assert drafts == 1
    assert history_count(published_id, "Demande de modification") == 1


def test_the_database_keeps_one_draft_per_formation(app, reset_demo):
    published = formation_like("Bureautique%")
    open_draft(published)
    db.session.add(copy_row(published, etat=F.BROUILLON, draft_of=published))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_second_draft_made_at_the_same_moment_is_refused_in_french(app, reset_demo, monkeypatch):
    """Both requests passed the guard before either wrote (its check read no draft): the unique
    index refuses the second, and the user reads why."""
    published = formation_like("Bureautique%")
    open_draft(published)
    monkeypatch.setattr(transitions.drafts, "current_draft", lambda *args: None)
    with pytest.raises(Invalid) as refused:
        FireTransition(fresh(Formation, published.id), "request_change", user("contact.autre")).run()
    assert str(refused.value) == transitions.DRAFT_ALREADY_OPEN


# --- creating forms sent twice ----------------------------------------------------------------


def test_a_double_posted_duplication_creates_one_copy(login, reset_demo):
    session = securite().sessions[0]
    count = lambda: db.session.execute(select(func.count()).select_from(Session).where(  # noqa: E731
        Session.formation_id == session.formation_id)).scalar()
    before = count()
    client = login("contact")
    page = lxml.html.fromstring(client.get(f"/sessionview/duplicate/{session.id}").get_data(as_text=True))
    token = page.xpath("//input[@name='form_token']")[0].get("value")
    first = client.post(f"/sessionview/duplicate/{session.id}", data={"form_token": token})
    second = client.post(f"/sessionview/duplicate/{session.id}", data={"form_token": token})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]  # the first copy, shown again
    assert count() == before + 1
    shown = page_text(client.get(second.headers["Location"]))
    assert "Cette session vient d'être dupliquée : voici la copie" in shown


def test_a_double_posted_change_request_opens_one_draft(login, reset_demo):
    published = formation_like("Bureautique%")
    client = login("contact.autre")
    url = f"/formationview/transition/request_change/{published.id}"
    token = lxml.html.fromstring(client.get(url).get_data(as_text=True)).xpath("//input[@name='form_token']")[0]
    first = client.post(url, data={"form_token": token.get("value")})
    second = client.post(url, data={"form_token": token.get("value")})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert "Cette action vient d'être faite" in page_text(client.get(second.headers["Location"]))
    assert db.session.execute(select(func.count()).select_from(Formation)
                              .where(Formation.draft_of_id == published.id)).scalar() == 1


def test_a_double_posted_add_form_creates_one_row(login, reset_demo):
    """« Enregistrer » clicked twice on a new lieu creates one lieu; the second sending says so.
    A refused sending claims nothing: the form comes back with the same token and, corrected,
    creates."""
    from app.models import Lieu
    from tests.helpers import structure

    name = "Plateau technique du port de Saint-Lô"
    count = lambda: db.session.execute(select(func.count()).select_from(Lieu).where(Lieu.nom == name)).scalar()  # noqa: E731
    client = login("gestionnaire")
    values = posted_values(client.get("/lieuview/add"))
    values.update(structure=str(structure("CFA Bâtiment Normandie").id), nom=name, ligne="3 quai du Port",
                  code_postal="5000", ville="Saint-Lô", latitude="49.1157", longitude="-1.0906")
    refused = client.post("/lieuview/add", data=values)
    assert refused.status_code == 200 and count() == 0
    assert values["form_token"] and posted_values(refused)["form_token"] == values["form_token"]
    values["code_postal"] = "50000"
    first = client.post("/lieuview/add", data=values)
    second = client.post("/lieuview/add", data=values)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count() == 1
    assert "Ce formulaire a déjà été envoyé" in page_text(client.get(second.headers["Location"]))
    another = posted_values(client.get("/lieuview/add"))["form_token"]
    assert another != values["form_token"]  # each display of the form is a new one


# --- direct writes to published records are in their history (C8) -------------------------------


def test_r_c8_a_direct_write_to_a_published_record_is_in_its_history(login, reset_demo):
    from sqlalchemy import select

    from app.models import Coordonnee, HistoryEntry, SessionEtat
    from app.views.offer import SessionView
    from app.views.structures import CoordonneeView
    from tests.helpers import form_data, structure

    def entries(entity, entity_id):
        db.session.expire_all()
        return [(e.action, e.comment) for e in db.session.execute(select(HistoryEntry).where(
            HistoryEntry.entity == entity, HistoryEntry.entity_id == entity_id).order_by(HistoryEntry.id)).scalars()]

    manager = login("gestionnaire")
    formation = formation_like("Bureautique%")
    session = next(s for s in formation.sessions if s.etat == SessionEtat.DIFFUSEE)
    response = manager.post(f"/sessionview/edit/{session.id}",
                            data=form_data(session, SessionView.edit_columns, prerequis="Savoir utiliser une souris"))
    assert response.status_code == 302
    assert entries("session", session.id)[-1] == ("Modification directe", f"Session {session.reference} : Prérequis")
    page = manager.get(f"/sessionview/show/{session.id}").get_data(as_text=True)
    assert "Modification directe" in page

    cfa = structure("CFA Bâtiment Normandie")
    email = next(c for c in cfa.coordonnees if c.nature == "email")
    email_id = email.id
    manager.post(f"/coordonneeview/edit/{email_id}", data=form_data(email, CoordonneeView.edit_columns,
                                                                    valeur="direction@cfa-btp.example"))
    manager.post(f"/coordonneeview/delete/{email_id}")
    assert entries("structure", cfa.id)[-2:] == [("Modification directe", "Coordonnée : Valeur"),
                                                 ("Modification directe", "Suppression : coordonnée")]
    assert db.session.get(Coordonnee, email_id) is None

    # an organisation's draft of the same formation writes no such entry: its transitions say it
    before = entries("session", session.id)
    draft = open_draft(formation, "contact.autre")
    copy = next(s for s in draft.sessions if s.draft_of_id == session.id)
    login("contact.autre").post(f"/sessionview/edit/{copy.id}",
                                data=form_data(copy, SessionView.edit_columns, prerequis="Aucun"))
    assert entries("session", session.id) == before
