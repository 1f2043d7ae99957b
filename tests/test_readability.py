"""Readable pages: timestamps in French and in French time, references instead of database ids,
French elisions in generated names, financeurs under their current names, one name per structure."""
from __future__ import annotations

import re
from datetime import datetime

from lxml import html as lxml_html
from sqlalchemy import select

from app.extensions import db
from app.models import Financeur, Formation, HistoryEntry, Lieu, Structure
from tests.helpers import structure

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _table(page: str, header: str) -> list[dict[str, str]]:
    """The rows of the list whose header row holds `header`, as {column label: cell text}."""
    tree = lxml_html.fromstring(page)
    for table in tree.xpath("//table"):
        headers = [" ".join(th.text_content().split()) for th in table.xpath(".//thead//th")]
        if header in headers:
            return [dict(zip(headers, (" ".join(td.text_content().split()) for td in tr.xpath("./td"))))
                    for tr in table.xpath(".//tbody/tr | ./tr[td]")]
    raise AssertionError(f"no table with a {header!r} column")


def _text(response) -> str:
    return " ".join(lxml_html.fromstring(response.get_data(as_text=True)).text_content().split())


# --- dates and times ---------------------------------------------------------------------------------


def test_history_list_shows_french_dates_in_french_time_and_references(login, reset_demo):
    formation = db.session.execute(select(Formation).where(Formation.intitule.like("BTS management%"))).scalar_one()
    session = formation.sessions[0]
    horizon = structure("Institut Horizon Formation")
    # stored in UTC (models/base.py utcnow): 20:26 UTC is 21:26 in Paris in winter, 22:26 in summer
    db.session.add_all([
        HistoryEntry(entity="formation", entity_id=formation.id, at=datetime(2031, 1, 15, 20, 26, 34, 390415),
                     action="Contrôle d'hiver"),
        HistoryEntry(entity="session", entity_id=session.id, at=datetime(2031, 7, 1, 20, 26, 34, 390415),
                     action="Contrôle d'été"),
        HistoryEntry(entity="structure", entity_id=horizon.id, at=datetime(2031, 7, 2, 8, 0), action="Contrôle"),
    ])
    db.session.commit()

    page = login("gestionnaire").get("/historyentryview/list/").get_data(as_text=True)
    rows = {row["Action"]: row for row in _table(page, "Référence")}
    assert rows["Contrôle d'hiver"]["Date"] == "15/01/2031 21:26"
    assert rows["Contrôle d'été"]["Date"] == "01/07/2031 22:26"
    assert (rows["Contrôle d'hiver"]["Objet"], rows["Contrôle d'hiver"]["Référence"]) == ("Formation", formation.reference)
    assert (rows["Contrôle d'été"]["Objet"], rows["Contrôle d'été"]["Référence"]) == ("Session", session.reference)
    assert (rows["Contrôle"]["Objet"], rows["Contrôle"]["Référence"]) == ("Structure", horizon.reference)
    assert not any(ISO.search(" ".join(row.values())) for row in rows.values())
    assert "2031-01-15" not in _text(login("gestionnaire").get("/historyentryview/list/"))


def test_history_references_cost_no_query_per_row(login, count_queries, reset_demo):
    formations = db.session.execute(select(Formation)).scalars().all()
    client = login("gestionnaire")
    with count_queries() as few:
        client.get("/historyentryview/list/?psize_HistoryEntryView=100")
    db.session.add_all([HistoryEntry(entity="formation", entity_id=f.id, action=f"Entrée {n}")
                        for n in range(40) for f in formations[:1]])
    db.session.commit()
    with count_queries() as many:
        page = client.get("/historyentryview/list/?psize_HistoryEntryView=100").get_data(as_text=True)
    assert formations[0].reference in page
    assert many() == few()


def test_account_pages_show_french_date_and_time(login, reset_demo):
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username="contact.autre")
    user.last_login = datetime(2031, 3, 2, 9, 5)
    db.session.commit()
    client = login("gestionnaire")
    rows = {row["Identifiant"]: row for row in _table(client.get("/comptes/list/").get_data(as_text=True), "Identifiant")}
    assert rows["contact.autre"]["Dernière connexion"] == "02/03/2031 10:05"
    client.post("/compte/demande", data={
        "siret": "44306184100047", "nda": "28760456776", "nom": "Martin", "prenom": "Inès",
        "telephone": "02 35 11 22 33", "email": "ines.martin@horizon.example", "consentement": "y"})
    (request,) = _table(client.get("/accountrequestview/list/").get_data(as_text=True), "Reçue le")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", request["Reçue le"])


def test_queue_shows_french_submission_time(login):
    (row, *_) = _table(login("gestionnaire").get("/validation/").get_data(as_text=True), "Soumise le")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", row["Soumise le"])


# --- French elisions ---------------------------------------------------------------------------------


