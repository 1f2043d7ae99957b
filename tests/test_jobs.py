"""The job queue (SPEC J2, and the nightly work of G3, F15, J3): Huey on its embedded SQLite
storage (Redis with REDIS_URL), a large export run through the real queue by a real consumer that
lands in its owner's bell only, the nightly tasks declared once on the same queue."""
from __future__ import annotations

import signal
import sys
import time
import types
import uuid
from datetime import datetime, timedelta

import pytest
from huey import RedisHuey, SqliteHuey

from app.exports import files
from app.extensions import db
from app.jobs import jobs
from app.jobs.queue import create_huey
from app.jobs.tasks import PARTNERS, PERIODIC, partner_flows, purge_notifications
from tests.test_notifications import _file_notification

@pytest.fixture()
def consumer(app):
    """A real Huey consumer (worker thread and scheduler) on the application's queue, stopped
    after the test; Huey's signal handlers are put back as they were."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    running = []

    def start():
        worker = jobs().huey.create_consumer(workers=1, worker_type="thread", periodic=False,
                                             initial_delay=0.05, max_delay=0.2)
        worker.start()
        running.append(worker)
        return worker

    yield start
    for worker in running:
        worker.stop(graceful=True)
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def wait_until(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # see what the worker committed
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the job did not finish in time")


def test_r_j2_queue_is_huey_on_embedded_sqlite_never_immediate(app):
    huey = jobs().huey
    assert isinstance(huey, SqliteHuey) and huey.storage.filename == app.config["JOBS_SQLITE_PATH"]
    assert not huey.immediate


def test_r_j2_queue_on_redis_when_redis_url_is_set():
    name = f"portail-test-{uuid.uuid4().hex[:8]}"
    huey = create_huey({"REDIS_URL": "redis://127.0.0.1:6379/15", "JOBS_QUEUE_NAME": name})
    assert isinstance(huey, RedisHuey)
    try:
        huey.storage.conn.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    try:
        @huey.task(name="echo")
        def echo(value):
            return value

        echo(41)
        assert huey.pending_count() == 1
        task = huey.dequeue()
        assert task.args == (41,) and huey.execute(task) == 41
    finally:
        huey.storage.flush_all()


def test_r_j2_periodic_tasks_declared_once_on_the_queue(app):
    registry = jobs().huey._registry
    periodic = {task.name: task for task in registry.periodic_tasks}
    assert set(periodic) == {"purge_drafts", "archive_ended", "partner_flows", "purge_notifications"}
    assert {t.name for t in PERIODIC} == set(periodic)
    expected = {"purge_drafts": (1, 0), "archive_ended": (1, 30), "partner_flows": (2, 0),
                "purge_notifications": (3, 0)}
    day = datetime(2026, 12, 2)
    for name, (hour, minute) in expected.items():
        runs = [day + timedelta(minutes=m) for m in range(24 * 60)
                if periodic[name].validate_datetime(day + timedelta(minutes=m))]
        assert runs == [day.replace(hour=hour, minute=minute)], name  # once a night (UTC)


def test_r_j2_jobs_list_command(app):
    result = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert result.exit_code == 0
    for task in PERIODIC:
        assert task.name in result.output
    assert "01:00 UTC" in result.output


def test_r_j3_partner_flows_not_available_until_the_module_exists(app, caplog, monkeypatch):
    from app.jobs import tasks

    # The migrations' logging.config.fileConfig (migrations/env.py) disables the loggers that
    # existed before it ran, as this one did in the test session.
    monkeypatch.setattr(tasks.log, "disabled", False)
    caplog.set_level("WARNING")
    assert "app.lheo.flows" not in sys.modules
    assert partner_flows() == []
    assert "partner flows are not available" in caplog.text


def test_r_j3_partner_flows_call_write_flow_for_every_partner(app, monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType("app.lheo.flows")
    fake.write_flow = lambda partner, out_dir: calls.append((partner, out_dir))
    monkeypatch.setitem(sys.modules, "app.lheo.flows", fake)
    monkeypatch.setitem(app.config, "FLOWS_DIR", str(tmp_path / "flux"))
    assert partner_flows() == list(PARTNERS)
    assert [p for p, _ in calls] == ["kairos", "parcoursup", "national"]
    assert all(str(out) == str(tmp_path / "flux") for _, out in calls)


def test_r_j2_nightly_purge_task_drops_expired_files(app, reset_demo):
    old = _file_notification(app, "contact", timedelta(days=8))
    path = files.files_dir() / old.file_path
    assert purge_notifications() == (1, 0)
    assert not path.exists()
