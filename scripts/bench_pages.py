"""Pages at regional scale (called by scripts/bench_region.py once the dataset is there).

For every list page and the formation page, logged in as the gestionnaire through Flask's test
client: the server time of the first page (median of `repeat` runs after a warm-up), the time of
a hand-written Core SELECT returning the same page of rows and the count, measured in the same
run on the same database, their ratio, and the number of queries for 10 and for 100 rows.
The gestionnaire has no row scope (app/security/scope.py): the raw SQL has no scope clause either;
it keeps the lists' own filters (drafts hidden, Contact OF accounts only, pending formations).
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import and_, event, func, or_, select

from app.security.permissions import MANAGER_ROLES, ROLE_CONTACT

PASSWORD = "Gestion!2026"
PAGE = 25  # ScopedModelView.page_size; the queue and the referential views say their own below


@dataclass
class Page:
    name: str
    url: str
    view: str  # FAB view name, for psize_<view>
    raw: Callable  # (connection) -> rows: the same page and the count, in plain SQL


def _median_ms(callable_, repeat: int) -> float:
    callable_()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        callable_()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _page(connection, stmt, count_from, limit: int):
    """The count, then the first page: what FAB runs for a list, without the ORM."""
    total = connection.execute(count_from).scalar_one()
    rows = connection.execute(stmt.limit(limit)).all()
    return total, rows


def pages(models) -> list[Page]:
    m = models
    F, S, St = m.Formation.__table__, m.Session.__table__, m.Structure.__table__
    fin, rec, lieu = m.Financement.__table__, m.Recrutement.__table__, m.Lieu.__table__
    contact, coord, hist = m.StructureContact.__table__, m.Coordonnee.__table__, m.HistoryEntry.__table__
    req, right, user = m.AccountRequest.__table__, m.StructureRight.__table__, m.User.__table__
    nom, financeur, mesure = m.Nomenclature.__table__, m.Financeur.__table__, m.Mesure.__table__
    role, user_role = m.Role.__table__, m.user_role
    author, right_user = user.alias("author"), user.alias("right_user")

    def count(table, *where):
        return select(func.count()).select_from(table).where(*where)

    contact_role = select(user_role.c.user_id).join(role, role.c.id == user_role.c.role_id)
    contact_accounts = and_(user.c.id.in_(contact_role.where(role.c.name == ROLE_CONTACT)),
                            user.c.id.not_in(contact_role.where(role.c.name.in_(sorted(MANAGER_ROLES)))))
    pending = or_(F.c.etat == "en_attente", F.c.archive_requested_at.isnot(None))
    draft_f = F.alias("draft_of")
    return [
        Page("formations", "/formationview/list/", "FormationView", lambda c: _page(c, select(
            F.c.id, F.c.reference, F.c.intitule, St.c.raison_sociale, F.c.certifiante, F.c.etat)
            .join(St, St.c.id == F.c.structure_id).where(F.c.draft_of_id.is_(None)),
            count(F, F.c.draft_of_id.is_(None)), PAGE)),
        Page("sessions", "/sessionview/list/", "SessionView", lambda c: _page(c, select(
            S.c.id, S.c.reference, F.c.intitule, S.c.debut, S.c.fin, S.c.etat)
            .join(F, F.c.id == S.c.formation_id).where(S.c.in_draft.is_(False)).order_by(S.c.debut.desc()),
            count(S, S.c.in_draft.is_(False)), PAGE)),
        Page("financements", "/financementview/list/", "FinancementView", lambda c: _page(c, select(
            fin.c.id, S.c.reference, financeur.c.libelle, mesure.c.libelle, fin.c.nb_places, fin.c.numero_marche,
            fin.c.prix_total).join(S, S.c.id == fin.c.session_id)
            .outerjoin(financeur, financeur.c.id == fin.c.financeur_id).outerjoin(mesure, mesure.c.id == fin.c.mesure_id),
            count(fin), PAGE)),
        Page("recrutements", "/recrutementview/list/", "RecrutementView", lambda c: _page(c, select(
            rec.c.id, S.c.reference, nom.c.libelle, rec.c.numero, rec.c.date_debut, rec.c.heure_debut,
            rec.c.date_fin, rec.c.nb_places).join(S, S.c.id == rec.c.session_id)
            .outerjoin(nom, nom.c.id == rec.c.modalite_id).order_by(rec.c.date_debut), count(rec), PAGE)),
        Page("structures", "/structureview/list/", "StructureView", lambda c: _page(c, select(
            St.c.id, St.c.reference, St.c.raison_sociale, St.c.siret, St.c.nda, St.c.parent_id, St.c.code_postal,
            St.c.ville, St.c.etat), count(St), PAGE)),
        Page("lieux", "/lieuview/list/", "LieuView", lambda c: _page(c, select(
            lieu.c.id, lieu.c.nom, lieu.c.ligne, lieu.c.code_postal, lieu.c.ville, St.c.raison_sociale)
            .outerjoin(St, St.c.id == lieu.c.structure_id), count(lieu), PAGE)),
        Page("contacts", "/structurecontactview/list/", "StructureContactView", lambda c: _page(c, select(
            contact.c.id, contact.c.reference, contact.c.civilite, contact.c.nom, contact.c.prenom,
            contact.c.fonction, contact.c.email, contact.c.telephone, contact.c.principal), count(contact), PAGE)),
        Page("coordonnées", "/coordonneeview/list/", "CoordonneeView", lambda c: _page(c, select(
            coord.c.id, St.c.raison_sociale, coord.c.nature, coord.c.valeur, coord.c.type_libelle,
            coord.c.diffusion, coord.c.principal).join(St, St.c.id == coord.c.structure_id), count(coord), PAGE)),
        Page("history", "/historyentryview/list/", "HistoryEntryView", lambda c: _page(c, select(
            hist.c.id, hist.c.at, hist.c.entity, hist.c.entity_id, hist.c.action, hist.c.comment,
            author.c.first_name, author.c.last_name).outerjoin(author, author.c.id == hist.c.author_id)
            .order_by(hist.c.at.desc()), count(hist), PAGE)),
        Page("account requests", "/accountrequestview/list/", "AccountRequestView", lambda c: _page(c, select(
            req.c.id, req.c.created_at, req.c.nom, req.c.prenom, req.c.email, req.c.siret, req.c.nda, req.c.etat)
            .order_by(req.c.created_at.desc()), count(req), 50)),
        Page("rights", "/structurerightview/list/", "StructureRightView", lambda c: _page(c, select(
            right.c.id, right_user.c.first_name, right_user.c.last_name, St.c.raison_sociale, St.c.enseigne,
            right.c.niveau).join(right_user, right_user.c.id == right.c.user_id)
            .join(St, St.c.id == right.c.structure_id), count(right), PAGE)),
        Page("contact accounts", "/comptes/list/", "ContactAccountView", lambda c: _page(c, select(
            user.c.id, user.c.username, user.c.first_name, user.c.last_name, user.c.email, user.c.active,
            user.c.last_login).where(contact_accounts).order_by(user.c.last_name), count(user, contact_accounts),
            PAGE)),
        # The floor: the same structures page filtered to no row (authentication, menu, templates).
        Page("empty list (floor)", "/structureview/list/?_flt_0_siret=00000000000000", "StructureView",
             lambda c: _page(c, select(St.c.id, St.c.reference, St.c.raison_sociale, St.c.siret, St.c.nda,
                                       St.c.parent_id, St.c.code_postal, St.c.ville, St.c.etat)
                             .where(St.c.siret == "00000000000000"), count(St, St.c.siret == "00000000000000"),
                             PAGE)),
        Page("validation queue", "/validation/", "ValidationQueueView", lambda c: _page(c, select(
            F.c.id, F.c.reference, F.c.intitule, St.c.raison_sociale, F.c.archive_requested_at, F.c.submitted_at,
            draft_f.c.reference).join(St, St.c.id == F.c.structure_id)
            .outerjoin(draft_f, draft_f.c.id == F.c.draft_of_id).where(pending)
            .order_by(F.c.submitted_at, F.c.id), count(F, pending), 50)),
    ]


def formation_page(models, formation_id: int) -> Page:
    """The formation page: the formation, its sessions and their child lists (what the checks read)."""
    m = models
    F, S = m.Formation.__table__, m.Session.__table__

    def raw(connection):
        formation = connection.execute(select(F).where(F.c.id == formation_id)).one()
        sessions = connection.execute(select(S).where(S.c.formation_id == formation_id)).all()
        ids = [row.id for row in sessions]
        children = [connection.execute(select(table).where(table.c.session_id.in_(ids))).all()
                    for table in (m.SessionFormateur.__table__, m.SessionLieu.__table__,
                                  m.Financement.__table__, m.Recrutement.__table__)]
        return formation, sessions, children

    return Page("formation page", f"/formationview/show/{formation_id}", "", raw)


def run(app, repeat: int = 5) -> list[dict]:
    """Measure every page; print and return the table."""
    from app import models
    from app.extensions import db
    from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role

    models.User, models.Role, models.user_role = User, Role, assoc_user_role
    with app.app_context():
        S = models.Session.__table__
        with db.engine.connect() as connection:
            busiest = connection.execute(
                select(S.c.formation_id).where(S.c.in_draft.is_(False)).group_by(S.c.formation_id)
                .order_by(func.count().desc(), S.c.formation_id).limit(1)).scalar_one()
            sessions_of_busiest = connection.execute(
                select(func.count()).select_from(S).where(S.c.formation_id == busiest)).scalar_one()
        engine = db.engine
    all_pages = [*pages(models), formation_page(models, busiest)]

    client = app.test_client()
    response = client.post("/login/", data={"username": "gestionnaire", "password": PASSWORD})
    assert response.status_code in (200, 302), response.status_code

    statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def queries(url: str) -> int:
        client.get(url)
        statements.clear()
        event.listen(engine, "before_cursor_execute", _count)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", _count)
        assert response.status_code == 200, (url, response.status_code)
        return len(statements)

    results = []
    for page in all_pages:
        def server():
            response = client.get(page.url)
            assert response.status_code == 200, (page.url, response.status_code)

        def raw():
            with engine.connect() as connection:
                page.raw(connection)

        server_ms, raw_ms = _median_ms(server, repeat), _median_ms(raw, repeat)
        if page.view:
            sep = "&" if "?" in page.url else "?"
            small = queries(f"{page.url}{sep}psize_{page.view}=10")
            large = queries(f"{page.url}{sep}psize_{page.view}=100")
        else:
            small = large = queries(page.url)
        results.append({"page": page.name, "server_ms": server_ms, "raw_ms": raw_ms,
                        "ratio": server_ms / raw_ms if raw_ms else float("inf"), "q10": small, "q100": large})

    print(f"Pages (gestionnaire, médiane de {repeat}, page par défaut ; formation : {busiest}, "
          f"{sessions_of_busiest} sessions) :")
    print("| page | serveur (ms) | SQL brut (ms) | ratio | requêtes 10 lignes | requêtes 100 lignes |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in results:
        flag = "" if row["ratio"] <= 3 else " ⚠"
        print(f"| {row['page']} | {row['server_ms']:.1f} | {row['raw_ms']:.1f} | {row['ratio']:.1f}×{flag} "
              f"| {row['q10']} | {row['q100']} |")
    return results
