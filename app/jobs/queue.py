"""The portal's Huey instance, from the application's configuration.

Storage: Huey's SQLite storage in JOBS_SQLITE_PATH (instance/jobs.db) by default — embedded, no
server, so `make run` works on a fresh machine; Redis when REDIS_URL is set (several web servers
or workers on other hosts). Huey's `immediate` mode (tasks run in the caller) is never used: a
queued task always goes through the storage to a consumer.
"""
from __future__ import annotations

import functools
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey


def create_huey(config) -> Huey:
    # No result store: nobody waits on a task's return value (a job reports on its notification).
    # utc: schedules are read in UTC, like every timestamp of the portal.
    options = dict(results=False, utc=True)
    if config.get("REDIS_URL"):
        return RedisHuey(config["JOBS_QUEUE_NAME"], url=config["REDIS_URL"], **options)
    path = Path(config["JOBS_SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(config["JOBS_QUEUE_NAME"], filename=str(path), **options)


def in_app_context(app, func):
    """`func` run inside an application context of `app` (its database session is removed at the
    context's end), keeping its module and name: Huey registers tasks by them."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with app.app_context():
            return func(*args, **kwargs)

    return run
