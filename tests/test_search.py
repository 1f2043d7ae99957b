"""Formations search (SPEC I1–I4): quick search, references, filters, results; always in scope."""
from __future__ import annotations

from datetime import date, timedelta

import lxml.html
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Financement,
    Formation,
    Nomenclature,
    NomenclatureKind,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
)
from app.search.text import fold

URL = "/recherche/formations"


def page(client, **args):
    response = client.get(URL, query_string=args)
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.get_data(as_text=True))


def rows(client, **args) -> list[dict]:
    """The result rows: formation and session references, CSS state class, state text, cells."""
    tree = page(client, **{"taille": 100, **args})
    found = []
    for tr in tree.xpath("//table[@id='resultats']/tbody/tr[@class]"):
        refs = [a.text_content() for a in tr.xpath("./th/a")]
        cells = [td.text_content().strip() for td in tr.xpath("./td")]
        found.append({"formation": refs[0], "session": refs[1], "classe": tr.get("class"),
                      "etat": tr.xpath("./td[@class='etat']")[0].text_content(), "cells": cells,
                      "rowid": tr.xpath(".//input[@name='rowid']/@value")[0]})
    return found


def sessions_of(client, **args) -> set[str]:
    return {r["session"] for r in rows(client, **args)}


def refs(*sessions) -> set[str]:
    return {s.reference for s in sessions}


def formation(intitule_start: str) -> Formation:
    return db.session.execute(select(Formation).where(Formation.intitule.like(f"{intitule_start}%"))).scalar_one()


def visible_sessions(formation_obj) -> set[str]:
    return {s.reference for s in formation_obj.sessions if s.etat != SessionEtat.ARCHIVEE}


def all_visible() -> set[str]:
    return set(db.session.execute(select(Session.reference).where(Session.etat != SessionEtat.ARCHIVEE,
                                                                  Session.in_draft.is_(False))).scalars())


# --- I1: quick search ----------------------------------------------------------------------------

def test_r_i1_fold_removes_accents_and_case():
    assert fold("Bâtiment ÉLECTRICIEN œuvre") == "batiment electricien oeuvre"


@pytest.mark.parametrize("text", ["bâtiment", "batiment", "BATIMENT", "Électricien", "electricien d'équipement"])
def test_r_i1_quick_search_ignores_accents_and_case(login, text):
    client = login("gestionnaire")
    elec = formation("Électricien")
    assert visible_sessions(elec) <= sessions_of(client, q=text)
    assert not refs(*formation("BTS").sessions) & sessions_of(client, q=text)


def test_r_i1_quick_search_on_formation_and_session_reference(login):
    client = login("gestionnaire")
    mco = formation("BTS")
    assert sessions_of(client, q=mco.reference.lower()) == visible_sessions(mco)
    session = mco.sessions[0]
    assert sessions_of(client, q=session.reference) == {session.reference}


# --- I2: references --------------------------------------------------------------------------------

def test_r_i2_reference_exact_list_and_wildcard(login):
    client = login("gestionnaire")
    mco, bureautique = formation("BTS"), formation("Bureautique")
    both = f"{mco.reference};{bureautique.reference}"
    expected = visible_sessions(mco) | visible_sessions(bureautique)
    assert sessions_of(client, type_reference="F", reference=both) == expected
    # the suffix letter may be left out; `*` stands for any characters
    assert sessions_of(client, type_reference="F", reference=mco.reference[:-1]) == visible_sessions(mco)
    assert sessions_of(client, type_reference="F", reference="*" + mco.reference[-3:]) >= visible_sessions(mco)
    assert sessions_of(client, type_reference="F", reference="*F") == all_visible()
    assert sessions_of(client, type_reference="F", reference="*S") == set()


def test_r_i2_session_references_with_wildcard(login):
    client = login("gestionnaire")
    first, second = formation("Bureautique").sessions
    assert sessions_of(client, type_reference="S", reference=f"{first.reference}; {second.reference}") == \
        refs(first, second)
    assert sessions_of(client, type_reference="S", reference="*" + first.reference[-4:]) >= {first.reference}
    assert sessions_of(client, reference=first.reference) == {first.reference}  # F or S


def test_r_i2_invalid_reference_is_reported_not_run(login):
    client = login("gestionnaire")
    tree = page(client, reference="12%; DROP")
    assert "Référence : valeur invalide" in tree.text_content()


# --- I3: filters -----------------------------------------------------------------------------------