def test_de_contracts_and_elides_like_french():
    from app.demo.region import de

    assert de("Le Havre") == "du Havre" and de("le bâtiment") == "du bâtiment"
    assert de("Les Andelys") == "des Andelys" and de("les techniques") == "des techniques"
    assert de("Évreux") == "d'Évreux" and de("Alençon") == "d'Alençon" and de("Hérouville-Saint-Clair") == "d'Hérouville-Saint-Clair"
    assert de("Caen") == "de Caen" and de("La Ferté-Macé") == "de La Ferté-Macé" and de("L'Aigle") == "de L'Aigle"


def test_demo_names_say_du_havre_and_d_evreux(app):
    names = db.session.execute(select(Structure.raison_sociale)).scalars().all()
    names += db.session.execute(select(Lieu.nom)).scalars().all()
    assert "CFA Bâtiment Normandie – site du Havre" in names
    assert "CFA Bâtiment Normandie – site d'Évreux" in names and "Plateau technique d'Alençon" in names
    wrong = re.compile(r"\bde (?:Le|Les|le|les) |\bde [AEIOUYÉÈÊÂÎÔaeiouyéèêâîô]")
    assert [name for name in names if wrong.search(name)] == []


# --- financeurs --------------------------------------------------------------------------------------


def test_financeur_4_is_france_travail_and_the_loader_renames_an_old_row(login):
    from app.refdata import load_financeurs

    france_travail = db.session.execute(select(Financeur).where(Financeur.code == "4")).scalar_one()
    assert france_travail.libelle == "France Travail"
    labels = db.session.execute(select(Financeur.libelle)).scalars().all()
    assert "Pôle emploi" not in labels and "Entreprise" in labels  # the others keep the dictionary's label
    page = _text(login("gestionnaire").get("/financeurview/list/"))
    assert "France Travail" in page and "Pôle emploi" not in page

    france_travail.libelle = "Pôle emploi"  # a database loaded before the rename
    db.session.commit()
    load_financeurs(db.session)
    db.session.commit()
    assert db.session.get(Financeur, france_travail.id).libelle == "France Travail"

    france_travail.libelle = "France Travail – agence régionale"  # a manager's own label stays
    db.session.commit()
    load_financeurs(db.session)
    db.session.commit()
    assert db.session.get(Financeur, france_travail.id).libelle == "France Travail – agence régionale"
    france_travail.libelle = "France Travail"
    db.session.commit()


# --- one name per structure --------------------------------------------------------------------------


def test_a_structure_has_one_name_across_lists_pages_and_the_navbar(login):
    cfa = structure("CFA Bâtiment Normandie")
    assert (cfa.enseigne, cfa.nom) == ("CFA BTP Normandie", "CFA BTP Normandie")
    caen = db.session.execute(select(Structure).where(Structure.raison_sociale.like("%site de Caen"))).scalar_one()
    assert caen.enseigne is None and caen.nom == caen.raison_sociale  # no nom usuel: the raison sociale

    siege_under_its_raison_sociale = re.compile(r"CFA Bâtiment Normandie(?! – site)")
    manager = login("gestionnaire")
    for url in ("/formationview/list/", "/structureview/list/", "/lieuview/list/", "/validation/",
                f"/validation/review/{db.session.execute(select(Formation.id).where(Formation.intitule.like('Électricien%'))).scalar_one()}"):
        page = _text(manager.get(url))
        assert "CFA BTP Normandie" in page, url
        assert not siege_under_its_raison_sociale.search(page), url
    formations = _table(manager.get("/formationview/list/").get_data(as_text=True), "OF responsable")
    assert {row["OF responsable"] for row in formations} >= {"CFA BTP Normandie", "Horizon Formation"}

    contact = login("contact")
    page = contact.get("/").get_data(as_text=True)
    options = lxml_html.fromstring(page).xpath("//select[@id='espace-structure']/option/text()")
    assert "CFA BTP Normandie" in options and not any(siege_under_its_raison_sociale.search(o) for o in options)
    # the record page keeps both under Identité
    assert "CFA Bâtiment Normandie" in _text(contact.get(f"/structureview/show/{cfa.id}"))


def test_structures_sort_and_filter_on_their_name(login):
    client = login("gestionnaire")
    def names(direction):
        page = client.get(f"/structureview/list/?_oc_StructureView=nom&_od_StructureView={direction}")
        return [row["Nom"] for row in _table(page.get_data(as_text=True), "Nom")]

    ascending = names("asc")  # the database's collation decides the order: the same both ways
    assert ascending == names("desc")[::-1] and len(set(ascending)) > 5 and "CFA BTP Normandie" in ascending
    found = _table(client.get("/structureview/list/?_flt_2_enseigne=BTP").get_data(as_text=True), "Nom")
    assert [row["Nom"] for row in found] == ["CFA BTP Normandie"]
    found = _table(client.get("/structureview/list/?_flt_2_raison_sociale=Institut Horizon").get_data(as_text=True), "Nom")
    assert [row["Nom"] for row in found] == ["Horizon Formation"]
