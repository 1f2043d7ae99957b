"""The job queue (SPEC J2, and the nightly work of G3, F15, J3): Huey on its embedded SQLite
storage (Redis with REDIS_URL), a large export run through the real queue by a real consumer that
lands in its owner's bell only, the nightly tasks declared once on the same queue."""
from __future__ import annotations

import io
import signal
import time
import uuid
from datetime import datetime, timedelta

import pytest
from huey import RedisHuey, SqliteHuey
from openpyxl import load_workbook
from sqlalchemy import select

from app.exports import files
from app.exports.excel import HEADERS
from app.extensions import db
from app.jobs import jobs
from app.jobs.queue import create_huey
from app.jobs.tasks import PARTNERS, PERIODIC, partner_flows, purge_notifications
from app.models import Notification, NotificationEtat
from tests.test_french_pages import english_in
from tests.test_notifications import BELL, _file_notification, bell_label, notify, user_id

EXPORT = "/recherche/export/excel"


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
    assert set(periodic) == {"purge_drafts", "archive_ended", "partner_flows", "purge_notifications",
                             "import_lheo_inbox", "check_links", "validation_digest", "load_qualiopi"}
    assert {t.name for t in PERIODIC} == set(periodic)
    expected = {"purge_drafts": (1, 0), "archive_ended": (1, 30), "partner_flows": (2, 0),
                "purge_notifications": (3, 0), "check_links": (4, 0), "load_qualiopi": (5, 0),
                "validation_digest": (6, 0)}
    day = datetime(2026, 12, 2)
    for name, (hour, minute) in expected.items():
        runs = [day + timedelta(minutes=m) for m in range(24 * 60)
                if periodic[name].validate_datetime(day + timedelta(minutes=m))]
        assert runs == [day.replace(hour=hour, minute=minute)], name  # once a night (UTC)
    inbox_runs = [m for m in range(24 * 60) if periodic["import_lheo_inbox"].validate_datetime(day + timedelta(minutes=m))]
    assert inbox_runs == [hour * 60 + 15 for hour in range(24)]  # J4: the LHEO inbox, every hour at :15
    assert "app.jobs.tasks.export_excel" in registry._registry  # the export job, on the same queue


def test_r_j2_jobs_list_command(app):
    result = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert result.exit_code == 0
    for task in PERIODIC:
        assert task.name in result.output
    assert "01:00 UTC" in result.output


def test_r_j3_partner_flows_write_every_partners_file_into_the_flow_directory(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(tmp_path / "flux"))
    with app.app_context():
        assert partner_flows() == list(PARTNERS)
    written = sorted(path.name for path in (tmp_path / "flux").glob("lheo-*.xml"))
    assert [name.split("-")[1] for name in written] == sorted(PARTNERS)


def test_r_j3_one_failing_partner_leaves_the_others_flows(app, monkeypatch, tmp_path):
    from app.lheo import flows

    real = flows.write_flow

    def write_flow(partner, out_dir=None):
        if partner == "parcoursup":
            raise RuntimeError("disque plein")
        return real(partner, out_dir)

    monkeypatch.setattr(flows, "write_flow", write_flow)
    monkeypatch.setitem(app.config, "LHEO_FLOW_DIR", str(tmp_path / "flux"))
    with app.app_context():
        assert partner_flows() == ["kairos", "national"]


def test_r_j2_export_job_through_the_real_queue_lands_in_its_owner_bell(app, login, consumer, monkeypatch,
                                                                         reset_demo):
    monkeypatch.setitem(app.config, "EXCEL_DIRECT_MAX_ROWS", 1)  # the demo's scope is small
    huey = jobs().huey
    huey.flush()
    client = login("contact")
    response = client.post(EXPORT, data={"tri": "debut"})
    assert response.status_code == 302 and response.headers["Location"].endswith(BELL)
    assert huey.pending_count() == 1  # queued, not run in the request
    notification = db.session.execute(select(Notification).where(
        Notification.user_id == user_id(app, "contact"))).scalar_one()
    assert notification.etat == NotificationEtat.EN_COURS and notification.progress == 0
    page = client.get(BELL).get_data(as_text=True)
    assert "Export Excel en préparation" in page and "Avancement" in page
    assert client.post(EXPORT, data={}).status_code == 302  # refused while one is running
    assert huey.pending_count() == 1

    consumer()
    done = wait_until(lambda: db.session.get(Notification, notification.id).etat != NotificationEtat.EN_COURS)
    assert done
    notification = db.session.get(Notification, notification.id)
    assert notification.etat == NotificationEtat.PRETE and notification.progress == 100
    assert notification.file_name.startswith("Export formations ") and notification.file_name.endswith(".xlsx")
    assert huey.pending_count() == 0

    page = client.get("/").get_data(as_text=True)
    assert bell_label(page) == "Notifications, 1 non lue"
    listing = client.get(BELL).get_data(as_text=True)
    assert notification.file_name in listing and english_in(listing) == []
    download = client.get(f"/notifications/{notification.id}/fichier")
    assert download.status_code == 200
    assert notification.file_name in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    at = values.index(tuple(HEADERS))
    exported = {row[1] for row in values[at + 1:]}
    search = client.get("/recherche/formations", query_string={"taille": 100}).get_data(as_text=True)
    assert exported and all(reference in search for reference in exported)  # the contact's scope

    for other in ("contact.autre", "gestionnaire"):  # the file is its owner's alone
        client = login(other)
        assert client.get(f"/notifications/{notification.id}/fichier").status_code == 404
        assert client.get(f"/notifications/{notification.id}/etat").status_code == 404
        assert bell_label(client.get("/").get_data(as_text=True)) == "Notifications, aucune non lue"
        assert notification.file_name not in client.get(BELL).get_data(as_text=True)


def test_r_j2_failed_export_job_says_so(app, consumer, monkeypatch, reset_demo):
    from app.commands import exports

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_sessions", broken)
    notification = notify(app, "contact", "Export Excel en préparation", etat=NotificationEtat.EN_COURS, progress=0)
    jobs().huey.flush()
    jobs().tasks["export_excel"](notification.id, user_id(app, "contact"), {}, None, None)
    consumer()
    wait_until(lambda: db.session.get(Notification, notification.id).etat != NotificationEtat.EN_COURS)
    notification = db.session.get(Notification, notification.id)
    assert notification.etat == NotificationEtat.ECHEC and notification.file_path is None
    assert not list(files.files_dir().glob("*.part"))


def test_r_j2_nightly_purge_task_drops_expired_files(app, reset_demo):
    old = _file_notification(app, "contact", timedelta(days=8))
    path = files.files_dir() / old.file_path
    assert purge_notifications() == (1, 0)
    assert not path.exists()
