"""Where the files written for a user's notifications live: EXPORT_FILES_DIR (instance/exports by
default), under generated names — a notification keeps the name, never a path a user typed, and
only its owner reaches it (app/views/notifications.py)."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app

PARTIAL = ".part"  # a file being written: renamed when complete


def files_dir() -> Path:
    path = Path(current_app.config["EXPORT_FILES_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_name(suffix: str) -> str:
    return secrets.token_hex(16) + suffix


def path_of(name: str | None) -> Path | None:
    """The file of a stored name, if it is a plain name inside the folder and exists."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = files_dir() / name
    return path if path.is_file() else None


def remove(name: str | None) -> None:
    path = path_of(name)
    if path is not None:
        path.unlink(missing_ok=True)


def remove_older_than(limit: float, keep: set[str]) -> int:
    """Files (complete or not) last written before `limit` (a timestamp) that no notification holds
    any more, e.g. those of a job that died; returns how many were removed."""
    removed = 0
    for path in files_dir().iterdir():
        if path.is_file() and path.name not in keep and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
