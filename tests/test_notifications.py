"""A user's notifications (SPEC J2): the bell's unread count (one query a page, none for visitors),
*Mes notifications* in French, files downloadable by their owner alone and purged after 7 days."""
from __future__ import annotations

from datetime import timedelta

import lxml.html
from sqlalchemy import event, select

from app.commands.notifications import PurgeNotifications
from app.exports import files
from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from tests.test_french_pages import english_in

BELL = "/notifications/"


def user_id(app, username: str) -> int:
    return app.appbuilder.sm.find_user(username=username).id


def notify(app, username: str, title: str = "Message", **values) -> Notification:
    notification = Notification(user_id=user_id(app, username), title=title, **values)
    db.session.add(notification)
    db.session.commit()
    return notification


def bell_label(html: str) -> str:
    return lxml.html.fromstring(html).xpath("//a[@id='cloche']/span[@class='sr-only']")[0].text_content().strip()


def _file_notification(app, username: str, age: timedelta) -> Notification:
    name = files.new_name(".xlsx")
    (files.files_dir() / name).write_bytes(b"PK")
    return notify(app, username, "Export formations.xlsx", file_path=name, file_name="Export formations.xlsx",
                  created_at=utcnow() - age)


def test_r_j2_expired_notifications_and_files_purged_after_7_days(app, login, reset_demo):
    old = _file_notification(app, "contact", timedelta(days=7, minutes=1))
    recent = _file_notification(app, "contact", timedelta(days=6, hours=23))
    old_path, recent_path = files.files_dir() / old.file_path, files.files_dir() / recent.file_path
    old_id, recent_id = old.id, recent.id
    client = login("contact")
    assert client.get(f"/notifications/{old_id}/fichier").status_code == 404  # past 7 days, even before the purge
    assert client.get(f"/notifications/{recent_id}/fichier").status_code == 200
    removed, _ = PurgeNotifications().run()
    assert removed == 1
    db.session.expunge_all()
    assert db.session.get(Notification, old_id) is None and not old_path.exists()
    assert db.session.get(Notification, recent_id) is not None and recent_path.exists()
    # A day later the recent one goes too; a file no notification holds goes once as old.
    orphan = files.files_dir() / files.new_name(".xlsx.part")
    orphan.write_bytes(b"")
    removed, orphans = PurgeNotifications(now=utcnow() + timedelta(days=8)).run()
    assert removed == 1 and not recent_path.exists()
    assert orphans >= 1 and not orphan.exists()


def test_r_j2_bell_unread_count_and_notifications_page(app, login, reset_demo):
    first = notify(app, "contact", "Premier message", text="Texte du premier.")
    notify(app, "contact", "Second message", link="/recherche/formations")
    notify(app, "contact.autre", "Message d'un autre")
    client = login("contact")
    html = client.get("/").get_data(as_text=True)
    assert bell_label(html) == "Notifications, 2 non lues"
    page = client.get(BELL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Mes notifications" in text and "Premier message" in text and "Texte du premier." in text
    assert 'href="/recherche/formations"' in text and "Message d'un autre" not in text
    words = lxml.html.fromstring(text).text_content()
    assert "Non lue" in words and "à l'instant" in words and english_in(text) == []

    client.post("/notifications/lues", data={"id": str(first.id)})
    assert bell_label(client.get("/").get_data(as_text=True)) == "Notifications, 1 non lue"
    client.post("/notifications/lues", data={"tout": "1"})
    assert bell_label(client.get("/").get_data(as_text=True)) == "Notifications, aucune non lue"
    # Marking is the owner's alone: another user's ids change nothing.
    other = notify(app, "contact.autre", "Encore")
    client.post("/notifications/lues", data={"id": str(other.id)})
    db.session.expire_all()
    assert db.session.get(Notification, other.id).read_at is None


def test_r_j2_bell_costs_one_query_per_page_and_none_for_visitors(app, login, count_queries, reset_demo):
    statements = []

    def _seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    for i in range(3):
        notify(app, "contact", f"Message {i}")
    client = login("contact")
    event.listen(db.engine, "before_cursor_execute", _seen)
    try:
        client.get("/recherche/formations")
        bell = [s for s in statements if "FROM notification" in s]
        assert len(bell) == 1, bell
        statements.clear()
        client.get("/logout/")
        statements.clear()
        client.get("/login/")
        assert not [s for s in statements if "notification" in s]
    finally:
        event.remove(db.engine, "before_cursor_execute", _seen)

    client = login("contact")
    counts = {}
    for total in (3, 12):
        for i in range(total - len(db.session.execute(select(Notification.id).where(
                Notification.user_id == user_id(app, "contact"))).all())):
            notify(app, "contact", f"Encore {i}")
        client.get(BELL)  # warm-up
        with count_queries() as n:
            assert client.get(BELL).status_code == 200
        counts[total] = n()
    assert counts[3] == counts[12], counts  # the page and the bell: one query each, whatever the number
