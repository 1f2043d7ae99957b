"""C9 for what a validated structure owns (issue 17 item 1): an organisation's coordonnées added,
changed or removed, its changes of lieux (those of published sessions included) and its documents
wait in the structure's change request; the validated record stays published until the Carif-Oref
accepts; refused or withdrawn, nothing of it is written. Managers write at once."""
from __future__ import annotations

import html
import json
import re
from io import BytesIO

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Coordonnee,
    CoordonneeKind,
    HistoryEntry,
    Lieu,
    SessionLieu,
    Structure,
    StructureChange,
    StructureDocument,
    StructureEtat,
)
from app.commands.records import CHILD_HELD, CHILD_UNCHANGED, DOCUMENT_HELD
from app.views.structures import CoordonneeView, LieuView
from app.workflow import structure_changes
from tests.helpers import decisions, form_data, structure

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def cfa() -> Structure:
    db.session.expire_all()
    return structure("CFA Bâtiment Normandie")


def request_of(item: Structure) -> StructureChange | None:
    db.session.expire_all()
    return structure_changes.pending(db.session, db.session.get(Structure, item.id))


def coordonnee(item: Structure, nature: str) -> Coordonnee:
    return next(c for c in item.coordonnees if c.nature == nature)


def published_lieu(item: Structure) -> Lieu:
    """A lieu of the structure that a session uses."""
    return db.session.execute(select(Lieu).join(SessionLieu, SessionLieu.lieu_id == Lieu.id)
                              .where(Lieu.structure_id == item.id).limit(1)).scalar_one()


def accept(login, item: Structure, comment: str = "Vu.") -> None:
    manager = login("gestionnaire")
    assert manager.post(f"/structureview/change/accept/{item.id}", data={"commentaire": comment}).status_code == 302


def test_r_c9_coordonnee_added_changed_and_removed_wait_for_validation(login, reset_demo, mailbox):
    client, item = login("contact"), cfa()
    email, phone = coordonnee(item, CoordonneeKind.EMAIL), coordonnee(item, CoordonneeKind.TELEPHONE)
    before = {c.id: (c.nature, c.valeur) for c in item.coordonnees}

    added = client.post("/coordonneeview/add", data={
        "structure": str(item.id), "nature": CoordonneeKind.EMAIL, "valeur": "inscriptions@cfa-btp.example",
        "type_libelle": "Inscriptions", "diffusion": "y"}, follow_redirects=True)
    assert CHILD_HELD in text(added)
    changed = client.post(f"/coordonneeview/edit/{email.id}", follow_redirects=True, data=form_data(
        email, CoordonneeView.edit_columns, valeur="accueil@cfa-btp.example"))
    assert CHILD_HELD in text(changed)
    removed = client.post(f"/coordonneeview/delete/{phone.id}", follow_redirects=True)
    assert CHILD_HELD in text(removed)

    # nothing written: the validated record is what everybody sees and exports
    assert {c.id: (c.nature, c.valeur) for c in cfa().coordonnees} == before
    change = request_of(item)
    assert change.etat == "brouillon"
    assert [(o["type"], o["op"]) for o in structure_changes.operations(change)] == [
        ("coordonnee", "create"), ("coordonnee", "update"), ("coordonnee", "delete")]
    page = text(client.get(f"/structureview/show/{item.id}"))
    assert "Coordonnée ajoutée Courriel inscriptions@cfa-btp.example" in page
    assert f"Coordonnée « Courriel {email.valeur} » : Valeur {email.valeur} accueil@cfa-btp.example" in page
    assert "Coordonnée supprimée Téléphone 02 31 00 00 00" in page
    # the edit form shows the value the request gives the row
    assert 'value="accueil@cfa-btp.example"' in client.get(f"/coordonneeview/edit/{email.id}").get_data(as_text=True)

    client.post(f"/structureview/change/submit/{item.id}")
    mailbox.messages.clear()
    accept(login, item, "Coordonnées à jour.")
    now = {(c.nature, c.valeur) for c in cfa().coordonnees}
    assert ("email", "inscriptions@cfa-btp.example") in now and ("email", "accueil@cfa-btp.example") in now
    assert ("telephone", "02 31 00 00 00") not in now and request_of(item) is None
    assert sum(c.principal for c in cfa().coordonnees if c.nature == CoordonneeKind.EMAIL) == 1
    history = db.session.execute(select(HistoryEntry.action, HistoryEntry.comment).where(
        HistoryEntry.entity == "structure", HistoryEntry.entity_id == item.id)).all()
    assert ("Validation de la modification de la fiche", "Coordonnées à jour.") in history
    [message] = decisions(mailbox, "Validation de la modification de la fiche")
    assert message["To"] == "contact@demo.carif-oref.example" and "Coordonnées à jour." in message.get_content()


