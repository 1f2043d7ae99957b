"""The whole check (`flask links check`, the nightly job): every distinct URL of the records
(sources.py), read in batches in URL order (keyset: memory stays bounded whatever the region's
size), checked on a bounded thread pool, their results upserted and committed batch by batch.
Results of URLs no record uses any more are dropped at the end."""
from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from app.models import LinkCheck
from app.models.base import utcnow
from app.models.links import URL_MAX_LENGTH

from .checker import CachedResolver, LinkResult, Policy, check_many
from .sources import checked_urls

log = logging.getLogger(__name__)
BATCH = 200  # URLs read, checked and written at a time


@dataclass
class Summary:
    checked: int = 0
    ok: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def broken(self) -> int:
        return self.checked - self.ok

    def add(self, result: LinkResult) -> None:
        self.checked += 1
        if result.ok:
            self.ok += 1
        else:
            self.reasons[result.reason] += 1

    def french(self) -> str:
        """'12 liens vérifiés : 9 valides, 3 en erreur.' and one line per reason."""
        lines = [f"{self.checked} lien{'s' if self.checked > 1 else ''} vérifié{'s' if self.checked > 1 else ''} : "
                 f"{self.ok} valide{'s' if self.ok > 1 else ''}, {self.broken} en erreur."]
        lines += [f"  {reason} : {count}" for reason, count in self.reasons.most_common()]
        return "\n".join(lines)


def _values(result: LinkResult, at) -> dict:
    return dict(url=result.url, checked_at=at, ok=result.ok, status=result.status,
                final_url=(result.final_url or "")[:URL_MAX_LENGTH] or None, reason=(result.reason or "")[:200] or None)


def upsert(session, results: list[LinkResult], at) -> None:
    """One row per URL, inserted or replaced (PostgreSQL and SQLite: INSERT … ON CONFLICT)."""
    if not results:
        return
    rows = [_values(r, at) for r in results]
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(LinkCheck).values(rows)
        excluded = statement.excluded
        session.execute(statement.on_conflict_do_update(index_elements=[LinkCheck.url], set_={
            name: getattr(excluded, name) for name in ("checked_at", "ok", "status", "final_url", "reason")}))
        return
    session.execute(delete(LinkCheck).where(LinkCheck.url.in_([r["url"] for r in rows])))  # other databases
    session.execute(LinkCheck.__table__.insert(), rows)


def url_batches(session, size: int = BATCH):
    """The URLs to check, `size` at a time, in URL order (the next batch starts after the last)."""
    urls = checked_urls()
    last = None
    while True:
        statement = select(urls.c.url).order_by(urls.c.url).limit(size)
        if last is not None:
            statement = statement.where(urls.c.url > last)
        batch = list(session.execute(statement).scalars())
        if not batch:
            return
        yield batch
        last = batch[-1]


def check_links(session, config) -> Summary:
    policy = Policy.from_config(config)
    workers = max(1, int(config.get("LINK_CHECK_WORKERS", 8)))
    summary = Summary()
    resolve = CachedResolver()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="link-check") as pool:
        for batch in url_batches(session):
            session.commit()  # no transaction held open while the network answers
            results = list(check_many(batch, policy, pool, resolve))
            upsert(session, results, utcnow())
            session.commit()
            for result in results:
                summary.add(result)
    used = checked_urls()
    session.execute(delete(LinkCheck).where(LinkCheck.url.not_in(select(used.c.url))))
    session.commit()
    log.info("check_links: %s checked, %s broken", summary.checked, summary.broken)
    return summary
