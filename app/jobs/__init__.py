"""Background and periodic work on the job queue (SPEC J2, J3, G3, F15): Huey.

- queue.py   the Huey instance built from the application's configuration: an embedded SQLite
             file under instance/ (no server to run), or Redis when REDIS_URL is set
- tasks.py   what runs there: the Excel export job and the nightly tasks, declared once (PERIODIC)

`init_app(app)` (create_app) builds the queue and registers the tasks, each run inside an
application context of that app; `flask jobs worker` (app/cli/jobs.py) runs Huey's consumer in
the process of the `flask` command, so the application is created once per process (FAB-NOTES G6).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from huey import Huey
from huey.api import TaskWrapper


@dataclass(frozen=True)
class Jobs:
    huey: Huey
    tasks: dict[str, TaskWrapper]


def init_app(app: Flask) -> Jobs:
    from .queue import create_huey
    from .tasks import register

    huey = create_huey(app.config)
    jobs = Jobs(huey, register(huey, app))
    app.extensions["jobs"] = jobs
    return jobs


def jobs() -> Jobs:
    return current_app.extensions["jobs"]


def enqueue(name: str, *args) -> None:
    """Queue task `name` (tasks.TASKS) with `args` (ids and plain values: they are pickled)."""
    jobs().tasks[name](*args)