def test_r_i3_intitule_word_or_exact_label(login):
    client = login("gestionnaire")
    mco = formation("BTS")
    assert sessions_of(client, intitule="COMMERCIAL") == visible_sessions(mco)
    assert sessions_of(client, intitule="bts management commercial opérationnel") == visible_sessions(mco)
    assert sessions_of(client, intitule="BTS management commercial") == set()  # a label is exact


def test_r_i3_etat_and_archived_sessions(login):
    client = login("gestionnaire")
    archived = set(db.session.execute(select(Session.reference).where(Session.etat == SessionEtat.ARCHIVEE)).scalars())
    assert archived and not archived & sessions_of(client)
    assert sessions_of(client, etat=SessionEtat.ARCHIVEE) == archived
    en_attente = {r["session"] for r in rows(client) if r["classe"] == "etat-en_attente"}
    assert sessions_of(client, etat=SessionEtat.EN_ATTENTE) == en_attente != set()


def test_r_i3_mesure_and_numero_de_marche(login, reset_demo):
    client = login("gestionnaire")
    session = formation("BTS").sessions[0]
    financement = session.financements[0]
    expected = set(db.session.execute(select(Session.reference).join(Financement).where(
        Financement.mesure_id == financement.mesure_id, Session.etat != SessionEtat.ARCHIVEE)).scalars())
    assert sessions_of(client, mesure=financement.mesure_id) == expected
    financement.numero_marche = "2026-REG-0042"
    db.session.commit()
    assert sessions_of(client, marche="2026-REG-0042") == {session.reference}
    assert sessions_of(client, marche="2026-REG") == set()


def _by_postcode(prefix: str) -> set[str]:
    from app.models import Lieu
    return set(db.session.execute(select(Session.reference).join(SessionLieu).join(Lieu).where(
        Lieu.code_postal.like(prefix), Session.etat != SessionEtat.ARCHIVEE)).scalars())


def test_r_i3_code_postal_exact_wildcard_and_list(login):
    client = login("gestionnaire")
    assert sessions_of(client, code_postal="76000") == _by_postcode("76000") != set()
    assert sessions_of(client, code_postal="76*") == _by_postcode("76%") > _by_postcode("76000")
    assert sessions_of(client, code_postal="76000;50*") == _by_postcode("76000") | _by_postcode("50%")
    assert sessions_of(client, departement="76") == _by_postcode("76%")


def test_r_i3_of_responsable_and_formateur_by_name_or_siret(login):
    client = login("gestionnaire")
    horizon = db.session.execute(select(Structure).where(
        Structure.raison_sociale == "Institut Horizon Formation")).scalar_one()
    own = set(db.session.execute(select(Session.reference).join(Formation).where(
        Formation.structure_id == horizon.id)).scalars())
    assert sessions_of(client, of_responsable="institut horizon") == own
    assert sessions_of(client, of_responsable=horizon.siret) == own
    caen = db.session.execute(select(Structure).where(Structure.raison_sociale.like("%site de Caen"))).scalar_one()
    trained = set(db.session.execute(select(Session.reference).join(SessionFormateur).where(
        SessionFormateur.structure_id == caen.id)).scalars())
    assert len(trained) == 2  # one CFA session and the shared Horizon session
    assert sessions_of(client, of_formateur="batiment normandie – site de caen") == trained
    assert sessions_of(client, of_formateur=caen.siret[:9] + " " + caen.siret[9:]) >= trained


def test_r_i3_potentiel_de_formation_keywords_find_the_organisations_offer(login, reset_demo):
    client = login("gestionnaire")
    horizon = db.session.execute(select(Structure).where(
        Structure.raison_sociale == "Institut Horizon Formation")).scalar_one()
    caen = db.session.execute(select(Structure).where(Structure.raison_sociale.like("%site de Caen"))).scalar_one()
    horizon.potentiel = "Management commercial, bureautique, Négociation et relation client"
    caen.potentiel = "Maçonnerie, coffrage, béton armé"
    db.session.commit()
    own = set(db.session.execute(select(Session.reference).join(Formation).where(
        Formation.structure_id == horizon.id, Session.etat != "archivee")).scalars())
    trained = set(db.session.execute(select(Session.reference).join(SessionFormateur).where(
        SessionFormateur.structure_id == caen.id, Session.etat != "archivee")).scalars())
    assert own and sessions_of(client, potentiel="negociation") == own  # accents and case folded
    assert trained and sessions_of(client, potentiel="BÉTON") == trained  # the OF formateur's potentiel too
    assert sessions_of(client, potentiel="astrophysique") == set()
    page = client.get("/recherche/formations", query_string={"potentiel": "béton"}).get_data(as_text=True)
    assert 'value="béton"' in page  # kept in the form and the URL
    # C1: its Formacodes too, by code or by label
    code = db.session.execute(select(Nomenclature).where(Nomenclature.kind == "formacode").order_by(
        Nomenclature.code).limit(1)).scalar_one()
    horizon.potentiel_formacodes = [code]
    db.session.commit()
    assert sessions_of(client, potentiel=code.code) == own
    assert sessions_of(client, potentiel=code.libelle.upper()) >= own


