"""One write path (app/commands): an operation gives the same result and the same French problems
whichever door it comes in by — the form, the REST API, the bulk action, the import or the
command itself."""
from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.checks import session_problems
from app.commands import AlreadyDone, Forbidden, Invalid, Locked, NotFound
from app.commands.actor import actor_of
from app.commands.bulk import ArchiveFormations, CloseRecrutement, SetEtatDispositif
from app.commands.codify import Codification, ReviewDecision
from app.commands.confirm import ConfirmStructure
from app.commands.duplicate import PENDING, ROW_JUST_COPIED, DuplicateForNextYear, DuplicateFormation, DuplicateSession
from app.commands.imports import ImportRecrutements
from app.commands.records import RECORDS, STRUCTURE_HELD, STRUCTURE_UNCHANGED
from app.commands.save import SaveRecord
from app.commands.transition import FireTransition
from app.extensions import db
from app.models import Formation, HistoryEntry, Nomenclature, NomenclatureKind as K, Session, Structure, StructureChange
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.views.offer import FormationView, SessionView
from app.views.structures import StructureView
from app.workflow import structure_changes
from app.workflow.drafts import current_draft
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
    # The portal's form (app/templates/portal/_fields.html): messages tied to their field.
    for name, block in re.findall(r'<div class="help-block" id="([\w-]+)-erreurs">(.*?)</div>', page, re.S):
        errors[name] = [_text(m) for m in re.findall(r'<p class="text-danger">(.*?)</p>', block, re.S)]
    if errors:
        return errors
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
    copy = DuplicateSession(securite_session(), user("contact")).run()
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


def _recrutement_states(sessions) -> set:
    db.session.expire_all()
    return {getattr(f.etat_recrutement, "code", None) for s in sessions for f in fresh(Session, s.id).financements}


@pytest.mark.parametrize("door", ("action", "command"))
def test_r_f16_close_recrutement(login, reset_demo, door):
    sessions = formation_like("Bureautique%").sessions
    if door == "action":
        page = text(login("gestionnaire").post("/sessionview/action_post", data={
            "action": "close_recrutement", "rowid": [s.id for s in sessions]}, follow_redirects=True))
        assert "Recrutement fermé sur" in page
    else:
        result = CloseRecrutement(sessions, user("gestionnaire")).run()
        assert result.changed + result.unchanged > 0
    assert _recrutement_states(sessions) == {"2"}


@pytest.mark.parametrize("door", ("action", "command"))
def test_r_k2_contacts_may_not_close_recrutement(login, door):
    sessions = formation_like("Bureautique%").sessions
    before = _recrutement_states(sessions)
    if door == "action":
        response = login("contact.autre").post("/sessionview/action_post", data={
            "action": "close_recrutement", "rowid": [s.id for s in sessions]})
        assert response.status_code == 403
    else:
        with pytest.raises(Forbidden):
            CloseRecrutement(sessions, user("contact.autre")).run()
    assert _recrutement_states(sessions) == before


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
        assert ArchiveFormations([formation], user("gestionnaire")).run() == (1, [])
    archived = fresh(Formation, formation.id)
    assert archived.etat == F.ARCHIVEE and {s.etat for s in archived.sessions} == {S.ARCHIVEE}
    assert db.session.query(Session).count() == sessions


# --- Excel import of the recrutement calendar (F13) ----------------------------------------------


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


# --- duplication (F14, E12): page, bulk action, command ------------------------------------------


def finished_macon() -> Session:
    """A finished session of the published CFA formation « Titre professionnel maçon »."""
    return next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == S.TERMINEE)


def shared_horizon_session() -> Session:
    """Horizon's session where a CFA antenna is OF formateur: the CFA contact reads it, no more."""
    return next(s for s in formation_like("Bureautique%").sessions if len(s.formateurs) > 1)


def _copy_id(response) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def duplicate_session_by(door: str, client, session: Session, username: str) -> int:
    """Duplicate `session` through `door`: the id of the copy."""
    if door == "page":
        response = client.post(f"/sessionview/duplicate/{session.id}")
        assert response.status_code == 302 and "/sessionview/edit/" in response.headers["Location"]
        return _copy_id(response)
    return DuplicateSession(session, user(username)).run().id


