"""One write path (app/commands): an operation gives the same result and the same French problems
whichever door it comes in by — the form, the REST API, the bulk action, the import or the
command itself."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.commands import Forbidden, Invalid, Locked, NotFound
from app.commands.actor import actor_of
from app.commands.bulk import ArchiveRecords, CloseRecruitment, SetEtatDispositif
from app.commands.codify import Codification, ReviewDecision
from app.commands.confirm import ConfirmStructure
from app.commands.imports import ImportRecrutements
from app.commands.records import RECORDS
from app.commands.save import SaveRecord
from app.commands.transition import FireTransition
from app.extensions import db
from app.models import Formation, HistoryEntry, Nomenclature, NomenclatureKind as K, Session, Structure
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.views.offer import FormationView, SessionView
from app.workflow.duplicate import duplicate_session
from app.workflow.locks import SESSION_FINISHED
from app.workflow.transitions import CONTACT, MANAGER
from tests.helpers import form_data, formacode_id, formation_like, page_messages, structure
from tests.test_import_recrutements import ico, upload, workbook


def user(username: str):
    return current_app.appbuilder.sm.find_user(username=username)


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def securite_session() -> Session:
    """CFA formation in creation, one draft session (RNCP38228, registered until 31/08/2028)."""
    return formation_like("Sécurité incendie%").sessions[0]


def elec() -> Formation:
    """CFA formation waiting in the validation queue."""
    return formation_like("Électricien%")


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def form_errors(page: str) -> dict[str, list[str]]:
    """{field: [messages shown under it]} of a form page."""
    errors = {}
    page = page[page.find("<table"):]  # FAB lays its form fields out in a table, after the navbar
    for block in page.split('<label for="')[1:]:
        name, rest = block.split('"', 1)
        row = rest.split("</tr>")[0]
        messages = [_text(m) for m in re.findall(r'<div class="alert alert-danger">(.*?)</div>', row, re.S)]
        if messages:
            errors[name] = messages
    return errors


def _form_value(value):
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def save_session(door: str, client, headers, session: Session, **values) -> tuple[int, dict]:
    """Edit `session` through `door`: (HTTP status, {field: [French messages]})."""
    if door == "form":
        data = form_data(session, SessionView.edit_columns, **{k: _form_value(v) for k, v in values.items()})
        response = client.post(f"/sessionview/edit/{session.id}", data=data)
        page = response.get_data(as_text=True)
        return response.status_code, (form_errors(page) if response.status_code == 200 else {})
    response = client.put(f"/api/v1/session/{session.id}", json={k: _json_value(v) for k, v in values.items()},
                          headers=headers)
    return response.status_code, (response.json.get("message", {}) if response.status_code >= 400 else {})


DOORS = ("form", "api")
SAVED = {"form": 302, "api": 200}


# --- SaveRecord: forms and the REST API --------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_save_session_with_an_f_rule_error_is_refused_the_same_way_and_writes_nothing(login, api_token, door):
    client, headers = login("contact"), api_token("contact")
    session = securite_session()
    saved = (session.debut, session.fin, session.duree_entreprise)
    status, messages = save_session(door, client, headers, session, debut=date(2027, 5, 10), fin=date(2027, 5, 9))
    assert status in (200, 422)
    assert messages == {"fin": ["La date de fin doit être postérieure ou égale à la date de début."]}
    fresh_session = fresh(Session, session.id)
    assert (fresh_session.debut, fresh_session.fin, fresh_session.duree_entreprise) == saved


def test_form_and_api_give_the_same_problems_for_the_same_session(login, api_token):
    client, headers = login("contact"), api_token("contact")
    session = securite_session()
    values = {"debut": date(2027, 5, 10), "fin": date(2027, 5, 9), "duree_centre": 140, "duree_entreprise": 0}
    by_door = {door: save_session(door, client, headers, session, **values)[1] for door in DOORS}
    assert set(by_door["form"]) == {"fin", "duree_entreprise"}
    assert by_door["form"] == by_door["api"]


@pytest.mark.parametrize("door", DOORS)
def test_r_f14_saving_a_duplicated_session_clears_its_contact_flag(login, api_token, reset_demo, door):
    client, headers = login("contact"), api_token("contact")
    copy = duplicate_session(db.session, securite_session(), author=user("contact"))
    assert copy.contact_a_verifier
    start = date.today() + timedelta(days=40)
    status, messages = save_session(door, client, headers, copy, debut=start, fin=start + timedelta(days=30))
    assert status == SAVED[door], messages
    saved = fresh(Session, copy.id)
    assert (saved.debut, saved.contact_a_verifier) == (start, False)


@pytest.mark.parametrize("door", DOORS)
def test_r_f10_total_duration_is_derived_on_every_door(login, api_token, reset_demo, door):
    client, headers = login("contact"), api_token("contact")
    session = securite_session()
    status, messages = save_session(door, client, headers, session, duree_centre=140, duree_entreprise=35)
    assert status == SAVED[door], messages
    assert fresh(Session, session.id).duree_totale == 175


@pytest.mark.parametrize("door", DOORS)
def test_r_f14_a_finished_session_is_locked_on_every_door(login, api_token, door):
    client, headers = login("contact"), api_token("contact")
    finished = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == S.TERMINEE)
    before = finished.prerequis
    if door == "form":
        response = client.post(f"/sessionview/edit/{finished.id}",
                               data=form_data(finished, SessionView.edit_columns, prerequis="Changé"))
        assert response.status_code == 200
        assert SESSION_FINISHED in page_messages(response.get_data(as_text=True))
    else:
        response = client.put(f"/api/v1/session/{finished.id}", json={"prerequis": "Changé"}, headers=headers)
        assert response.status_code == 422
        assert response.json["message"] == {"_schema": [SESSION_FINISHED]}
    assert fresh(Session, finished.id).prerequis == before


def _new_formation(door: str, client, headers, parent: Structure) -> tuple[int, dict]:
    values = {"intitule": "Plomberie sanitaire", "objectifs": "Installer des réseaux."}
    if door == "form":
        response = client.post("/formationview/add", data={**values, "structure": str(parent.id),
                                                            "formacodes": [str(formacode_id())]})
        return response.status_code, form_errors(response.get_data(as_text=True))
    response = client.post("/api/v1/formation/", json={**values, "structure_id": parent.id,
                                                       "formacodes": [formacode_id()]}, headers=headers)
    # The API names the parent by its id; the form by its relation.
    messages = {("structure" if k == "structure_id" else k): v for k, v in response.json.get("message", {}).items()}
    return response.status_code, messages


@pytest.mark.parametrize("door", DOORS)
def test_r_e1_formation_under_a_siege_without_nda_is_refused_the_same_way(login, api_token, reset_demo, door):
    cfa = structure("CFA Bâtiment Normandie")
    cfa.nda = None
    db.session.commit()
    client, headers = login("contact"), api_token("contact")
    count = db.session.query(Formation).count()
    status, messages = _new_formation(door, client, headers, structure("CFA Bâtiment Normandie"))
    assert status in (200, 422)
    assert messages == {"structure": ["L'organisme responsable doit être le siège porteur du numéro de déclaration "
                                      "d'activité : changez d'espace structure."]}
    assert db.session.query(Formation).count() == count


@pytest.mark.parametrize("door", DOORS)
def test_r_a3_formation_under_a_foreign_structure_writes_nothing(login, api_token, door):
    client, headers = login("contact"), api_token("contact")
    count = db.session.query(Formation).count()
    status, messages = _new_formation(door, client, headers, structure("Institut Horizon Formation"))
    assert status in (200, 422) and "structure" in messages
    assert "Institut Horizon" not in str(messages)
    assert db.session.query(Formation).count() == count


def test_a_parent_id_that_is_not_an_id_is_refused_not_a_crash(client, api_token):
    """Found by hypothesis on PostgreSQL: {"formation_id": []} reached session.get()."""
    count = db.session.query(Session).count()
    response = client.post("/api/v1/session/", json={"formation_id": []}, headers=api_token("contact"))
    assert response.status_code == 422
    assert db.session.query(Session).count() == count


def test_save_record_command_gives_what_the_doors_show(app):
    """The command itself, as a job would call it: every problem at once, nothing written."""
    session = securite_session()
    session.debut, session.fin, session.duree_entreprise = date(2027, 5, 10), date(2027, 5, 9), 0
    with pytest.raises(Invalid) as refused:
        SaveRecord(session, created=False, user=user("contact")).run()
    assert {p.field for p in refused.value.errors} == {"fin", "duree_entreprise"}
    assert fresh(Session, session.id).fin != date(2027, 5, 9)
    other = securite_session()
    other.prerequis = "Piraté"
    with pytest.raises(NotFound):
        SaveRecord(other, created=False, user=user("contact.autre")).run()
    assert fresh(Session, other.id).prerequis != "Piraté"


def test_forms_call_fab_process_form_before_saving(login, reset_demo, monkeypatch):
    calls = []
    monkeypatch.setattr(SessionView, "process_form", lambda self, form, is_created: calls.append(is_created),
                        raising=False)
    client = login("contact")
    session = securite_session()
    response = client.post(f"/sessionview/edit/{session.id}", data=form_data(session, SessionView.edit_columns))
    assert response.status_code == 302
    assert calls == [False]


def test_per_model_knowledge_is_declared_once():
    """Checks, rich text and derived values of the offer live in app/commands/records.py only."""
    from app.api import FormationApi, SessionApi, StructureApi

    for api in (FormationApi, SessionApi, StructureApi):
        assert "record_check" not in vars(api) and "rich_text_columns" not in vars(api)
        assert "pre_add" not in vars(api) and "parent_problems" not in vars(api)
    assert "pre_update" not in vars(SessionView) and "record_check" not in vars(FormationView)
    assert RECORDS[Formation].rich_text == ("objectifs", "contenu", "resultats")


# --- workflow transitions: page, queue, command -------------------------------------------------


@pytest.mark.parametrize("door", ("page", "queue", "command"))
def test_r_k1_transition_refusal_is_the_same_on_every_door(login, door):
    formation = elec()
    message = "Un commentaire est obligatoire pour cette action : il est envoyé à l'organisme."
    if door == "command":
        with pytest.raises(Invalid) as refused:
            FireTransition(formation, "ask_information", user("gestionnaire"), comment=" ").run()
        assert str(refused.value) == message
    elif door == "page":
        page = text(login("gestionnaire").post(f"/formationview/transition/ask_information/{formation.id}",
                                               data={"commentaire": " "}))
        assert message in page
    else:
        page = text(login("gestionnaire").post("/validation/bulk", data={
            "decision": "ask_information", "rowid": [formation.id]}, follow_redirects=True))
        assert f"{formation.reference} : {message}" in page
    assert fresh(Formation, formation.id).etat == F.EN_ATTENTE


def test_transitions_of_another_organisation_are_not_found_by_the_command(app):
    with pytest.raises(NotFound):
        FireTransition(formation_like("Bureautique%"), "request_change", user("contact")).run()


def test_actor_of_a_user():
    assert (actor_of(user("gestionnaire")), actor_of(user("contact")), actor_of(None)) == (MANAGER, CONTACT, CONTACT)


# --- codification at acceptance (K4) ------------------------------------------------------------


def _codes():
    rome = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ROME)).scalars().first()
    etat = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ETAT_DISPOSITIF,
                                                         Nomenclature.libelle == "Conventionné")).scalar_one()
    return rome, etat


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_k4_codification_at_acceptance(login, reset_demo, door):
    formation, (rome, etat) = elec(), _codes()
    if door == "page":
        response = login("gestionnaire").post(f"/validation/review/{formation.id}", data={
            "decision": "accept", "commentaire": "Validée.", "romes_sent": "1", "romes": [str(rome.id)],
            "etat_dispositif": str(etat.id)})
        assert response.status_code == 302
    else:
        ReviewDecision(formation, "accept", user("gestionnaire"), comment="Validée.",
                       codification=Codification(romes=(rome.id,), etat_dispositif=etat.id)).run()
    accepted = fresh(Formation, formation.id)
    assert accepted.etat == F.DIFFUSEE and [r.id for r in accepted.romes] == [rome.id]
    assert {f.etat_dispositif.libelle for s in accepted.sessions for f in s.financements} == {"Conventionné"}
    actions = [e.action for e in db.session.execute(select(HistoryEntry).where(
        HistoryEntry.entity == "formation", HistoryEntry.entity_id == formation.id).order_by(HistoryEntry.id)).scalars()]
    assert actions[-2:] == ["Codification", "Validation"]


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_k4_unknown_code_refuses_the_acceptance_and_writes_nothing(login, door):
    formation, (_, etat) = elec(), _codes()
    message = "Code inconnu dans la liste « Codes ROME »."
    if door == "page":
        page = text(login("gestionnaire").post(f"/validation/review/{formation.id}", data={
            "decision": "accept", "romes_sent": "1", "romes": [str(etat.id)], "etat_dispositif": str(etat.id)}))
        assert message in page
    else:
        with pytest.raises(Invalid) as refused:
            ReviewDecision(formation, "accept", user("gestionnaire"),
                           codification=Codification(romes=(etat.id,), etat_dispositif=etat.id)).run()
        assert [(p.field, p.message) for p in refused.value.problems] == [("romes", message)]
    unchanged = fresh(Formation, formation.id)
    assert unchanged.etat == F.EN_ATTENTE and unchanged.romes == []
    assert "Conventionné" not in {getattr(f.etat_dispositif, "libelle", None)
                                  for s in unchanged.sessions for f in s.financements}


# --- yearly confirmation (C10) ------------------------------------------------------------------


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_c10_yearly_confirmation(login, reset_demo, door):
    horizon = structure("Institut Horizon Formation")
    horizon.confirme_le = date.today() - timedelta(days=400)
    db.session.commit()
    if door == "page":
        assert login("contact.autre").post(f"/structureview/confirm/{horizon.id}").status_code == 302
        assert login("contact").post(f"/structureview/confirm/{horizon.id}").status_code == 404
    else:
        ConfirmStructure(horizon, user("contact.autre")).run()
        with pytest.raises(NotFound):
            ConfirmStructure(horizon, user("contact")).run()
    assert fresh(Structure, horizon.id).confirme_le == date.today()
    assert db.session.query(HistoryEntry).filter_by(entity="structure", entity_id=horizon.id,
                                                    action="Confirmation annuelle des données").count() == 1


# --- bulk actions (K2, F16, E11) ----------------------------------------------------------------


def _recruitment_states(sessions) -> set:
    db.session.expire_all()
    return {getattr(f.etat_recrutement, "code", None) for s in sessions for f in fresh(Session, s.id).financements}


@pytest.mark.parametrize("door", ("action", "command"))
def test_r_f16_close_recruitment(login, reset_demo, door):
    sessions = formation_like("Bureautique%").sessions
    if door == "action":
        page = text(login("gestionnaire").post("/sessionview/action_post", data={
            "action": "close_recruitment", "rowid": [s.id for s in sessions]}, follow_redirects=True))
        assert "Recrutement fermé sur" in page
    else:
        result = CloseRecruitment(sessions, user("gestionnaire")).run()
        assert result.changed + result.unchanged > 0
    assert _recruitment_states(sessions) == {"2"}


@pytest.mark.parametrize("door", ("action", "command"))
def test_r_k2_contacts_may_not_close_recruitment(login, door):
    sessions = formation_like("Bureautique%").sessions
    before = _recruitment_states(sessions)
    if door == "action":
        response = login("contact.autre").post("/sessionview/action_post", data={
            "action": "close_recruitment", "rowid": [s.id for s in sessions]})
        assert response.status_code == 403
    else:
        with pytest.raises(Forbidden):
            CloseRecruitment(sessions, user("contact.autre")).run()
    assert _recruitment_states(sessions) == before


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_k2_etat_du_dispositif_in_bulk(login, reset_demo, door):
    sessions = formation_like("Bureautique%").sessions
    etat = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.ETAT_DISPOSITIF,
                                                         Nomenclature.libelle == "Clôturé")).scalar_one()
    if door == "page":
        manager = login("gestionnaire")
        ids = ",".join(str(s.id) for s in sessions)
        page = text(manager.post("/sessionview/etat_dispositif", data={"ids": ids, "etat": "abc"},
                                 follow_redirects=True))
        assert "Choisissez un état du dispositif et des sessions." in page
        manager.post("/sessionview/etat_dispositif", data={"ids": ids, "etat": str(etat.id)})
    else:
        with pytest.raises(Invalid) as refused:
            SetEtatDispositif(sessions, "abc", user("gestionnaire")).run()
        assert str(refused.value) == "Choisissez un état du dispositif et des sessions."
        SetEtatDispositif(sessions, etat.id, user("gestionnaire")).run()
    db.session.expire_all()
    assert {f.etat_dispositif.libelle for s in formation_like("Bureautique%").sessions for f in s.financements} == {
        "Clôturé"}


@pytest.mark.parametrize("door", ("action", "command"))
def test_r_e11_archive_in_bulk_never_deletes(login, reset_demo, door):
    formation = formation_like("Bureautique%")
    sessions = db.session.query(Session).count()
    if door == "action":
        assert login("gestionnaire").post("/formationview/action_post", data={
            "action": "archive", "rowid": [formation.id]}).status_code == 302
    else:
        assert ArchiveRecords([formation], user("gestionnaire")).run() >= 1
    archived = fresh(Formation, formation.id)
    assert archived.etat == F.ARCHIVEE and {s.etat for s in archived.sessions} == {S.ARCHIVEE}
    assert db.session.query(Session).count() == sessions


# --- Excel import of the recruitment calendar (F13) ----------------------------------------------


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_f13_import_refuses_the_lines_the_form_refuses(login, door):
    session = securite_session()
    before = {r.numero for r in session.recrutements}
    soon = date.today() + timedelta(days=5)
    content = workbook(ico("ICO-30", soon), ico("ICO-31", soon, debut="06:59"))
    form_message = next(iter(form_errors(login("contact").post("/recrutementview/add", data={
        "session": str(session.id), "numero": "ICO-31", "modalite": str(db.session.execute(select(Nomenclature.id).where(
            Nomenclature.kind == K.MODALITE_RECRUTEMENT, Nomenclature.code == "MR.09")).scalar_one()),
        "date_debut": soon.strftime("%d/%m/%Y"), "date_fin": soon.strftime("%d/%m/%Y"), "heure_debut": "06:59",
        "heure_fin": "11:30", "nb_places": "20", "ligne": "12 rue du Bâtiment", "code_postal": "14000",
        "ville": "Caen"}).get_data(as_text=True))["heure_debut"]))
    if door == "page":
        page = text(upload(login("contact"), session, content))
        assert form_message in page and "Rien n'a été importé" in page
    else:
        result = ImportRecrutements(session, content, user("contact")).run()
        assert [(p.line, p.message) for p in result.problems] == [(3, form_message)]
    assert {r.numero for r in fresh(Session, session.id).recrutements} == before


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_f14_import_into_a_finished_session_is_locked(login, door):
    finished = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == S.TERMINEE)
    content = workbook(ico("ICO-40", date.today() + timedelta(days=5)))
    if door == "page":
        assert SESSION_FINISHED in text(upload(login("contact"), finished, content))
    else:
        with pytest.raises(Locked) as locked:
            ImportRecrutements(finished, content, user("contact")).run()
        assert locked.value.reason == SESSION_FINISHED
    assert "ICO-40" not in {r.numero for r in fresh(Session, finished.id).recrutements}
