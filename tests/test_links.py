"""Website link check (SPEC H5): the checker against a real HTTP server on loopback, the refusal of
addresses outside the allowances (no connection made), `flask links check`, the nightly job, and
the *Liens en erreur* page and counter in the user's scope."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.links import broken_links, broken_links_count
from app.links.checker import (PRIVATE_ADDRESS, TIMEOUT, TOO_MANY_REDIRECTS, UNKNOWN_HOST, Policy, check)
from app.models import Coordonnee, CoordonneeKind, Formation, LinkCheck, Structure
from app.models.base import utcnow

from tests.helpers import structure

LOOPBACK = Policy(timeout=0.5, max_redirects=5, allowed_networks=Policy.from_config(
    {"LINK_CHECK_ALLOWED_NETWORKS": ["127.0.0.0/8"]}).allowed_networks)
SLOW = 2.0  # seconds the slow page waits before answering (the tests' timeout: 0.5 s)


class Site(BaseHTTPRequestHandler):
    """200, 404, 500, a redirect loop, a redirect to a good page, a redirect chain, a slow page, a
    page that refuses HEAD, and a redirect to a private address."""

    hits: list = []

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def answer(self, status, location=None, body=b"<p>page</p>"):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        Site.hits.append((self.command, self.path))
        path = self.path
        if path == "/ok":
            return self.answer(200)
        if path == "/absent":
            return self.answer(404)
        if path == "/panne":
            return self.answer(500)
        if path == "/boucle":
            return self.answer(302, "/boucle-retour")
        if path == "/boucle-retour":
            return self.answer(302, "/boucle")
        if path == "/ancienne-page":
            return self.answer(301, "/ok")
        if path.startswith("/chaine/"):
            return self.answer(302, f"/chaine/{int(path.rsplit('/', 1)[1]) + 1}")
        if path == "/lent":
            time.sleep(SLOW)
            return self.answer(200)
        if path == "/goutte-a-goutte":  # headers a little at a time, each within the timeout
            self.send_response(200)
            for index in range(12):
                time.sleep(0.3)
                self.send_header(f"X-Goutte-{index}", "x")
                try:
                    self.wfile.write(b"".join(self._headers_buffer))
                    self.wfile.flush()
                except OSError:  # the checker gave up: as expected
                    return
                self._headers_buffer = []
            return self.end_headers()
        if path == "/sans-head":
            return self.answer(405 if self.command == "HEAD" else 200)
        if path == "/vers-prive":
            return self.answer(302, "http://10.0.0.1/intranet")
        return self.answer(404)

    do_GET = do_HEAD = route


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def hits(site):
    Site.hits.clear()
    return Site.hits


# --- one URL ------------------------------------------------------------------------------------

def test_r_h5_a_page_that_answers_200_is_ok(site, hits):
    result = check(f"{site}/ok", LOOPBACK)
    assert (result.ok, result.status, result.reason) == (True, 200, None)
    assert hits == [("HEAD", "/ok")]  # HEAD is enough: no GET, no body


@pytest.mark.parametrize("path, status, reason", [
    ("/absent", 404, "Page introuvable (404)"),
    ("/panne", 500, "Erreur du serveur (500)"),
])
def test_r_h5_a_missing_or_failing_page_is_broken_with_its_french_reason(site, path, status, reason):
    result = check(f"{site}{path}", LOOPBACK)
    assert (result.ok, result.status, result.reason) == (False, status, reason)


def test_r_h5_a_redirect_to_a_good_page_is_ok_and_records_where_it_leads(site):
    result = check(f"{site}/ancienne-page", LOOPBACK)
    assert result.ok and result.status == 200
    assert result.final_url == f"{site}/ok"


def test_r_h5_a_redirect_loop_is_broken(site, hits):
    result = check(f"{site}/boucle", LOOPBACK)
    assert (result.ok, result.reason) == (False, TOO_MANY_REDIRECTS)
    assert len(hits) <= 3  # the loop is seen at once, not gone round up to the limit


def test_r_h5_redirects_are_followed_up_to_the_limit(site, hits):
    result = check(f"{site}/chaine/1", Policy(timeout=0.5, max_redirects=3,
                                              allowed_networks=LOOPBACK.allowed_networks))
    assert (result.ok, result.reason) == (False, TOO_MANY_REDIRECTS)
    assert [path for _, path in hits] == ["/chaine/1", "/chaine/2", "/chaine/3", "/chaine/4"]
    assert check(f"{site}/chaine/1", LOOPBACK).reason == TOO_MANY_REDIRECTS


def test_r_h5_a_slow_page_times_out(site):
    started = time.monotonic()
    result = check(f"{site}/lent", LOOPBACK)
    assert (result.ok, result.reason) == (False, TIMEOUT)
    assert time.monotonic() - started < SLOW  # the short timeout, not the server's delay


def test_r_h5_a_page_trickling_its_headers_times_out_too(site, hits):
    started = time.monotonic()
    result = check(f"{site}/goutte-a-goutte", LOOPBACK)
    assert (result.ok, result.reason) == (False, TIMEOUT)
    assert time.monotonic() - started < 2.5  # the deadline (3 × 0.5 s), not the server's 3.6 s
    assert hits == [("HEAD", "/goutte-a-goutte")]  # a timeout is not worth a GET


def test_r_h5_head_refused_then_get_answers(site, hits):
    result = check(f"{site}/sans-head", LOOPBACK)
    assert (result.ok, result.status) == (True, 200)
    assert hits == [("HEAD", "/sans-head"), ("GET", "/sans-head")]


def test_r_h5_loopback_is_refused_without_the_allowance_and_no_connection_is_made(site, hits):
    port = site.rsplit(":", 1)[1]
    for url in (f"{site}/ok", f"http://localhost:{port}/ok", f"http://[::ffff:127.0.0.1]:{port}/ok"):
        result = check(url, Policy(timeout=0.5))
        assert (result.ok, result.reason) == (False, PRIVATE_ADDRESS), url
    assert hits == []  # refused before connecting: the server never heard of it


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://192.168.1.1/admin", "http://169.254.169.254/latest/",
                                 "http://[::1]/", "http://0.0.0.0/", "http://224.0.0.1/", "http://100.64.0.1/"])
def test_r_h5_private_and_reserved_addresses_are_refused_at_once(url):
    started = time.monotonic()
    result = check(url, LOOPBACK)
    assert (result.ok, result.reason) == (False, PRIVATE_ADDRESS)
    assert time.monotonic() - started < 0.4  # no connection attempt (10.0.0.1 would wait for the timeout)


def test_r_h5_every_redirect_hop_is_checked_against_the_allowances(site, hits):
    result = check(f"{site}/vers-prive", LOOPBACK)
    assert (result.ok, result.reason, result.status) == (False, PRIVATE_ADDRESS, 302)
    assert result.final_url == "http://10.0.0.1/intranet"


@pytest.mark.parametrize("url, reason", [
    ("ftp://ftp.example.org/catalogue.pdf", "Protocole non pris en charge (ftp)"),
    ("javascript:alert(1)", "Protocole non pris en charge (javascript)"),
    ("www.organisme.fr", "Adresse invalide"),
    ("http://:80/", "Adresse invalide"),
    ("http://exemple.fr:99999/", "Adresse invalide"),
    ("http://nom-inconnu.invalid/", UNKNOWN_HOST),
])
def test_r_h5_unusable_addresses_get_a_french_reason(url, reason):
    result = check(url, LOOPBACK)
    assert (result.ok, result.reason) == (False, reason)


def test_r_h5_stored_spaces_and_accents_do_not_break_the_check(site, hits):
    result = check(f"  {site}/ok  ", LOOPBACK)
    assert result.ok and result.url == f"  {site}/ok  "  # the key stays the stored value
    assert check(f"{site}/page éditée?q=é è", LOOPBACK).status == 404
    assert hits[-1][1] == "/page%20%C3%A9dit%C3%A9e?q=%C3%A9%20%C3%A8"


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """The same site over HTTPS, with a self-signed certificate for 127.0.0.1 (openssl)."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_r_h5_https_is_checked_with_its_certificate(tls_site, monkeypatch):
    import ssl

    from app.links import checker

    url, cert = tls_site
    result = check(f"{url}/absent", LOOPBACK)
    assert (result.ok, result.reason) == (False, "Certificat du site invalide")  # self-signed: not trusted
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(checker.ssl, "create_default_context", lambda: trusting)
    assert check(f"{url}/absent", LOOPBACK).reason == "Page introuvable (404)"
    result = check(f"{url}/ancienne-page", LOOPBACK)
    assert result.ok and result.final_url == f"{url}/ok"