def list_marks(client, url: str) -> dict[str, str]:
    """Each row of a list page (its text) → the request's mark it carries ("" when none)."""
    import lxml.html

    rows = lxml.html.fromstring(client.get(url).get_data(as_text=True)).xpath("//table//tr[td]")
    marks = {}
    for row in rows:
        line = " ".join(row.text_content().split())
        marks[line] = next((label for label in structure_changes.PENDING_LABELS.values() if label in line), "")
    return marks


def test_r_c9_the_lists_mark_the_rows_a_request_changes_or_removes(login, reset_demo):
    """The lists show the validated values; a row the organisation's request changes or removes
    says so, for the organisation and for the Carif-Oref, until the request is decided."""
    client, item = login("contact"), cfa()
    email, phone = coordonnee(item, CoordonneeKind.EMAIL), coordonnee(item, CoordonneeKind.TELEPHONE)
    lieu = published_lieu(item)
    client.post(f"/coordonneeview/edit/{email.id}", data=form_data(
        email, CoordonneeView.edit_columns, valeur="accueil@cfa-btp.example"))
    client.post(f"/coordonneeview/delete/{phone.id}")
    client.post(f"/lieuview/edit/{lieu.id}", data=form_data(lieu, LieuView.edit_columns, ville="Hérouville-Saint-Clair"))
    changed, removed = structure_changes.PENDING_LABELS["update"], structure_changes.PENDING_LABELS["delete"]
    for who in ("contact", "gestionnaire"):
        viewer = login(who)
        coordonnees = list_marks(viewer, "/coordonneeview/list/?psize_CoordonneeView=100")
        by_value = {value: next(mark for line, mark in coordonnees.items() if value in line)
                    for value in (email.valeur, phone.valeur)}
        assert by_value == {email.valeur: changed, phone.valeur: removed}, who
        assert sum(1 for mark in coordonnees.values() if mark) == 2, who  # the other rows say nothing
        lieux = list_marks(viewer, "/lieuview/list/?psize_LieuView=100")
        assert [mark for line, mark in lieux.items() if lieu.nom in line] == [changed], who
        assert sum(1 for mark in lieux.values() if mark) == 1, who
    client = login("contact")
    client.post(f"/structureview/change/submit/{item.id}")
    accept(login, item)
    assert not any(list_marks(login("contact"), "/coordonneeview/list/").values())