def _session_copy(copy: Session) -> dict:
    return {"dates": (copy.debut, copy.fin), "contact": (copy.contact_id, copy.contact_a_verifier),
            "lieux": sorted((link.lieu_id, link.a_verifier) for link in copy.lieux),
            "financements": sorted(f.mesure_id or 0 for f in copy.financements),
            "recrutements": len(copy.recrutements), "etat": copy.etat, "prerequis": copy.prerequis}


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_f14_a_finished_session_is_duplicated_the_same_way_on_every_door(login, reset_demo, door):
    client, source = login("contact"), finished_macon()
    expected = {"dates": (None, None), "contact": (source.contact_id, True),
                "lieux": sorted((link.lieu_id, True) for link in source.lieux),
                "financements": sorted(f.mesure_id or 0 for f in source.financements),
                "recrutements": 0, "etat": S.BROUILLON, "prerequis": source.prerequis}
    assert source.lieux and source.recrutements  # dated events are not copied
    copy = fresh(Session, duplicate_session_by(door, client, source, "contact"))
    assert _session_copy(copy) == expected
    # the published formation receives the copy through its draft, so it is validated
    draft = current_draft(db.session, formation_like("Titre professionnel maçon%"))
    assert copy.formation_id == draft.id and copy.in_draft and copy.draft_of_id is None
    assert db.session.query(HistoryEntry).filter_by(entity="session", entity_id=copy.id, action="Duplication").count() == 1


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_a3_a_session_seen_read_only_is_not_duplicated(login, door):
    count, shared = db.session.query(Session).count(), shared_horizon_session()
    if door == "page":
        assert login("contact").post(f"/sessionview/duplicate/{shared.id}").status_code == 404
    else:
        with pytest.raises(NotFound):
            DuplicateSession(shared, user("contact")).run()
    assert db.session.query(Session).count() == count
    assert current_draft(db.session, formation_like("Bureautique%")) is None


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_f14_no_session_copy_goes_into_a_formation_waiting_for_validation(login, door):
    count, session = db.session.query(Session).count(), elec().sessions[0]
    if door == "page":
        client = login("contact")
        response = client.post(f"/sessionview/duplicate/{session.id}", follow_redirects=True)
        assert PENDING in text(response)
    else:
        with pytest.raises(Locked) as locked:
            DuplicateSession(session, user("contact")).run()
        assert locked.value.reason == PENDING
    assert db.session.query(Session).count() == count


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_f14_a_duplication_sent_twice_makes_one_copy(login, reset_demo, door):
    client, source = login("contact"), finished_macon()
    count = db.session.query(Session).count()
    first = duplicate_session_by(door, client, source, "contact")
    if door == "page":
        again = client.post(f"/sessionview/duplicate/{source.id}")
        assert again.status_code == 302 and _copy_id(again) == first  # shown the copy already made
    else:
        with pytest.raises(AlreadyDone) as done:
            DuplicateSession(finished_macon(), user("contact")).run()
        assert done.value.done_id == first
    drafted = len([s for s in source.formation.sessions if s.etat not in (S.TERMINEE, S.ARCHIVEE)])
    assert db.session.query(Session).count() == count + drafted + 1  # the draft's sessions and one copy


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_e12_contacts_may_not_duplicate_formations(login, door):
    count, formation = db.session.query(Formation).count(), formation_like("Sécurité incendie%")
    if door == "page":
        assert login("contact").post(f"/formationview/duplicate/{formation.id}").status_code == 403
    else:
        with pytest.raises(Forbidden):
            DuplicateFormation(formation, user("contact")).run()
    assert db.session.query(Formation).count() == count


@pytest.mark.parametrize("door", ("page", "command"))
def test_r_e12_managers_duplicate_a_formation_once_per_submission(login, reset_demo, door):
    count, formation = db.session.query(Formation).count(), formation_like("Sécurité incendie%")
    if door == "page":
        client = login("gestionnaire")
        response = client.post(f"/formationview/duplicate/{formation.id}")
        assert response.status_code == 302
        copy_id = _copy_id(response)
        assert _copy_id(client.post(f"/formationview/duplicate/{formation.id}")) == copy_id  # sent twice
    else:
        copy_id = DuplicateFormation(formation, user("gestionnaire")).run().id
        with pytest.raises(AlreadyDone):
            DuplicateFormation(formation_like("Sécurité incendie%"), user("gestionnaire")).run()
    copy = fresh(Formation, copy_id)
    assert db.session.query(Formation).count() == count + 1
    assert copy.intitule.endswith("(copie)") and copy.etat == F.EN_CREATION
    assert [(s.debut, s.fin, s.contact_a_verifier) for s in copy.sessions] == [(None, None, True)]


