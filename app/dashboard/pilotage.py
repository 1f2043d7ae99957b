"""The managers' *pilotage* (issue 15): the validation queue by type and by age against the 48 h
target (seed 002), the account requests and structures waiting, and charts of the offer — each
chart a list of bars (label, value, link to the search behind it) drawn as inline SVG by the
template and repeated as a table.

Every figure is a grouped statement: the page costs the same number of queries whatever the
volume. The offer charts count what the search counts for the linked criteria (same base rows:
published sessions, archived ones left out unless the bar is their état)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import and_, case, distinct, func, or_, select

from app.extensions import db
from app.models import (
    AccountRequest,
    Financeur,
    Financement,
    Formation,
    Lieu,
    Mesure,
    Session,
    SessionEtat,
    SessionLieu,
    Structure,
    StructureChange,
    StructureChangeEtat,
    StructureEtat,
)
from app.models.accounts import AccountRequestEtat
from app.models.base import utcnow
from app.models.workflow import FormationEtat
from app.search.criteria import Criteria
from app.search.formations import add_months, base_select, without_jit

from .counters import search_url

TARGET_HOURS = 48  # seed 002: a request is validated within 48 hours
CONFIRMATION_DAYS = 365  # app/views/structures.py: structures confirm their data yearly (C10)
MONTHS = 12
TOP = 15  # bars of the financeur/dispositif chart
MONTH_NAMES = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
AGE_BUCKETS = (("moins de 24 h", 0, 24), ("24 à 48 h", 24, 48), ("2 à 7 jours", 48, 168), ("plus de 7 jours", 168, None))


@dataclass
class Bar:
    label: str
    value: int
    url: str | None = None


@dataclass
class Chart:
    key: str
    title: str
    unit: str  # what is counted, for the table's header ("Sessions", "Demandes")
    bars: list[Bar] = field(default_factory=list)

    @property
    def maximum(self) -> int:
        return max([bar.value for bar in self.bars] + [1])


@dataclass
class QueueLine:
    kind: str  # the queue's `type` argument
    label: str
    total: int
    over_target: int
    oldest: datetime | None

    @property
    def url(self) -> str:
        return url_for("ValidationQueueView.queue", type=self.kind)


@dataclass
class Pilotage:
    queue: list[QueueLine]
    ages: Chart
    account_requests: int
    structures_to_confirm: int
    charts: list[Chart] = field(default_factory=list)

    @property
    def queue_total(self) -> int:
        return sum(line.total for line in self.queue)

    @property
    def over_target(self) -> int:
        return sum(line.over_target for line in self.queue)

    @property
    def oldest(self) -> datetime | None:
        return min((line.oldest for line in self.queue if line.oldest is not None), default=None)


def _age_columns(since, condition, now: datetime) -> list:
    """count, count over the target, oldest, and the age buckets of the rows matching `condition`."""
    columns = [func.count(case((condition, 1))),
               func.count(case((and_(condition, since < now - timedelta(hours=TARGET_HOURS)), 1))),
               func.min(case((condition, since)))]
    for _, low, high in AGE_BUCKETS:
        bucket = [condition, since <= now - timedelta(hours=low)]
        if high is not None:
            bucket.append(since > now - timedelta(hours=high))
        columns.append(func.count(case((and_(*bucket), 1))))
    return columns


def queue(now: datetime) -> tuple[list[QueueLine], Chart]:
    """The validation queue (app/views/workflow.py ValidationQueueView) by type and age: two
    statements (formations, structure records)."""
    since = func.coalesce(Formation.submitted_at, Formation.updated_at)
    archive_since = func.coalesce(Formation.archive_requested_at, Formation.updated_at)
    kinds = (
        ("creation", "Créations", and_(Formation.draft_of_id.is_(None), Formation.etat == FormationEtat.EN_ATTENTE),
         since),
        ("modification", "Demandes de modification",
         and_(Formation.draft_of_id.isnot(None), Formation.etat == FormationEtat.EN_ATTENTE), since),
        ("archivage", "Demandes d'archivage", Formation.archive_requested_at.isnot(None), archive_since),
    )
    columns = []
    for _, _, condition, start in kinds:
        columns += _age_columns(start, condition, now)
    pending = or_(Formation.etat == FormationEtat.EN_ATTENTE, Formation.archive_requested_at.isnot(None))
    row = list(db.session.execute(select(*columns).select_from(Formation).where(pending)).one())
    change_since = func.coalesce(StructureChange.submitted_at, StructureChange.created_at)
    row += list(db.session.execute(select(*_age_columns(change_since, StructureChange.etat.isnot(None), now))
                                   .where(StructureChange.etat == StructureChangeEtat.EN_ATTENTE)).one())
    width = 3 + len(AGE_BUCKETS)
    lines, buckets = [], [0] * len(AGE_BUCKETS)
    for index, (kind, label) in enumerate([(k, lbl) for k, lbl, _, _ in kinds] + [("structure", "Fiches structure")]):
        values = row[index * width:(index + 1) * width]
        lines.append(QueueLine(kind, label, values[0] or 0, values[1] or 0, values[2]))
        buckets = [total + (value or 0) for total, value in zip(buckets, values[3:])]
    ages = Chart("file", "File de validation par ancienneté", "Demandes",
                 [Bar(label, value) for (label, _, _), value in zip(AGE_BUCKETS, buckets)])  # the queue has no age filter
    return lines, ages


def waiting() -> tuple[int, int]:
    """Account requests waiting and structures to confirm (the "/structureview/a-confirmer" list)."""
    limit = date.today() - timedelta(days=CONFIRMATION_DAYS)
    requests = select(func.count()).select_from(AccountRequest).where(AccountRequest.etat == AccountRequestEtat.EN_ATTENTE)
    structures = select(func.count()).select_from(Structure).where(
        or_(Structure.confirme_le.is_(None), Structure.confirme_le < limit), Structure.etat != StructureEtat.ARCHIVEE)
    return tuple(db.session.execute(select(requests.scalar_subquery(), structures.scalar_subquery())).one())


def _session_rows(statement, c: Criteria = Criteria()):
    """`statement` over the search's rows for `c` (scope included)."""
    return db.session.execute(base_select(statement, c)).all()