def test_r_c9_lieu_change_waits_for_validation(login, reset_demo):
    client, item = login("contact"), cfa()
    lieu = published_lieu(item)
    ville, code_postal = lieu.ville, lieu.code_postal
    response = client.post(f"/lieuview/edit/{lieu.id}", follow_redirects=True,
                           data=form_data(lieu, LieuView.edit_columns, ville="Hérouville-Saint-Clair", code_postal="14200"))
    assert CHILD_HELD in text(response)
    assert (fresh(Lieu, lieu.id).ville, fresh(Lieu, lieu.id).code_postal) == (ville, code_postal)
    [operation] = structure_changes.operations(request_of(item))
    assert operation == {"type": "lieu", "op": "update", "id": lieu.id,
                         "valeurs": {"code_postal": "14200", "ville": "Hérouville-Saint-Clair"}}
    # a second edit adds to the first; the form starts from the request's values
    form = client.get(f"/lieuview/edit/{lieu.id}").get_data(as_text=True)
    assert 'value="Hérouville-Saint-Clair"' in form
    lieu = fresh(Lieu, lieu.id)
    client.post(f"/lieuview/edit/{lieu.id}", data=form_data(
        lieu, LieuView.edit_columns, ville="Hérouville-Saint-Clair", code_postal="14200", telephone="02 31 45 45 45"))
    [operation] = structure_changes.operations(request_of(item))
    assert operation["valeurs"] == {"code_postal": "14200", "ville": "Hérouville-Saint-Clair",
                                    "telephone": "02 31 45 45 45"}

    client.post(f"/structureview/change/submit/{item.id}")
    accept(login, item)
    lieu = fresh(Lieu, lieu.id)
    assert (lieu.ville, lieu.code_postal, lieu.telephone) == ("Hérouville-Saint-Clair", "14200", "02 31 45 45 45")


def test_r_c9_a_lieu_edited_back_to_its_validated_values_leaves_no_request(login, reset_demo):
    client, item = login("contact"), cfa()
    lieu = published_lieu(item)
    client.post(f"/lieuview/edit/{lieu.id}", data=form_data(lieu, LieuView.edit_columns, ville="Ifs"))
    assert request_of(item) is not None
    response = client.post(f"/lieuview/edit/{lieu.id}", data=form_data(fresh(Lieu, lieu.id), LieuView.edit_columns),
                           follow_redirects=True)
    assert CHILD_UNCHANGED in text(response)
    assert request_of(item) is None


def test_r_c9_a_new_lieu_is_written_and_reviewed_with_its_session(login, reset_demo):
    """A new lieu publishes nothing until a session uses it, and that session is validated with its formation."""
    client, item = login("contact"), cfa()
    client.post("/lieuview/add", data={"structure": str(item.id), "nom": "Atelier de Mondeville", "ligne": "1 rue du Port",
                                       "code_postal": "14120", "ville": "Mondeville", "latitude": "49.17",
                                       "longitude": "-0.32"})
    assert db.session.execute(select(Lieu).where(Lieu.nom == "Atelier de Mondeville")).scalar_one().structure_id == item.id
    assert request_of(item) is None


def test_r_c9_document_waits_with_the_request_and_goes_if_refused(login, reset_demo):
    client, item = login("contact"), cfa()
    response = client.post("/structuredocumentview/add", content_type="multipart/form-data", follow_redirects=True,
                           data={"structure": str(item.id), "fichier": (BytesIO(PDF), "attestation-qualiopi.pdf")})
    assert DOCUMENT_HELD in text(response)
    document = db.session.execute(select(StructureDocument).where(
        StructureDocument.nom == "attestation-qualiopi.pdf")).scalar_one()
    assert document.en_attente and document.change_id == request_of(item).id
    assert "attestation-qualiopi.pdf application/pdf" in text(client.get("/structuredocumentview/list/"))
    assert "En attente de validation" in text(client.get("/structuredocumentview/list/"))
    assert "Document déposé attestation-qualiopi.pdf (1 Ko)" in text(client.get(f"/structureview/show/{item.id}"))

    client.post(f"/structureview/change/submit/{item.id}")
    manager = login("gestionnaire")
    # the manager reads the document before deciding
    assert manager.get(f"/structuredocumentview/document/{document.id}").data == PDF
    manager.post(f"/structureview/change/reject/{item.id}", data={"commentaire": "Attestation illisible."})
    assert fresh(StructureDocument, document.id) is None and request_of(item) is None

    client = login("contact")
    client.post("/structuredocumentview/add", content_type="multipart/form-data",
                data={"structure": str(item.id), "fichier": (BytesIO(PDF), "attestation-2027.pdf")})
    client.post(f"/structureview/change/submit/{item.id}")
    accept(login, item)
    document = db.session.execute(select(StructureDocument).where(StructureDocument.nom == "attestation-2027.pdf")).scalar_one()
    assert not document.en_attente and document.structure_id == item.id


