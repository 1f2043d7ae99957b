"""Tableau de bord (SPEC H1) and the managers' pilotage: every counter opens the list of exactly
what it counts, in the espace structure, at a constant number of queries."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from app.dashboard.counters import COUNTERS
from app.extensions import db
from app.models import (
    Certification,
    Coordonnee,
    CoordonneeKind,
    Financement,
    Formation,
    FormationCertification,
    FormationEtat,
    LinkCheck,
    Mesure,
    MesureKind,
    Nomenclature,
    NomenclatureKind,
    Session,
    SessionEtat,
    Structure,
    StructureRight,
)
from app.models.base import utcnow
from tests.helpers import open_draft

SEARCH = "/recherche/formations"
FAB_LISTS = {"/structurecontactview/list/": "StructureContactView", "/structurerightview/list/": "StructureRightView"}


def tree(client, url: str, **args):
    response = client.get(url, query_string=args or None)
    assert response.status_code == 200, (url, response.status_code)
    return lxml.html.fromstring(response.get_data(as_text=True))


def counters(client) -> dict[str, tuple[int, str]]:
    """{key: (value shown, link)} of the home page."""
    page = tree(client, "/")
    return {a.get("id").removeprefix("compteur-"): (int(a.get("data-valeur")), a.get("href"))
            for a in page.xpath("//a[starts-with(@id, 'compteur-')]")}


def listed(client, url: str) -> int:
    """The number of rows the linked list reports: the search's count, or a FAB list's rows."""
    parts = urlsplit(url)
    if parts.path == SEARCH:
        page = tree(client, url + "&taille=100" if "?" in url else url)
        return int(page.get_element_by_id("nombre-resultats").get("data-total"))
    if parts.path == "/structureview/qualiopi-perdu":  # C6: the structures a public list took a label from
        return int(tree(client, url).xpath("//table[@id='qualiopi-perdu']")[0].get("data-total"))
    if parts.path == "/liens/erreurs":  # the link check's page (H5)
        table = tree(client, url).xpath("//table[@id='liens-en-erreur']")
        return int(table[0].get("data-total")) if table else 0
    assert parts.path in FAB_LISTS, url
    page = tree(client, url)
    strong = page.xpath("//strong[contains(text(), 'Record Count') or contains(text(), 'enregistrements')]")
    if not strong:  # FAB writes no count when the list is empty
        assert page.xpath("//table") == [] or "Aucun" in page.text_content() or "No records" in page.text_content()
        return 0
    return int(strong[0].tail.strip())


def search_rows(client, url: str) -> list[tuple[str, str]]:
    """(formation reference, session reference or '') of every row listed by the search link."""
    page = tree(client, url + "&taille=100")
    found = []
    for th in page.xpath("//table[@id='resultats']/tbody/tr/th"):
        links = [a.text_content() for a in th.xpath("./a")]
        found.append((links[0], links[1] if len(links) > 1 else ""))
    return found


@pytest.fixture()
def varied(app, reset_demo):
    """Demo data with every counter above zero: a formation without session, a draft, public and
    contrat de pro financements, an expiring certification, an active session ending soon, a
    session with a blocking error."""
    today = date.today()
    formations = db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None))
                                    .order_by(Formation.id)).scalars().all()
    contact_structures = set(db.session.execute(select(StructureRight.structure_id)).scalars())
    mine = [f for f in formations if f.structure_id in contact_structures] or formations
    base = mine[0]
    # a formation en création without any session
    db.session.add(Formation(structure_id=base.structure_id, intitule="Formation sans session du tableau",
                             objectifs="Objectifs", etat=FormationEtat.EN_CREATION))
    # an active session ending within a month, on a contrat de pro mesure, with an expiring certification
    running = [s for f in mine for s in f.sessions if not s.in_draft]
    session = running[0]
    session.formation.etat = FormationEtat.DIFFUSEE
    session.etat, session.debut, session.fin = SessionEtat.DIFFUSEE, today - timedelta(days=30), today + timedelta(days=10)
    pro = db.session.execute(select(Mesure).where(Mesure.nature == MesureKind.CONTRAT_PRO)).scalars().first()
    if pro is not None:
        db.session.add(Financement(session=session, financeur_id=pro.financeur_id, mesure_id=pro.id))
    # (the certifications are reference data the demo reload keeps: put back after the test)
    certification = db.session.execute(select(Certification).order_by(Certification.id)).scalars().first()
    saved_end = certification.id, certification.date_fin_enregistrement
    certification.date_fin_enregistrement = today + timedelta(days=60)
    if not any(link.certification_id == certification.id for link in session.formation.certifications):
        db.session.add(FormationCertification(formation=session.formation, certification=certification))
    # a blocking error: no financement and dates reversed
    other = running[1]
    other.etat = SessionEtat.BROUILLON
    other.debut, other.fin = today + timedelta(days=40), today + timedelta(days=20)
    # at a distance (LHEO modalité d'enseignement "2": entièrement à distance)
    remote = db.session.execute(select(Nomenclature).where(
        Nomenclature.kind == NomenclatureKind.MODALITE_ENSEIGNEMENT, Nomenclature.code == "2")).scalar_one_or_none()
    if remote is None:
        remote = Nomenclature(kind=NomenclatureKind.MODALITE_ENSEIGNEMENT, code="2", libelle="À distance")
    session.modalite_enseignement = remote
    # a formation en attente and one non diffusée
    if len(mine) > 2:
        mine[1].etat = FormationEtat.EN_ATTENTE
        mine[2].etat = FormationEtat.NON_DIFFUSEE
    db.session.commit()
    # a broken website link: a formation's page and the structure's site (H5)
    base.url_page = "https://formation.example/page-perdue"
    site = Coordonnee(structure_id=base.structure_id, nature=CoordonneeKind.WEB, valeur="https://structure.example/")
    db.session.add(site)
    for url in (base.url_page, site.valeur):
        db.session.add(LinkCheck(url=url, checked_at=utcnow(), ok=False, status=404, reason="Page introuvable (404)"))
    # a formation put on hold by the Carif-Oref (G1)
    mine[-1].en_suspens, mine[-1].motif_suspension = True, "Habilitation en cours de renouvellement"
    # a Qualiopi certification the public list took away (C6)
    owner = db.session.get(Structure, base.structure_id)
    owner.qualiopi_perdus, owner.qualiopi_bilan = "bilan", False
    # a demande de modification not submitted yet (a draft *brouillon*)
    open_draft(session.formation)
    db.session.commit()
    yield
    db.session.rollback()
    db.session.get(Certification, saved_end[0]).date_fin_enregistrement = saved_end[1]
    db.session.commit()


SEARCH_COUNTERS = [c.key for c in COUNTERS]


@pytest.mark.parametrize("username", ["contact", "gestionnaire"])
def test_r_h1_every_counter_links_to_exactly_the_counted_rows(login, varied, username):
    client = login(username)
    shown = counters(client)
    assert set(shown) == set(SEARCH_COUNTERS)
    nonzero = 0
    for key, (value, url) in shown.items():
        assert listed(client, url) == value, f"{username}: counter {key} shows {value}, its list {listed(client, url)}"
        nonzero += value > 0
    assert nonzero == len(shown), shown  # the data exercises every counter


def test_r_h1_formation_counters_include_formations_without_session(login, varied):
    client = login("contact")
    value, url = counters(client)["en_creation"]
    rows = search_rows(client, url)
    assert any(session == "" for _, session in rows), rows
    assert len({formation for formation, _ in rows}) == value


def test_r_h1_session_counters_are_what_they_say(login, varied):
    client = login("gestionnaire")
    today = date.today()
    shown = counters(client)
    soon = {ref for _, ref in search_rows(client, shown["inactives_bientot"][1])}
    expected = set(db.session.execute(select(Session.reference).where(
        Session.etat == SessionEtat.DIFFUSEE, Session.in_draft.is_(False),
        Session.fin.between(today, today + timedelta(days=30)))).scalars())
    assert soon == expected and soon
    errors = {ref for _, ref in search_rows(client, shown["erreurs"][1])}
    reversed_dates = set(db.session.execute(select(Session.reference).where(
        Session.debut > Session.fin, Session.in_draft.is_(False),
        Session.etat.notin_((SessionEtat.TERMINEE, SessionEtat.ARCHIVEE)))).scalars())
    assert reversed_dates and reversed_dates <= errors
    expiring = {ref for _, ref in search_rows(client, shown["certification_echue"][1])}
    assert expiring, "the expiring certification's session is on the radar"


def test_r_h1_espace_narrows_the_counters(login, varied):
    """A contact with several structures: choosing one narrows every counter to it, and the
    links still list exactly what is counted."""
    client = login("contact")
    from flask import current_app
    user_id = current_app.appbuilder.sm.find_user(username="contact").id
    mine = db.session.execute(select(StructureRight.structure_id).where(StructureRight.user_id == user_id)).scalars().all()
    everything = counters(client)
    if len(mine) < 2:
        other = db.session.execute(select(Structure.id).where(Structure.id.notin_(mine))).scalars().first()
        db.session.add(StructureRight(user_id=user_id, structure_id=other, niveau="modification"))
        db.session.commit()
        mine = [*mine, other]
        everything = counters(client)
    totals = {key: 0 for key in everything}
    for structure_id in mine:
        client.post("/espace/choisir", data={"espace": str(structure_id)})
        narrowed = counters(client)
        for key, (value, url) in narrowed.items():
            assert value <= everything[key][0], key
            assert listed(client, url) == value, (structure_id, key)
            totals[key] += value
        page = tree(client, "/")
        assert page.get_element_by_id("espace-courant") is not None
    assert any(totals[key] > 0 for key in totals)


def test_r_h1_dashboard_costs_a_constant_number_of_queries(login, count_queries, varied):
    def measured(username):
        client = login(username)
        client.get("/")
        with count_queries() as executed:
            assert client.get("/").status_code == 200
        return executed()

    before = {u: measured(u) for u in ("contact", "gestionnaire")}
    # more data: copies of every session (in the contact's structures and elsewhere)
    from app.workflow.drafts import copy_session
    for session in db.session.execute(select(Session).where(Session.in_draft.is_(False))).scalars().all():
        for _ in range(3):
            copy_session(db.session, session, session.formation)
    db.session.commit()
    after = {u: measured(u) for u in ("contact", "gestionnaire")}
    assert before == after, (before, after)
    assert max(after.values()) <= 25, after


def test_r_h1_pilotage_for_managers_only(login, varied):
    client = login("contact")
    home = client.get("/")
    assert home.status_code == 200 and "compteur-diffusees" in home.get_data(as_text=True)
    assert "lien-pilotage" not in home.get_data(as_text=True)
    assert client.get("/pilotage").status_code == 403
    client.get("/logout/")
    assert client.get("/pilotage").status_code == 302
    client = login("gestionnaire")
    page = tree(client, "/pilotage")
    for key in ("etats", "departements", "dispositifs", "mois", "file"):
        assert page.get_element_by_id(f"graphique-{key}") is not None
    assert page.get_element_by_id("file-par-type") is not None


def _chart(page, key) -> list[tuple[str, int, str | None]]:
    rows = []
    for tr in page.xpath(f"//table[@id='chiffres-{key}']/tbody/tr[th]"):
        link = tr.xpath("./th/a/@href")
        rows.append((tr.xpath("./th")[0].text_content().strip(), int(tr.xpath("./td")[0].text_content()),
                     link[0] if link else None))
    return rows


@pytest.mark.parametrize("key", ["etats", "departements", "dispositifs", "mois"])
def test_r_h1_pilotage_chart_rows_open_their_search(login, varied, key):
    client = login("gestionnaire")
    page = tree(client, "/pilotage")
    rows = _chart(page, key)
    assert rows and any(value for _, value, _ in rows)
    bars = page.xpath(f"//figure[@id='graphique-{key}']//*[local-name()='rect']")
    assert [(b.get("data-label"), int(b.get("data-value"))) for b in bars] == [(label, value) for label, value, _ in rows]
    for label, value, url in rows:
        assert url and listed(client, url) == value, (key, label)


def test_r_h1_queue_by_age_against_48h(login, varied):
    formations = db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None))
                                    .order_by(Formation.id)).scalars().all()
    now = utcnow()
    old, recent = formations[-1], formations[-2]
    old.etat, old.submitted_at = FormationEtat.EN_ATTENTE, now - timedelta(hours=72)
    recent.etat, recent.submitted_at = FormationEtat.EN_ATTENTE, now - timedelta(hours=2)
    db.session.commit()
    waiting = db.session.execute(select(Formation.submitted_at).where(
        Formation.etat == FormationEtat.EN_ATTENTE, Formation.draft_of_id.is_(None))).scalars().all()
    client = login("gestionnaire")
    page = tree(client, "/pilotage")
    creation = page.xpath("//table[@id='file-par-type']/tbody/tr[1]/td")
    assert int(creation[0].text_content()) == len(waiting)
    over = sum(1 for at in waiting if at is not None and at < now - timedelta(hours=48))
    assert int(creation[1].text_content()) >= over >= 1
    ages = dict((label, value) for label, value, _ in _chart(page, "file"))
    assert ages["moins de 24 h"] >= 1 and ages["2 à 7 jours"] >= 1
    assert isinstance(now, datetime)


@pytest.mark.parametrize("args", [{"par": "n'importe"}, {"etat_formation": "<script>"}, {"erreurs": "peut-être"},
                                  {"certification_expire": "1", "fonds_publics": "oui", "par": "formations"}])
def test_r_h1_new_search_arguments_never_fail(login, args):
    client = login("contact")
    assert client.get(SEARCH, query_string=args).status_code == 200


@pytest.mark.parametrize("tri", ["reference", "formateur", "dispositif", "ville", "departement", "certification",
                                 "etat", "debut"])
def test_r_h1_formations_mode_sorts_on_every_column(login, varied, monkeypatch, tri):
    """The formations mode lists formations without session too, sorted on any column, with
    the derived sort keys joined as at regional scale."""
    import app.search.formations as formations

    monkeypatch.setattr(formations, "JOIN_SORT_FROM", 0)
    client = login("gestionnaire")
    url = f"{SEARCH}?par=formations&tri={tri}&ordre=desc"
    rows = search_rows(client, url)
    page = tree(client, url + "&taille=100")
    total = int(page.get_element_by_id("nombre-resultats").get("data-total"))
    assert len({formation for formation, _ in rows}) == total
    assert ("", "") not in rows and any(session == "" for _, session in rows)