def test_r_h5_a_run_resolves_each_host_once(site, hits):
    import socket

    from app.links.checker import CachedResolver

    asked = []

    def resolve(host, port, **options):
        asked.append(host)
        if host == "nom-inconnu.invalid":
            raise socket.gaierror(-2, "Name or service not known")
        return socket.getaddrinfo(host, port, **options)

    cached = CachedResolver(resolve)
    for path in ("/ok", "/absent", "/ancienne-page"):
        assert check(f"{site}{path}", LOOPBACK, cached).status in (200, 404)
    for _ in range(3):
        assert check("http://nom-inconnu.invalid/", LOOPBACK, cached).reason == UNKNOWN_HOST
    assert asked == ["127.0.0.1", "nom-inconnu.invalid"]


# --- the whole check: command, job, stored results -------------------------------------------------

@pytest.fixture()
def loopback_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "LINK_CHECK_ALLOWED_NETWORKS", ["127.0.0.0/8"])
    monkeypatch.setitem(app.config, "LINK_CHECK_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "LINK_CHECK_WORKERS", 4)


def _links(site) -> dict:
    """The demo's URLs replaced by the local site's: the CFA's formations and site work except one
    formation's brochure (404); Horizon's site and one formation page fail (500, loop)."""
    cfa, horizon = structure("CFA Bâtiment Normandie"), structure("Institut Horizon Formation")
    db.session.execute(update(Formation).values(url_page=f"{site}/ok", url_brochure=None, url_video=None))
    db.session.execute(update(Coordonnee).where(Coordonnee.nature == CoordonneeKind.WEB).values(valeur=f"{site}/ok"))
    cfa_formation = db.session.execute(select(Formation).where(Formation.structure_id == cfa.id,
                                                               Formation.draft_of_id.is_(None),
                                                               Formation.etat == "diffusee")).scalars().first()
    horizon_formation = db.session.execute(select(Formation).where(Formation.structure_id == horizon.id)
                                           .order_by(Formation.id)).scalars().first()
    cfa_formation.url_brochure = f"{site}/absent"
    horizon_formation.url_page = f"{site}/boucle"
    db.session.execute(update(Coordonnee).where(Coordonnee.structure_id == horizon.id,
                                                Coordonnee.nature == CoordonneeKind.WEB).values(valeur=f"{site}/panne"))
    db.session.commit()
    return {"cfa": cfa, "horizon": horizon, "cfa_formation": cfa_formation, "horizon_formation": horizon_formation}


def test_r_h5_flask_links_check_stores_one_result_per_url_and_prints_a_french_summary(
        app, site, loopback_allowed, reset_demo):
    records = _links(site)
    db.session.add(LinkCheck(url="https://plus-utilise.example/", checked_at=utcnow(), ok=False, reason="x"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["links", "check"])
    assert result.exit_code == 0, result.output
    assert "4 liens vérifiés : 1 valide, 3 en erreur." in result.output
    for line in ("Page introuvable (404) : 1", "Erreur du serveur (500) : 1", "Trop de redirections : 1"):
        assert line in result.output
    db.session.expire_all()
    stored = {c.url.removeprefix(site): c for c in db.session.execute(select(LinkCheck)).scalars()}
    assert set(stored) == {"/ok", "/absent", "/panne", "/boucle"}  # the unused URL's result is gone
    assert stored["/ok"].ok and stored["/ok"].status == 200
    assert (stored["/absent"].ok, stored["/absent"].status, stored["/absent"].reason) == (
        False, 404, "Page introuvable (404)")
    first = stored["/ok"].checked_at

    # A second run updates the rows in place (upsert), and a corrected link stops being broken.
    records["cfa_formation"].url_brochure = f"{site}/ancienne-page"
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["links", "check"]).exit_code == 0
    db.session.expire_all()
    stored = {c.url.removeprefix(site): c for c in db.session.execute(select(LinkCheck)).scalars()}
    assert set(stored) == {"/ok", "/ancienne-page", "/panne", "/boucle"}
    assert stored["/ok"].checked_at >= first and stored["/ancienne-page"].ok
    broken = db.session.execute(select(Formation.id).where(broken_links(Formation))).scalars().all()
    assert broken == [records["horizon_formation"].id]


def test_r_h5_the_nightly_job_runs_the_same_check(app, site, loopback_allowed, reset_demo):
    from app.jobs.tasks import PERIODIC

    _links(site)
    task = next(t for t in PERIODIC if t.name == "check_links")
    assert task.func() == (4, 3)
    assert db.session.execute(select(LinkCheck).where(LinkCheck.ok.is_(False))).scalars().all()


# --- what a user sees: the page and the counter -------------------------------------------------------

def _broken(url: str, reason: str = "Page introuvable (404)", status: int | None = 404) -> None:
    db.session.add(LinkCheck(url=url, checked_at=utcnow(), ok=False, status=status, reason=reason))


@pytest.fixture()
def broken_demo(app, reset_demo):
    """Results stored as a check would: the CFA's formation brochure 404, Horizon's site 500 and
    its formation's page (whose session a CFA antenna trains) in a loop."""
    cfa, horizon = structure("CFA Bâtiment Normandie"), structure("Institut Horizon Formation")
    cfa_formation = db.session.execute(select(Formation).where(Formation.structure_id == cfa.id,
                                                               Formation.draft_of_id.is_(None))
                                       .order_by(Formation.id)).scalars().first()
    mco = db.session.execute(select(Formation).where(Formation.intitule.like("BTS management%"))).scalar_one()
    cfa_formation.url_brochure = "https://cfa.example/brochure-perdue.pdf"
    mco.url_page = "https://horizon.example/bts-mco"
    db.session.execute(update(Coordonnee).where(Coordonnee.structure_id == horizon.id,
                                                Coordonnee.nature == CoordonneeKind.WEB)
                       .values(valeur="https://horizon.example/"))
    _broken("https://cfa.example/brochure-perdue.pdf")
    _broken("https://horizon.example/bts-mco", "Trop de redirections", 302)
    _broken("https://horizon.example/", "Erreur du serveur (500)", 500)
    db.session.add(LinkCheck(url="https://www.cfa-btp-normandie.example", checked_at=utcnow(), ok=True, status=200))
    db.session.commit()
    return {"cfa": cfa, "horizon": horizon, "cfa_formation": cfa_formation, "mco": mco}


def test_r_h5_contact_sees_his_broken_links_only(app, login, broken_demo):
    page = login("contact").get("/liens/erreurs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "brochure-perdue.pdf" in text and "Page introuvable (404)" in text
    assert broken_demo["cfa_formation"].intitule in text
    assert f"/formationview/edit/{broken_demo['cfa_formation'].id}" in text
    # Horizon's site and its formation — although a CFA antenna trains one of its sessions — are not his
    assert "horizon.example" not in text and "Erreur du serveur" not in text
    assert "1 enregistrement avec un lien en erreur" in text

    text = login("contact.autre").get("/liens/erreurs").get_data(as_text=True)
    assert "horizon.example/bts-mco" in text and "Trop de redirections" in text
    assert "Erreur du serveur (500)" in text
    assert "brochure-perdue.pdf" not in text
    assert "2 enregistrements avec un lien en erreur" in text
    coordonnee = db.session.execute(select(Coordonnee).where(Coordonnee.valeur == "https://horizon.example/")).scalar_one()
    assert f"/coordonneeview/edit/{coordonnee.id}" in text

    text = login("contact.autre").get("/liens/erreurs?objet=structure").get_data(as_text=True)
    assert "1 enregistrement avec un lien en erreur" in text and "bts-mco" not in text


def test_r_h5_managers_see_every_broken_link_of_the_region(app, login, broken_demo):
    text = login("gestionnaire").get("/liens/erreurs").get_data(as_text=True)
    assert "3 enregistrements avec un lien en erreur" in text
    for url in ("brochure-perdue.pdf", "horizon.example/bts-mco", "https://horizon.example/"):
        assert url in text


def test_r_h5_counter_counts_exactly_the_listed_records(app, broken_demo):
    sm = app.appbuilder.sm
    contact, autre, manager = (sm.find_user(username=u) for u in ("contact", "contact.autre", "gestionnaire"))
    assert broken_links_count(user=contact, espace=None) == 1
    assert broken_links_count(user=autre, espace=None) == 2
    assert broken_links_count(user=autre, espace=None, kind="formation") == 1
    assert broken_links_count(user=manager, espace=None) == 3
    # in an espace: the espace's records only
    assert broken_links_count(user=autre, espace=broken_demo["horizon"]) == 2
    assert broken_links_count(user=contact, espace=broken_demo["cfa"]) == 1
    assert broken_links_count(user=manager, espace=broken_demo["cfa"]) == 1
    # a link that works again is no longer counted
    db.session.execute(update(LinkCheck).where(LinkCheck.url == "https://horizon.example/").values(ok=True))
    db.session.commit()
    assert broken_links_count(user=autre, espace=None) == 1


def test_r_h5_counter_is_one_query(app, broken_demo, count_queries):
    sm = app.appbuilder.sm
    for name in ("gestionnaire", "contact"):
        user = sm.find_user(username=name)
        assert user.roles  # loaded, as in a request
        with count_queries() as queries:
            broken_links_count(user=user, espace=None)
        assert queries() == 1, name


def test_r_h5_page_costs_the_same_queries_for_few_or_many_broken_links(app, login, broken_demo, count_queries):
    client = login("gestionnaire")
    client.get("/liens/erreurs")
    with count_queries() as few:
        assert client.get("/liens/erreurs").status_code == 200
    for formation in db.session.execute(select(Formation).where(Formation.draft_of_id.is_(None))).scalars():
        formation.url_video = f"https://video.example/{formation.id}"
        _broken(formation.url_video, "Délai dépassé", None)
    db.session.commit()
    with count_queries() as many:
        text = client.get("/liens/erreurs").get_data(as_text=True)
    assert "Délai dépassé" in text
    assert many() == few()


def test_r_h5_pagination_offers_the_first_last_and_nearby_pages():
    from app.views.links import page_numbers

    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 300) == [1, 2, 3, 4, None, 300]
    assert page_numbers(150, 300) == [1, None, 147, 148, 149, 150, 151, 152, 153, None, 300]
    assert page_numbers(5, 6) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("query", ["?page=0", "?page=999999", "?page=abc", "?objet=rien", "?objet=formation&page=2",
                                   "?page=-1"])
def test_r_h5_page_never_fails_on_odd_parameters(app, login, broken_demo, query):
    response = login("contact").get(f"/liens/erreurs{query}")
    assert response.status_code == 200
    assert "Liens en erreur" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["contact", "gestionnaire"])