def _rentree_selection() -> tuple[Session, Session]:
    """A Bureautique session (copied a year later) and a published maçon one whose copy would
    start after the end of its RNCP registration (refused)."""
    current = next(s for s in formation_like("Bureautique%").sessions if not s.entree_sortie_permanente)
    late = next(s for s in formation_like("Titre professionnel maçon%").sessions if s.etat == S.DIFFUSEE)
    return current, late


def rentree_by(door: str, client, sessions, username: str) -> tuple[int, int]:
    """(created, skipped) of a rentrée duplication through `door`."""
    if door == "action":
        ids = ",".join(str(s.id) for s in sessions)
        page = text(client.post("/sessionview/rentree", data={"ids": ids}, follow_redirects=True))
        found = re.search(r"(\d+) session\(s\) créée\(s\).*?(\d+) écartée\(s\)", page)
        return int(found.group(1)), int(found.group(2))
    created, skipped = DuplicateForNextYear(sessions, user(username)).run()
    return len(created), len(skipped)


@pytest.mark.parametrize("door", ("action", "command"))
def test_r_f14_rentree_duplication_on_every_door(login, reset_demo, door):
    client, (current, late) = login("gestionnaire"), _rentree_selection()
    preview = {row["session"].id: row["problems"] for row in DuplicateForNextYear([current, late],
                                                                                  user("gestionnaire")).preview()}
    assert preview[current.id] == [] and any("fin d'enregistrement" in p for p in preview[late.id])
    assert rentree_by(door, client, [current, late], "gestionnaire") == (1, 1)
    draft = current_draft(db.session, fresh(Formation, current.formation_id))
    copy = next(s for s in draft.sessions if s.draft_of_id is None)
    assert (copy.debut, copy.fin) == (current.debut.replace(year=current.debut.year + 1),
                                      current.fin.replace(year=current.fin.year + 1))
    assert copy.contact_a_verifier and copy.recrutements == [] and all(link.a_verifier for link in copy.lieux)
    assert current_draft(db.session, fresh(Formation, late.formation_id)) is None
    # the same selection sent again right away copies nothing more
    count = db.session.query(Session).count()
    assert rentree_by(door, client, [fresh(Session, current.id)], "gestionnaire") == (0, 1)
    assert db.session.query(Session).count() == count
    assert ROW_JUST_COPIED in DuplicateForNextYear([fresh(Session, current.id)], user("gestionnaire")).preview()[0][
        "problems"]


def test_r_f1_rentree_rolls_a_yearly_session_to_the_next_year(reset_demo):
    yearly = next(s for s in formation_like("Bureautique%").sessions if s.entree_sortie_permanente)
    assert (yearly.debut.month, yearly.debut.day, yearly.fin.month, yearly.fin.day) == (1, 1, 12, 31)
    created, skipped = DuplicateForNextYear([yearly], user("gestionnaire")).run()
    assert len(created) == 1 and skipped == []
    copy = created[0]
    year = yearly.debut.year + 1
    assert (copy.debut, copy.fin, copy.entree_sortie_permanente) == (date(year, 1, 1), date(year, 12, 31), True)
    assert not [p for p in session_problems(copy) if p.rule == "F1"]


def test_r_a3_rentree_command_refuses_sessions_outside_the_writable_scope(app):
    with pytest.raises(NotFound):
        DuplicateForNextYear(formation_like("Bureautique%").sessions, user("contact")).run()
    with pytest.raises(Invalid):
        DuplicateForNextYear([], user("gestionnaire")).run()


# --- C9: a validated structure's edit by its organisation, form and REST API ---------------------


C9_EDIT = {"enseigne": "CFA BTP Normandie – Caen", "ville": "Caen Cedex"}


