"""The load test's cast (issue 16 item 6), made once on the database under test and written as JSON
for the locust file: Contact OF accounts each holding the modification right on one of the
largest organisations (with formations, sessions and editable sessions of its own scope), manager
accounts, and the one session every manager edits at the same time (the lost-update check).

Idempotent: accounts are made once and found again; their password is reset. Run inside the
application: `flask --app wsgi shell` is not needed, scripts/load_test.py imports it."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Formation, RightLevel, Session, Structure, StructureRight
from app.models.workflow import FormationEtat, SessionEtat
from app.security.permissions import ROLE_CONTACT, ROLE_GESTIONNAIRE

CONTACT_PASSWORD = "Charge!2026"
MANAGER_PASSWORD = "Gestion!2026"
SAMPLE = 40  # formations and sessions each simulated user picks from


def _account(sm, username: str, role: str, password: str):
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username, "Charge", username.split(".")[-1], f"{username}@charge.example",
                           sm.find_role(role), password=password)
    else:
        from werkzeug.security import generate_password_hash

        user.password, user.active, user.fail_login_count = generate_password_hash(password), True, 0
        db.session.commit()
    return user


def _ids(query, rng: random.Random, count: int = SAMPLE) -> list[int]:
    ids = list(db.session.execute(query.limit(2000)).scalars())
    rng.shuffle(ids)
    return ids[:count]


def make_plan(appbuilder, contacts: int = 10, managers: int = 4, seed: int = 7) -> dict:
    sm, rng, today = appbuilder.sm, random.Random(seed), date.today()
    largest = list(db.session.execute(
        select(Formation.structure_id).where(Formation.draft_of_id.is_(None)).group_by(Formation.structure_id)
        .order_by(func.count().desc(), Formation.structure_id).limit(contacts)).scalars())
    plan = {"contacts": [], "managers": [], "contact_password": CONTACT_PASSWORD,
            "manager_password": MANAGER_PASSWORD}
    for index, structure_id in enumerate(largest, start=1):
        user = _account(sm, f"charge.contact{index:02d}", ROLE_CONTACT, CONTACT_PASSWORD)
        if not db.session.execute(select(StructureRight).where(StructureRight.user_id == user.id,
                                                               StructureRight.structure_id == structure_id)).first():
            db.session.add(StructureRight(user_id=user.id, structure_id=structure_id, niveau=RightLevel.MODIFICATION))
            db.session.commit()
        own = select(Formation.id).where(Formation.structure_id == structure_id, Formation.draft_of_id.is_(None))
        sessions = select(Session.id).join(Formation, Formation.id == Session.formation_id).where(
            Formation.structure_id == structure_id, Formation.draft_of_id.is_(None))
        editable = sessions.where(Formation.etat.in_(FormationEtat.EDITABLE), Formation.importee.is_(False),
                                  Session.fin >= today, Session.etat != SessionEtat.ARCHIVEE)
        structure = db.session.get(Structure, structure_id)
        plan["contacts"].append({
            "username": user.username, "structure": structure_id, "code_postal": structure.code_postal or "",
            "formations": _ids(own, rng), "sessions": _ids(sessions, rng), "editable_sessions": _ids(editable, rng, 10)})
    published = select(Formation.id).where(Formation.etat == FormationEtat.DIFFUSEE, Formation.draft_of_id.is_(None))
    running = select(Session.id).join(Formation, Formation.id == Session.formation_id).where(
        Formation.etat == FormationEtat.DIFFUSEE, Formation.draft_of_id.is_(None), Session.fin >= today,
        Session.etat != SessionEtat.ARCHIVEE)
    formations, sessions = _ids(published, rng, 200), _ids(running, rng, 200)
    for index in range(1, managers + 1):
        user = _account(sm, f"charge.gestion{index:02d}", ROLE_GESTIONNAIRE, MANAGER_PASSWORD)
        plan["managers"].append({"username": user.username, "formations": formations, "sessions": sessions[1:]})
    plan["contended_session"] = sessions[0]
    return plan
