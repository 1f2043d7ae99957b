"""Accent- and case-insensitive text matching, the same SQL on PostgreSQL and SQLite.

Both databases answer `portal_unaccent(text)`: lower case, accents removed.
- PostgreSQL: an IMMUTABLE SQL function created by the migration (f1a2c3d4e5b6) over the
  `unaccent` extension, with a trigram GIN index on `portal_unaccent(formation.intitule)` so that
  `LIKE '%batiment%'` uses the index.
- SQLite (development and tests): the same function registered in Python on the connection
  (`ensure_sqlite_function`). Chosen over a normalised column because it needs no column kept in
  step by every writer (forms, API, imports, drafts, demo) and no back-fill; SQLite scans the
  formation table, which is bounded by a single region's offer.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import func

SQL_FUNCTION = "portal_unaccent"
# What PostgreSQL's unaccent rules also rewrite, so that both databases find the same rows.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "‐": "-", "‑": "-", "‒": "-",
                            "–": "-", "—": "-", "―": "-", "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"',
                            "„": '"', "«": "<<", "»": ">>", "…": "..."})


def fold(value: str | None) -> str | None:
    """'Bâtiment' → 'batiment': the Python twin of the SQL function."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFD", value.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def folded(column):
    """SQL expression of `column` lower-cased and without accents (matches the PostgreSQL index)."""
    return getattr(func, SQL_FUNCTION)(column)


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column, text: str):
    """`column` contains `text`, ignoring case and accents."""
    return folded(column).like(f"%{like_escape(fold(text))}%", escape="\\")


def equals(column, text: str):
    return folded(column) == fold(text)


def ensure_sqlite_function(session) -> None:
    """Register `portal_unaccent` on the session's SQLite connection (no SQL statement is run)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    raw.create_function(SQL_FUNCTION, 1, fold, deterministic=True)
