"""Remote pickers (SPEC I3 filters, FAB-NOTES G13): relation fields and list filters hold the
selected rows only and ask the server for 20 rows at a time, through the user's scope."""
from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Formation, Lieu, Nomenclature, NomenclatureKind, Session, Structure, StructureRight
from app.views.pickers import NOT_A_CHOICE
from tests.helpers import structure

def pickers_of(body: str) -> dict[str, str]:
    """{field name: its <option>s} of every remote picker of a page."""
    found = {}
    for match in re.finditer(r"<select([^>]*)>(.*?)</select>", body, re.S):
        attributes, options = match.groups()
        if "portal-picker" in attributes:
            found[re.search(r'name="([^"]+)"', attributes).group(1)] = options
    return found


def test_forms_render_only_the_selected_rows(login):
    """The manager's session form does not embed the region's formations, contacts and lieux:
    each picker holds its selected row, nothing else."""
    client = login("gestionnaire")
    session = db.session.execute(select(Session).where(Session.contact_id.isnot(None)).order_by(Session.id)).scalars().first()
    body = client.get(f"/sessionview/edit/{session.id}").get_data(as_text=True)
    pickers = pickers_of(body)
    assert {"formation", "contact", "lieu_inscription"} <= set(pickers)
    assert pickers["formation"].count("<option") == 1
    assert f'value="{session.formation_id}"' in pickers["formation"] and "selected" in pickers["formation"]
    # An optional field keeps a blank choice (select2 clears to it) and its selected row.
    assert pickers["contact"].count("<option") == 2 and f'value="{session.contact_id}"' in pickers["contact"]
    # The ROME list (1,584 codes) of a formation form is a picker too.
    add = pickers_of(client.get("/formationview/add").get_data(as_text=True))
    assert {"structure", "certification"} <= set(add)
    assert all(options.count("<option") <= 1 for options in add.values())
    formation = db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None))).scalars().first()
    edit = pickers_of(client.get(f"/formationview/edit/{formation.id}").get_data(as_text=True))
    assert {"romes", "formacodes", "nsf"} <= set(edit)
    assert edit["romes"].count("<option") == len(formation.romes)