def test_r_c9_withdrawing_the_request_removes_its_documents_and_operations(login, reset_demo):
    client, item = login("contact"), cfa()
    phone = coordonnee(item, CoordonneeKind.TELEPHONE)
    client.post(f"/coordonneeview/delete/{phone.id}")
    client.post("/structuredocumentview/add", content_type="multipart/form-data",
                data={"structure": str(item.id), "fichier": (BytesIO(PDF), "brouillon.pdf")})
    client.post(f"/structureview/change/drop/{item.id}")
    assert request_of(item) is None and fresh(Coordonnee, phone.id) is not None
    assert db.session.execute(select(StructureDocument).where(StructureDocument.nom == "brouillon.pdf")).first() is None


def submit_an_email_change(client, item: Structure) -> None:
    """The organisation changes its structure's e-mail and submits the request."""
    email = coordonnee(item, CoordonneeKind.EMAIL)
    client.post(f"/coordonneeview/edit/{email.id}", data=form_data(email, CoordonneeView.edit_columns,
                                                                   valeur="accueil@cfa-btp.example"))
    client.post(f"/structureview/change/submit/{item.id}")


def test_r_c9_a_list_change_while_the_request_waits_is_refused(login, reset_demo):
    client, item = login("contact"), cfa()
    submit_an_email_change(client, item)
    waiting = json.loads(request_of(item).payload)

    response = client.post("/coordonneeview/add", data={"structure": str(item.id), "nature": CoordonneeKind.WEB,
                                                         "valeur": "https://cfa-btp.example", "diffusion": "y"})
    assert response.status_code == 200 and "en attente de validation" in text(response)
    assert 'value="https://cfa-btp.example"' in response.get_data(as_text=True)  # what was typed is kept
    phone = coordonnee(cfa(), CoordonneeKind.TELEPHONE)
    assert "en attente de validation" in text(client.post(f"/coordonneeview/delete/{phone.id}", follow_redirects=True))
    assert json.loads(request_of(item).payload) == waiting and fresh(Coordonnee, phone.id) is not None


def test_r_c9_managers_and_structures_not_yet_validated_change_their_lists_at_once(login, reset_demo):
    manager, item = login("gestionnaire"), cfa()
    email = coordonnee(item, CoordonneeKind.EMAIL)
    manager.post(f"/coordonneeview/edit/{email.id}", data=form_data(email, CoordonneeView.edit_columns,
                                                                    valeur="direction@cfa-btp.example"))
    assert fresh(Coordonnee, email.id).valeur == "direction@cfa-btp.example" and request_of(item) is None

    item = cfa()
    item.etat = StructureEtat.EN_CREATION
    db.session.commit()
    client = login("contact")
    phone = coordonnee(cfa(), CoordonneeKind.TELEPHONE)
    client.post(f"/coordonneeview/delete/{phone.id}")
    assert fresh(Coordonnee, phone.id) is None and request_of(item) is None


def test_r_c9_completing_a_request_the_carif_oref_asked_about_keeps_it_en_complement(login, reset_demo):
    client, item = login("contact"), cfa()
    submit_an_email_change(client, item)
    manager = login("gestionnaire")
    manager.post(f"/structureview/change/ask_information/{item.id}", data={"commentaire": "Et le site web ?"})
    assert request_of(item).etat == "complement"
    client = login("contact")
    client.post("/coordonneeview/add", data={"structure": str(item.id), "nature": CoordonneeKind.WEB,
                                            "valeur": "https://cfa-btp.example", "diffusion": "y"})
    change = request_of(item)
    assert change.etat == "complement" and len(structure_changes.operations(change)) == 2
    assert "Soumettre pour validation" in text(client.get(f"/structureview/show/{item.id}"))