def test_r_i3_niveaux_certifiante_apprentissage(login):
    client = login("gestionnaire")
    macon = formation("Titre professionnel maçon")
    assert sessions_of(client, niveau_sortie=macon.niveau_sortie_id) >= visible_sessions(macon)
    assert sessions_of(client, niveau_entree=macon.niveau_entree_id) == all_visible()
    assert sessions_of(client, apprentissage="oui") == visible_sessions(macon)
    bureautique = formation("Bureautique")
    assert visible_sessions(bureautique) <= sessions_of(client, certifiante="non")
    assert not visible_sessions(bureautique) & sessions_of(client, certifiante="oui")


def test_r_i3_session_dates(login):
    client = login("gestionnaire")
    today = date.today()
    sessions = [s for s in db.session.execute(select(Session)).scalars() if s.etat != SessionEtat.ARCHIVEE]
    start, end = today, today + timedelta(days=60)
    assert sessions_of(client, debut_du=start.isoformat(), debut_au=end.strftime("%d/%m/%Y")) == \
        {s.reference for s in sessions if start <= s.debut <= end}
    assert sessions_of(client, fin_au=today.isoformat()) == {s.reference for s in sessions if s.fin <= today}
    assert "date invalide" in page(client, fin_au="31/02/2026").text_content()


def test_r_i3_a_distance(login, reset_demo):
    client = login("gestionnaire")
    session = formation("BTS").sessions[0]
    session.modalite_enseignement = db.session.execute(select(Nomenclature).where(
        Nomenclature.kind == NomenclatureKind.MODALITE_ENSEIGNEMENT, Nomenclature.code == "2")).scalar_one()
    db.session.commit()
    assert sessions_of(client, distance="oui") == {session.reference}
    assert session.reference not in sessions_of(client, distance="non")


# --- I4: results -----------------------------------------------------------------------------------

def test_r_i4_columns_colours_legend_and_state_text(login):
    client = login("gestionnaire")
    tree = page(client, q="BTS")
    headers = [th.text_content().replace("(trier)", "").strip()
               for th in tree.xpath("//table[@id='resultats']/thead/tr/th")]
    assert headers[1:] == ["Référence", "Certif.", "Intitulé", "Date de début", "Date de fin", "OF formateur",
                           "Dispositif", "État", "Dpt", "Ville"]
    assert all(th.get("scope") == "col" for th in tree.xpath("//table[@id='resultats']/thead/tr/th"))
    (row,) = rows(client, q="BTS")
    assert row["classe"] == "etat-diffusee" and row["etat"] == "Diffusée"
    assert row["cells"][-2:] == ["76", "Rouen"] and "Horizon Formation" in row["cells"]
    certif = tree.xpath("//table[@id='resultats']//td/span[@title]")[0]
    assert certif.text_content() == "RNCP38362" and "fin d'enregistrement le 31/08/2029" in certif.get("title")
    legend = tree.xpath("//div[@id='legende-etats']")[0].text_content()
    assert all(label in legend for label in SessionEtat.LABELS.values())
    assert tree.xpath("//div[@id='legende-etats']//span[contains(@class, 'pastille etat-diffusee')]")


@pytest.mark.parametrize("key", ["reference", "certification", "intitule", "debut", "fin", "formateur",
                                 "dispositif", "etat", "departement", "ville"])
def test_r_i4_every_column_sorts_both_ways(login, key):
    client = login("gestionnaire")
    for ordre in ("asc", "desc"):
        tree = page(client, tri=key, ordre=ordre)
        sorted_th = tree.xpath("//th[@aria-sort]")
        expected = "ascending" if ordre == "asc" else "descending"
        assert len(sorted_th) == 1 and sorted_th[0].get("aria-sort") == expected
    index = {"debut": 3, "intitule": 2, "etat": 7, "ville": 9}.get(key)
    if index is not None:
        values = [r["cells"][index] for r in rows(client, tri=key)]
        as_key = (lambda v: v.split("/")[::-1]) if key == "debut" else fold
        assert values == sorted(values, key=as_key)
        descending = [r["cells"][index] for r in rows(client, tri=key, ordre="desc")]
        assert descending == sorted(values, key=as_key, reverse=True)