def test_r_h5_page_is_french(app, login, broken_demo, username):
    from tests.test_french_pages import english_in

    text = login(username).get("/liens/erreurs").get_data(as_text=True)
    assert "Liens en erreur" in text and english_in(text) == []


def test_r_h5_page_needs_a_login(app, client):
    response = client.get("/liens/erreurs")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_r_h5_page_shows_no_clickable_link_for_a_non_web_address(app, login, broken_demo):
    broken_demo["cfa_formation"].url_video = "javascript:alert(1)"
    _broken("javascript:alert(1)", "Protocole non pris en charge (javascript)", None)
    db.session.commit()
    text = login("contact").get("/liens/erreurs").get_data(as_text=True)
    assert "Protocole non pris en charge (javascript)" in text
    assert 'href="javascript:' not in text


def test_r_h5_archived_and_draft_records_are_not_listed(app, broken_demo):
    manager = app.appbuilder.sm.find_user(username="gestionnaire")
    broken_demo["horizon"].etat = "archivee"
    db.session.commit()
    assert broken_links_count(user=manager, espace=None, kind="structure") == 0
    assert db.session.execute(select(Structure.id).where(broken_links(Structure))).scalars().all() == [
        broken_demo["horizon"].id]  # the clause itself knows nothing of archiving