def test_r_c9_an_operation_is_withdrawn_alone_and_the_empty_request_goes(login, reset_demo):
    client, item = login("contact"), cfa()
    client.post("/coordonneeview/add", data={"structure": str(item.id), "nature": CoordonneeKind.EMAIL,
                                            "valeur": "erreur@cfa-btp.example", "diffusion": "y"})
    phone = coordonnee(item, CoordonneeKind.TELEPHONE)
    client.post(f"/coordonneeview/delete/{phone.id}")
    page = client.get(f"/structureview/show/{item.id}").get_data(as_text=True)
    assert 'aria-label="Retirer de la demande : Coordonnée ajoutée"' in page
    response = client.post(f"/structureview/change/withdraw/{item.id}/0", follow_redirects=True)
    assert "Opération retirée de la demande de modification." in text(response)
    [operation] = structure_changes.operations(request_of(item))
    assert (operation["op"], operation["id"]) == ("delete", phone.id)
    client.post(f"/structureview/change/withdraw/{item.id}/0")
    assert request_of(item) is None and fresh(Coordonnee, phone.id) is not None
    # another organisation cannot touch the request
    login("contact").post(f"/coordonneeview/delete/{phone.id}")
    other = login("contact.autre")
    assert other.post(f"/structureview/change/withdraw/{item.id}/0").status_code == 404
    assert len(structure_changes.operations(request_of(item))) == 1


def test_r_c9_a_row_removed_by_the_carif_oref_takes_its_pending_operations_with_it(login, reset_demo):
    client, item = login("contact"), cfa()
    email = coordonnee(item, CoordonneeKind.EMAIL)
    client.post(f"/coordonneeview/edit/{email.id}", data=form_data(email, CoordonneeView.edit_columns,
                                                                   valeur="accueil@cfa-btp.example"))
    email_id = email.id
    login("gestionnaire").post(f"/coordonneeview/delete/{email_id}")
    assert fresh(Coordonnee, email_id) is None
    assert request_of(item) is None  # the only operation was on that row: nothing is left to validate


def test_r_c11_a_lieu_that_sessions_use_is_not_deleted(login, reset_demo):
    manager, item = login("gestionnaire"), cfa()
    lieu = published_lieu(item)
    response = manager.post(f"/lieuview/delete/{lieu.id}", follow_redirects=True)
    assert "Ce lieu est celui de 1 session(s) : retirez-le de ces sessions avant de le supprimer." in text(response)
    assert fresh(Lieu, lieu.id) is not None
    unused = Lieu(structure=item, nom="Ancien atelier", ligne="2 rue du Port", code_postal="14000", ville="Caen",
                  latitude=49.18, longitude=-0.37)
    db.session.add(unused)
    db.session.commit()
    manager.post(f"/lieuview/delete/{unused.id}")
    assert fresh(Lieu, unused.id) is None


def test_r_g6_structure_request_acknowledged_confirmed_and_listed_in_the_digest(login, reset_demo, mailbox):
    from app.workflow.mails import digest
    from tests.helpers import deliver_queued

    client, item = login("contact"), cfa()
    submit_an_email_change(client, item)
    assert mailbox.messages == []  # the pages queue them
    deliver_queued()
    subjects = {str(m["Subject"]): m for m in mailbox.messages}
    saved = subjects["[Offre de formation] Modification enregistrée"]  # the save of a list of the published record
    assert saved["To"] == "contact@demo.carif-oref.example" and "visible de nos partenaires après validation" in \
        saved.get_content()
    ack = next(m for s, m in subjects.items() if s.startswith("[Offre de formation] Demande de validation reçue"))
    assert "demande de modification de la fiche de la structure" in " ".join(ack.get_content().split())
    assert f"http://localhost/structureview/show/{item.id}" in ack.get_content()
    mailbox.messages.clear()
    digest()
    [summary] = mailbox.messages
    line = next(line for line in summary.get_content().splitlines() if item.reference in line)
    assert line.startswith("- [nouveau] ") and "modification" in line