@pytest.mark.parametrize("key", ["certification", "formateur", "dispositif", "departement", "ville"])
def test_r_i4_large_results_sort_derived_columns_by_a_join_in_the_same_order(login, monkeypatch, key):
    from app.search import formations

    client = login("gestionnaire")
    for ordre in ("asc", "desc"):
        per_row = [r["session"] for r in rows(client, tri=key, ordre=ordre)]
        monkeypatch.setattr(formations, "JOIN_SORT_FROM", 0)
        assert [r["session"] for r in rows(client, tri=key, ordre=ordre)] == per_row
        monkeypatch.setattr(formations, "JOIN_SORT_FROM", 1000)


def test_r_i4_pagination_and_page_size_keep_the_search_in_the_url(login):
    client = login("gestionnaire")
    assert len(all_visible()) == len(rows(client, taille=10)) == 10  # the demo has 10 visible sessions
    tree = page(client, taille=10, q="a")
    assert tree.xpath("//select[@id='taille']/option[@selected]")[0].get("value") == "10"
    assert tree.xpath("//input[@id='q']/@value") == ["a"]
    sort_link = tree.xpath("//th/a")[0].get("href")
    assert "q=a" in sort_link and "taille=10" in sort_link
    assert page(client, taille=7).xpath("//select[@id='taille']/option[@selected]")[0].get("value") == "25"


def test_r_i4_pages_split_the_results(login, reset_demo):
    _more_sessions(25)
    client = login("gestionnaire")
    pages = [sessions_of(client, taille=10, page=n, tri="session") for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [10, 10, 10, 5]
    assert set().union(*pages) == all_visible()
    tree = page(client, taille=10, page=2)
    assert tree.xpath("//ul[@class='pagination']//a[@aria-current='page']")[0].text_content() == "2"
    assert sessions_of(client, taille=10, page=99, tri="session") == pages[3]  # past the end: the last page


@pytest.mark.parametrize("username", ["contact", "contact.autre"])
def test_r_i4_a_contact_never_sees_a_row_outside_his_scope(app, login, username):
    from app.security.scope import scoped

    client = login(username)
    user = app.appbuilder.sm.find_user(username=username)
    allowed = set(db.session.execute(scoped(select(Session.reference), Session, write=False, user=user)
                                     .where(Session.etat != SessionEtat.ARCHIVEE)).scalars())
    assert allowed and sessions_of(client) == allowed
    others = all_visible() - allowed
    assert others
    for other in others:  # not even by its reference
        assert sessions_of(client, q=other) == set()
        assert sessions_of(client, type_reference="S", reference=other) == set()
    assert sessions_of(client, reference="*F") == allowed


def test_r_i4_the_espace_structure_narrows_the_search(login):
    client = login("contact")
    caen = db.session.execute(select(Structure).where(Structure.raison_sociale.like("%site de Caen"))).scalar_one()
    trained = set(db.session.execute(select(Session.reference).join(SessionFormateur).where(
        SessionFormateur.structure_id == caen.id)).scalars())
    everything = sessions_of(client)
    client.post("/espace/choisir", data={"espace": str(caen.id), "next": URL})
    assert sessions_of(client) == trained < everything
    assert "site de Caen" in page(client).xpath("//p[@id='espace-recherche']")[0].text_content()


def test_r_i4_contact_formateur_sees_the_shared_session_read_only(login):
    client = login("contact")
    shared = next(s for s in formation("Bureautique").sessions if len(s.formateurs) > 1)
    assert shared.reference in sessions_of(client, q="bureautique")
    assert sessions_of(client, q="bureautique") == {shared.reference}


def test_r_i4_bulk_actions_post_the_checked_sessions(login, reset_demo):
    client = login("contact")
    assert not page(client).xpath("//select[@id='action']")  # a contact holds none of these actions
    client = login("gestionnaire")
    tree = page(client, q="BTS")
    form = tree.xpath("//form[@id='selection']")[0]
    assert form.get("action") == "/recherche/formations/actions" and form.get("method") == "post"
    assert [o.get("value") for o in form.xpath(".//select[@name='action']/option")] == [
        "archive", "close_recrutement", "set_etat_dispositif"]
    # The search travels with the selection (the answer comes back to it).
    assert form.xpath(".//input[@type='hidden'][@name='q']/@value") == ["BTS"]
    assert all(tree.xpath(f"//label[@for='{box.get('id')}']") or box.xpath("ancestor::label")
               for box in form.xpath(".//input[@type='checkbox']"))
    (row,) = rows(client, q="BTS")
    response = client.post("/recherche/formations/actions", data={"action": "archive", "rowid": [row["rowid"]],
                                                                  "q": "BTS"})
    assert response.status_code == 302 and "/recherche/formations?q=BTS&" in response.headers["Location"]
    assert db.session.get(Session, int(row["rowid"])).etat == SessionEtat.ARCHIVEE
    assert "1 session(s) archivée(s)" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_r_i4_selection_across_pages_reaches_the_action(login, reset_demo):
    """Rows checked on two pages are posted together (the page's script adds the other pages'
    ids to the form; here the browser's post is written out)."""
    _more_sessions(15)
    client = login("gestionnaire")
    first = rows(client, taille=10, page=1, etat="diffusee")[:2]
    second = rows(client, taille=10, page=2, etat="diffusee")[:2]
    assert first and second and not {r["rowid"] for r in first} & {r["rowid"] for r in second}
    chosen = [r["rowid"] for r in first + second]
    response = client.post("/recherche/formations/actions", data={
        "action": "archive", "rowid": chosen, "etat": "diffusee", "taille": 10, "page": 2})
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Session, int(i)).etat for i in chosen} == {SessionEtat.ARCHIVEE}
    # The page says how the selection is kept: the key is the search, not its page.
    keys = {page(client, taille=10, page=n, etat="diffusee").xpath("//form[@id='selection']/@data-recherche")[0]
            for n in (1, 2)}
    assert len(keys) == 1 and "etat=diffusee" in keys.pop()