def test_picker_pages_by_twenty_with_more(login):
    client = login("gestionnaire")
    total = db.session.execute(select(func.count()).select_from(Nomenclature)
                               .where(Nomenclature.kind == NomenclatureKind.ROME)).scalar()
    first = client.get("/formationview/choix/romes").get_json()
    second = client.get("/formationview/choix/romes?page=2").get_json()
    assert len(first["results"]) == 20 and first["pagination"]["more"] is True
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    last_page = -(-total // 20)
    last = client.get(f"/formationview/choix/romes?page={last_page}").get_json()
    assert 0 < len(last["results"]) <= 20 and last["pagination"]["more"] is False
    # Only the field's own list: ROME codes, no other code list.
    codes = {r["text"].split(" – ")[0] for r in first["results"]}
    assert all(re.fullmatch(r"[A-N]\d{4}", code) for code in codes), codes


def test_picker_search_ignores_accents_case_and_matches_identifiers(login):
    client = login("gestionnaire")
    macon = client.get("/formationview/choix/romes?q=MACON").get_json()["results"]
    assert any("Maçon" in row["text"] for row in macon)
    cfa = structure("CFA Bâtiment Normandie")
    by_siret = client.get(f"/sessionformateurview/choix/structure?q={cfa.siret[:9]}").get_json()["results"]
    assert str(cfa.id) in {row["id"] for row in by_siret}
    by_name = client.get("/sessionformateurview/choix/structure?q=batiment normandie").get_json()["results"]
    assert str(cfa.id) in {row["id"] for row in by_name}
    # Two structures of one name are told apart by their town and SIRET.
    assert all("SIRET" in row["text"] for row in by_name)


def test_r_a3_picker_of_a_contact_offers_his_writable_rows_only(app, login):
    user = app.appbuilder.sm.find_user(username="contact.autre")
    own = set(db.session.execute(select(StructureRight.structure_id).where(StructureRight.user_id == user.id)).scalars())
    client = login("contact.autre")
    offered = {int(row["id"]) for page in (1, 2, 3)
               for row in client.get(f"/lieuview/choix/structure?page={page}").get_json()["results"]}
    assert offered and offered <= own
    lieux = {int(row["id"]) for row in client.get("/sessionlieuview/choix/lieu").get_json()["results"]}
    assert lieux and lieux <= set(db.session.execute(select(Lieu.id).where(Lieu.structure_id.in_(own))).scalars())
    # A foreign row asked by id is not named.
    foreign = db.session.execute(select(Structure.id).where(Structure.id.not_in(own))).scalars().first()
    assert client.get(f"/lieuview/choix/structure/filtre?id={foreign}").get_json()["results"] == []
    assert client.get(f"/lieuview/choix/structure/filtre?id={min(own)}").get_json()["results"]


def test_picker_of_an_unknown_field_or_a_plain_column_is_404(login):
    client = login("gestionnaire")
    assert client.get("/lieuview/choix/nom").status_code == 404
    assert client.get("/lieuview/choix/inconnu").status_code == 404
    assert client.get("/sessionview/choix/rythmes").status_code == 404  # a short list: a drop-down
    assert client.get("/lieuview/choix/structure?page=abc").status_code == 200


def test_picker_costs_the_same_queries_whatever_it_answers(login, count_queries):
    client = login("gestionnaire")
    counts = []
    for url in ("/sessionformateurview/choix/structure", "/sessionformateurview/choix/structure?q=cfa",
                "/sessionformateurview/choix/structure?page=3"):
        client.get(url)
        with count_queries() as executed:
            assert client.get(url).status_code == 200
        counts.append(executed())
    assert len(set(counts)) == 1 and counts[0] <= 8, counts


def test_a_posted_id_outside_the_choices_is_refused_next_to_the_field(app, login, reset_demo):
    """The remote field checks a posted id through the same filters as its picker: a structure
    that is not a siège cannot own a formation (E1), whatever id the browser sends."""
    antenna = db.session.execute(select(Structure).where(Structure.parent_id.isnot(None))).scalars().first()
    client = login("gestionnaire")
    response = client.post("/formationview/add", data={"structure": antenna.id, "intitule": "Essai de choix",
                                                       "objectifs": "Des objectifs."})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Essai de choix" in body  # the form comes back, typed values kept
    field = body.split('name="structure"', 1)[1].split("</td>", 1)[0]
    assert NOT_A_CHOICE in html.unescape(field)
    # A code outside the field's list (a NSF code posted as a ROME code) is refused too.
    nsf = db.session.execute(select(Nomenclature.id).where(Nomenclature.kind == NomenclatureKind.NSF)).scalars().first()
    formation = db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None))).scalars().first()
    body = client.post(f"/formationview/onglet/{formation.id}/domaines", data={"romes": [nsf]}).get_data(as_text=True)
    assert NOT_A_CHOICE in html.unescape(body.split('name="romes"', 1)[1].split("</td>", 1)[0])


def test_list_filter_on_a_relation_uses_the_picker_and_filters(login):
    client = login("gestionnaire")
    cfa = structure("CFA Bâtiment Normandie")
    body = client.get("/lieuview/list/").get_data(as_text=True)
    assert "/lieuview/choix/structure/filtre" in body  # the filter's template is a picker
    filtered = client.get(f"/lieuview/list/?_flt_0_structure={cfa.id}").get_data(as_text=True)
    names = db.session.execute(select(Lieu.nom).where(Lieu.structure_id == cfa.id)).scalars().all()
    others = db.session.execute(select(Lieu.nom).where(Lieu.structure_id != cfa.id)).scalars().all()
    assert names and all(name in filtered for name in names)
    assert not [name for name in others if name not in names and f">{name}<" in filtered]


def test_list_filters_are_rendered_once_but_each_page_keeps_its_active_filters(login):
    """The filters' fields are rendered once per view and language (CachedSearchWidget): the
    same fields for a manager and a contact, while every page still carries its own active
    filters, which the page's script puts back in the filter bar."""
    def filters_script(body: str) -> str:
        return re.search(r"new AdminFilters\((.*?)\);", body, re.S).group(1)

    manager = login("gestionnaire")
    plain = filters_script(manager.get("/lieuview/list/").get_data(as_text=True))
    filtered = filters_script(manager.get("/lieuview/list/?_flt_0_ville=Rouen-Filtre").get_data(as_text=True))
    assert "Rouen-Filtre" in filtered and "Rouen-Filtre" not in plain
    assert filtered.replace('"Rouen-Filtre"', "") != plain  # the active filter, not only its value
    contact = login("contact")
    again = filters_script(contact.get("/lieuview/list/?_flt_0_ville=Caen-Filtre").get_data(as_text=True))
    assert "Caen-Filtre" in again and "Rouen-Filtre" not in again
    fields = lambda script: script.split("},", 2)[1]  # noqa: E731 - labels, then the fields
    assert fields(again) == fields(plain) and "/lieuview/choix/structure/filtre" in fields(plain)
