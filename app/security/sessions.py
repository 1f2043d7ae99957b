"""Ending sessions and API tokens server-side (SPEC B4, A2).

Each user has an epoch (table user_session_epoch; "0" until the first change). A login stamps it
into the Flask session, every JWT (access and refresh) carries it as a claim. These events draw a
new one, so every session and token stamped before them stops working at its next request:

- a password change, whatever the door (own reset-my-password, an administrator's reset, an
  activation or reset link, FAB's CLI): the session that made the change is stamped again and stays;
- a deactivation (also marked, so that an old link cannot switch the account back on);
- a withdrawn role;
- a logout (a copied session cookie dies with it).

Changes are seen on the ORM flush of the user row, so no view has to remember to call anything.
"""
from __future__ import annotations

import secrets

from flask import Flask, current_app, flash, has_request_context, jsonify, request, session
from flask_login import logout_user, user_logged_in
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from app.extensions import db
from app.models.accounts import SessionEpoch

SESSION_KEY = "_epoch"
CLAIM = "epoch"
INITIAL = "0"
ENDED = ("Votre session a été fermée (mot de passe changé, compte désactivé, droits modifiés ou déconnexion) : "
         "reconnectez-vous.")


def current_epoch(user_id: int) -> str:
    epoch = db.session.execute(select(SessionEpoch.epoch).where(SessionEpoch.user_id == user_id)).scalar()
    return epoch or INITIAL


def was_deactivated(user) -> bool:
    """An inactive account that was in use or that a manager switched off, as opposed to an account
    never activated yet."""
    if user is None or user.active:
        return False
    marked = db.session.execute(select(SessionEpoch.deactivated).where(SessionEpoch.user_id == user.id)).scalar()
    return bool(marked) or user.last_login is not None


def end_all(user_id: int) -> None:
    """Logout: a new epoch for the user, committed (every session and token ends)."""
    _bump(db.session, user_id, keep_current=False)
    db.session.commit()


def _bump(orm_session, user_id: int, keep_current: bool, deactivated: bool | None = None) -> None:
    epoch = secrets.token_hex(16)
    row = orm_session.get(SessionEpoch, user_id)
    if row is None:
        row = SessionEpoch(user_id=user_id, deactivated=False)
        orm_session.add(row)
    row.epoch = epoch
    if deactivated is not None:
        row.deactivated = deactivated
    if keep_current and has_request_context() and session.get("_user_id") == str(user_id):
        session[SESSION_KEY] = epoch  # the user's own change: this session goes on


def _changed(user, name: str) -> tuple[list, list]:
    history = get_history(user, name, passive=PASSIVE_NO_INITIALIZE)
    return list(history.deleted or ()), list(history.added or ())


def _on_flush(orm_session, flush_context, instances) -> None:
    """Password, activity and roles of users about to be written (every door: forms, CLI, links)."""
    user_model = current_app.appbuilder.sm.user_model
    for user in list(orm_session.dirty):
        if not isinstance(user, user_model) or inspect(user).key is None:
            continue
        old_password, new_password = _changed(user, "password")
        password_changed = bool(new_password) and old_password != new_password
        was_active, is_active = _changed(user, "active")  # [] when unchanged
        deactivated = is_active == [False] and was_active != [False]
        reactivated = is_active == [True] and was_active == [False]
        roles_withdrawn = bool(_changed(user, "roles")[0])
        if deactivated:
            _bump(orm_session, user.id, keep_current=False, deactivated=True)
        elif password_changed or roles_withdrawn:
            _bump(orm_session, user.id, keep_current=True, deactivated=False if reactivated else None)
        elif reactivated:
            row = orm_session.get(SessionEpoch, user.id)
            if row is not None:
                row.deactivated = False
    for user in list(orm_session.deleted):  # SQLite may not cascade: ids can be reused
        if isinstance(user, user_model) and user.id is not None:
            orm_session.execute(delete(SessionEpoch).where(SessionEpoch.user_id == user.id))


def install(app: Flask) -> None:
    """Stamp logins and tokens, check them on each request; called once by create_app."""
    if not event.contains(db.session, "before_flush", _on_flush):
        event.listen(db.session, "before_flush", _on_flush)

    def _stamp(sender, user, **extra):
        session[SESSION_KEY] = current_epoch(user.id)

    user_logged_in.connect(_stamp, app, weak=False)

    def _end_stale_session():
        user_id = session.get("_user_id")
        if user_id is None or (request.endpoint or "").endswith("static"):
            return
        try:
            current = current_epoch(int(user_id))
        except (TypeError, ValueError):
            current = None
        if session.get(SESSION_KEY) != current:
            logout_user()
            session.pop(SESSION_KEY, None)
            if not request.path.startswith("/api/"):
                flash(ENDED, "warning")

    app.before_request(_end_stale_session)

    jwt = app.extensions["flask-jwt-extended"]  # FAB's JWTManager (SecurityManager.create_jwt_manager)

    @jwt.additional_claims_loader
    def _claims(identity):
        return {CLAIM: current_epoch(int(identity))}

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        try:
            return payload.get(CLAIM) != current_epoch(int(payload["sub"]))
        except (KeyError, TypeError, ValueError):
            return True

    @jwt.revoked_token_loader
    def _revoked_answer(_header, _payload):
        return jsonify(message=ENDED), 401