def test_r_i4_an_action_on_every_session_of_the_search(login, reset_demo):
    client = login("gestionnaire")
    found = {r["rowid"] for r in rows(client, q="bureautique")}
    others = db.session.execute(select(Session.id).where(Session.etat != SessionEtat.ARCHIVEE,
                                                        Session.id.not_in([int(i) for i in found]))).scalars().all()
    assert found and others
    response = client.post("/recherche/formations/actions", data={"action": "archive", "tout": "1",
                                                                  "q": "bureautique", "rowid": []})
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Session, int(i)).etat for i in found} == {SessionEtat.ARCHIVEE}
    assert SessionEtat.ARCHIVEE not in {db.session.get(Session, i).etat for i in others}


def test_r_k2_etat_du_dispositif_from_the_search(login, reset_demo):
    client = login("gestionnaire")
    etat = db.session.execute(select(Nomenclature).where(Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF)
                              .order_by(Nomenclature.ordre.desc())).scalars().first()
    chosen = [r["rowid"] for r in rows(client, q="BTS")]
    refused = client.post("/recherche/formations/actions", data={"action": "set_etat_dispositif",
                                                                 "rowid": chosen, "etat": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "Choisissez un état du dispositif" in refused
    client.post("/recherche/formations/actions", data={"action": "set_etat_dispositif", "rowid": chosen,
                                                       "etat": etat.id})
    db.session.expire_all()
    assert {f.etat_dispositif_id for i in chosen for f in db.session.get(Session, int(i)).financements} == {etat.id}


def test_r_k2_contacts_cannot_run_the_search_actions(login):
    client = login("contact")
    (row,) = [r for r in rows(client) if r["etat"] != "Archivée"][:1]
    response = client.post("/recherche/formations/actions", data={"action": "archive", "rowid": [row["rowid"]]})
    assert response.status_code == 403
    assert db.session.get(Session, int(row["rowid"])).etat != SessionEtat.ARCHIVEE


def test_r_i4_the_search_page_is_in_french(login):
    from tests.test_french_pages import english_in

    for username in ("contact", "gestionnaire"):
        client = login(username)
        assert english_in(client.get(URL, query_string={"taille": 10}).get_data(as_text=True)) == []


def test_r_i4_search_is_in_the_menu_for_contacts_and_managers(login):
    for username in ("contact", "gestionnaire"):
        client = login(username)
        assert URL in client.get("/").get_data(as_text=True)
        tree = page(client)
        controls = tree.xpath("//form[@id='recherche']//input[not(@type='hidden')]|//form[@id='recherche']//select")
        for control in controls:
            assert tree.xpath(f"//label[@for='{control.get('id')}']"), control.get("id")


def _more_sessions(count: int) -> None:
    """Extra sessions like the demo's (formateur, lieu, financement), under the BTS formation."""
    model = formation("BTS").sessions[0]
    financement = model.financements[0]
    for index in range(count):
        db.session.add(Session(
            formation=model.formation, etat=SessionEtat.DIFFUSEE, debut=model.debut + timedelta(days=index),
            fin=model.fin, formateurs=[SessionFormateur(structure=model.formateurs[0].structure, principal=True)],
            lieux=[SessionLieu(lieu=model.lieux[0].lieu, principal=True)],
            financements=[Financement(financeur=financement.financeur, mesure=financement.mesure)]))
    db.session.commit()


def test_r_i4_a_search_is_two_statements_the_count_and_the_page(app, count_queries):
    from flask import g

    from app.search.formations import parse, search

    with app.test_request_context(URL, query_string={"taille": 100, "q": "a", "tri": "formateur"}):
        g.user = app.appbuilder.sm.find_user(username="contact")
        assert g.user.roles  # loaded by the login in a request
        with count_queries() as n:
            result = search(parse({"taille": "100", "q": "a", "tri": "formateur"}))
        assert result.total == len(result.rows) > 0
        assert n() == 2


def test_r_i4_query_count_does_not_grow_with_the_page_size(login, count_queries, reset_demo):
    _more_sessions(110)
    client = login("gestionnaire")
    counts = {}
    for size in (10, 100):
        client.get(URL, query_string={"taille": size})  # warm-up (first request of the user)
        with count_queries() as n:
            response = client.get(URL, query_string={"taille": size, "tri": "formateur"})
        assert response.status_code == 200
        counts[size] = n()
        assert len(lxml.html.fromstring(response.get_data(as_text=True)).xpath(
            "//table[@id='resultats']/tbody/tr[@class]")) == size
    assert counts[10] == counts[100], counts


def test_r_i1_the_database_folds_like_python_and_postgresql_indexes_the_intitule(app):
    """Both databases answer portal_unaccent() as app.search.text.fold does (same rows found);
    PostgreSQL also uses its trigram index for the quick search."""
    from sqlalchemy import func, text

    from app.search.text import ensure_sqlite_function

    ensure_sqlite_function(db.session)
    samples = ["Bâtiment – l’œuvre « x » …", "ÉLECTRICIEN d'équipement", "Maçon Æ ß", "Saint-Lô\u00a0Évreux"]
    for sample in samples:
        assert db.session.execute(select(func.portal_unaccent(sample))).scalar() == fold(sample)
    if db.engine.dialect.name != "postgresql":
        db.session.rollback()
        return  # SQLite has no index to check: it scans one region's formations
    index = db.session.execute(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_formation_intitule_trgm'")).scalar()
    assert index is None or "portal_unaccent(" in index  # absent only where pg_trgm is not installed
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # the demo table is tiny
    plan = "\n".join(db.session.execute(text(
        "EXPLAIN SELECT id FROM formation WHERE portal_unaccent(intitule) LIKE '%batiment%'")).scalars())
    db.session.rollback()
    assert index is None or "ix_formation_intitule_trgm" in plan


def test_r_i1_r_i3_the_complement_is_searched_with_the_intitule(login):
    """Quick search and the Intitulé / complément filter also read the complément d'intitulé;
    a label of several words matches exactly, no truncation (seed 001)."""
    client = login("gestionnaire")
    bureautique = visible_sessions(formation("Bureautique"))
    assert bureautique <= sessions_of(client, q="tosa")
    assert sessions_of(client, intitule="TOSA") >= bureautique
    assert sessions_of(client, intitule="parcours certification tosa") == bureautique
    assert not sessions_of(client, intitule="parcours certification")
    assert all("Parcours certification TOSA" in r["cells"][2] for r in rows(client, q="tosa"))  # shown under it


def test_r_j1_the_search_exports_its_rows_or_the_checked_ones(login):
    """The search page's Excel button posts the search and the checked rows (J1), for contacts too."""
    from io import BytesIO

    from openpyxl import load_workbook

    client = login("contact")
    tree = page(client, q="maçon")
    button = tree.xpath("//button[@id='exporter-excel']")[0]
    assert button.get("formaction") == "/recherche/export/excel"
    found = rows(client, q="maçon")
    assert len(found) >= 2
    response = client.post("/recherche/export/excel", data={"q": "maçon", "rowid": [found[0]["rowid"]]})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(response.data), read_only=True).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert found[0]["session"] in values and found[1]["session"] not in values