def edit_structure(door: str, client, headers, item: Structure, **values):
    if door == "form":
        return client.post(f"/structureview/edit/{item.id}", data=form_data(item, StructureView.edit_columns, **values))
    return client.put(f"/api/v1/structure/{item.id}", json=values, headers=headers)


@pytest.mark.parametrize("door", DOORS)
def test_r_c9_a_contacts_edit_of_a_validated_structure_waits_on_every_door(login, api_token, reset_demo, door):
    client, headers = login("contact"), api_token("contact")
    cfa = structure("CFA Bâtiment Normandie")
    validated = (cfa.enseigne, cfa.ville)
    response = edit_structure(door, client, headers, cfa, **C9_EDIT)
    change = structure_changes.pending(db.session, fresh(Structure, cfa.id))
    assert change is not None and change.etat == "brouillon" and json.loads(change.payload) == C9_EDIT
    if door == "form":
        assert response.status_code == 302
        assert STRUCTURE_HELD in text(client.get(response.headers["Location"]))
    else:
        assert response.status_code == 202
        assert response.json["message"] == STRUCTURE_HELD and response.json["change_id"] == change.id
    structure_now = fresh(Structure, cfa.id)
    assert (structure_now.enseigne, structure_now.ville) == validated
    page = text(client.get(f"/structureview/show/{cfa.id}"))
    assert "Ville Caen Caen Cedex" in page and "Soumettre pour validation" in page


@pytest.mark.parametrize("door", DOORS)
def test_r_c9_a_managers_edit_of_a_validated_structure_is_written_on_every_door(login, api_token, reset_demo, door):
    client, headers = login("gestionnaire"), api_token("gestionnaire")
    cfa = structure("CFA Bâtiment Normandie")
    response = edit_structure(door, client, headers, cfa, **C9_EDIT)
    assert response.status_code == SAVED[door], response.get_data(as_text=True)
    written = fresh(Structure, cfa.id)
    assert (written.enseigne, written.ville) == tuple(C9_EDIT.values())
    assert structure_changes.pending(db.session, written) is None


@pytest.mark.parametrize("door", DOORS)
def test_r_c9_an_edit_while_the_request_waits_for_validation_is_refused_on_every_door(login, api_token, reset_demo,
                                                                                       door):
    client, headers = login("contact"), api_token("contact")
    cfa = structure("CFA Bâtiment Normandie")
    client.post(f"/structureview/edit/{cfa.id}", data=form_data(cfa, StructureView.edit_columns, **C9_EDIT))
    client.post(f"/structureview/change/submit/{cfa.id}")
    response = edit_structure(door, client, headers, fresh(Structure, cfa.id), ville="Ifs")
    if door == "form":
        assert response.status_code == 200 and "en attente de validation" in text(response)
    else:
        assert response.status_code == 422 and "en attente de validation" in response.json["message"]["_schema"][0]
    change = structure_changes.pending(db.session, fresh(Structure, cfa.id))
    assert json.loads(change.payload) == C9_EDIT and fresh(Structure, cfa.id).ville == "Caen"


def test_r_c9_an_api_put_without_change_drops_the_draft_request(client, api_token, reset_demo):
    headers, cfa = api_token("contact"), structure("CFA Bâtiment Normandie")
    assert client.put(f"/api/v1/structure/{cfa.id}", json={"ville": "Ifs"}, headers=headers).status_code == 202
    response = client.put(f"/api/v1/structure/{cfa.id}", json={"ville": "Caen"}, headers=headers)
    assert response.status_code == 200 and response.json["message"] == STRUCTURE_UNCHANGED
    assert response.json["result"]["ville"] == "Caen"
    assert db.session.query(StructureChange).count() == 0


def test_r_c9_the_save_command_holds_the_change_whoever_calls_it(app, reset_demo):
    contact, cfa = user("contact"), structure("CFA Bâtiment Normandie")
    cfa.ville = "Ifs"  # in memory: the change is read from the session, before anything is flushed
    result = SaveRecord(cfa, created=False, user=contact).run()
    assert result.diverted and result.diversion.message == STRUCTURE_HELD
    assert fresh(Structure, cfa.id).ville == "Caen"
    assert json.loads(fresh(StructureChange, result.diversion.kept.id).payload) == {"ville": "Ifs"}