def by_state() -> Chart:
    """Sessions by état, archived ones included (each bar: the search on that état)."""
    counted = dict(db.session.execute(base_select(
        select(Session.etat, func.count(Session.id)), Criteria()).group_by(Session.etat)).all())
    archived = db.session.execute(base_select(select(func.count(Session.id)),
                                              Criteria(etat=SessionEtat.ARCHIVEE))).scalar() or 0
    counted[SessionEtat.ARCHIVEE] = archived
    return Chart("etats", "Sessions par état", "Sessions",
                 [Bar(label, counted.get(code, 0), search_url({"etat": code}))
                  for code, label in SessionEtat.LABELS.items()])


def _departement(code_postal):
    return case((func.substr(code_postal, 1, 2).in_(("97", "98")), func.substr(code_postal, 1, 3)),
                else_=func.substr(code_postal, 1, 2))


def by_departement() -> Chart:
    """Sessions by département of their lieux (a session in two départements counts in both, as
    the search's département criterion finds it in both)."""
    key = _departement(Lieu.code_postal)
    statement = (select(key.label("dep"), func.count(distinct(Session.id)))
                 .join(SessionLieu, SessionLieu.session_id == Session.id).join(Lieu, Lieu.id == SessionLieu.lieu_id))
    rows = db.session.execute(base_select(statement, Criteria())
                              .where(func.length(Lieu.code_postal) == 5).group_by(key).order_by(key)).all()
    return Chart("departements", "Sessions par département", "Sessions",
                 [Bar(dep, value, search_url({"departement": dep})) for dep, value in rows])


def by_mesure() -> Chart:
    """Sessions by financeur and dispositif (mesure), the most frequent first."""
    count = func.count(distinct(Session.id))
    statement = (select(Mesure.id, Financeur.libelle, Mesure.libelle, count)
                 .join(Financement, Financement.session_id == Session.id).join(Mesure, Mesure.id == Financement.mesure_id)
                 .join(Financeur, Financeur.id == Mesure.financeur_id))
    rows = db.session.execute(base_select(statement, Criteria())
                              .group_by(Mesure.id, Financeur.libelle, Mesure.libelle)
                              .order_by(count.desc(), Mesure.libelle).limit(TOP)).all()
    return Chart("dispositifs", f"Sessions par financeur et dispositif ({TOP} premiers)", "Sessions",
                 [Bar(f"{financeur} – {mesure}", value, search_url({"mesure": mesure_id}))
                  for mesure_id, financeur, mesure, value in rows])


def by_month(today: date) -> Chart:
    """Sessions starting in each of the next 12 months (this one first)."""
    first = today.replace(day=1)
    months = [(add_months(first, n), add_months(first, n + 1) - timedelta(days=1)) for n in range(MONTHS)]
    columns = [func.count(case((Session.debut.between(start, end), 1))) for start, end in months]
    row = db.session.execute(base_select(select(*columns), Criteria())).one()
    return Chart("mois", "Sessions qui commencent, par mois", "Sessions",
                 [Bar(f"{MONTH_NAMES[start.month - 1]} {start.year}", value,
                      search_url({"debut_du": start.isoformat(), "debut_au": end.isoformat()}))
                  for (start, end), value in zip(months, row)])


def pilotage(today: date | None = None, charts: bool = True) -> Pilotage:
    today = today or date.today()
    if charts:
        without_jit()
    lines, ages = queue(utcnow())
    requests, structures = waiting()
    result = Pilotage(lines, ages, requests, structures)
    if charts:
        result.charts = [by_state(), by_departement(), by_mesure(), by_month(today), ages]
    return result
