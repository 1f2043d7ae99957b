"""Formations search: accent-insensitive matching on PostgreSQL with a trigram index (SPEC I1)

`portal_unaccent(text)` is lower(unaccent(text)) as an IMMUTABLE function, so that it can be
indexed; the query (app/search/text.py) calls the same function. Without the `unaccent`
extension it falls back to translate() of the French accented letters; without `pg_trgm` the
index is skipped (the search stays correct, only slower). SQLite registers the function in
Python at query time: nothing to do here.

Revision ID: f1a2c3d4e5b6
Revises: 8e1f5c3a2b47
Create Date: 2026-12-01 23:30:00.000000

"""
from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision = 'f1a2c3d4e5b6'
down_revision = '8e1f5c3a2b47'
branch_labels = None
depends_on = None

ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ–—’"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy--'"


def _extension(bind, name: str) -> str | None:
    """Create the extension when the server has it; return its schema (None when unavailable)."""
    if bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = :n"), {"n": name}).first():
        savepoint = bind.begin_nested()
        try:
            bind.execute(text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
            savepoint.commit()
        except Exception:  # no privilege to create it: the fallback below applies
            savepoint.rollback()
    row = bind.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                            "WHERE e.extname = :n"), {"n": name}).first()
    return row[0] if row else None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    unaccent = _extension(bind, "unaccent")
    if unaccent:
        body = f"SELECT lower({unaccent}.unaccent('{unaccent}.unaccent'::regdictionary, $1))"
    else:
        body = f"SELECT lower(translate($1, '{ACCENTED}', '{PLAIN}'))"
    op.execute(f"CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text "
               f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ {body} $$")
    trigram = _extension(bind, "pg_trgm")
    if trigram:
        op.execute(f"CREATE INDEX ix_formation_intitule_trgm ON formation "
                   f"USING gin (portal_unaccent(intitule) {trigram}.gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_formation_intitule_trgm")
    op.execute("DROP FUNCTION IF EXISTS portal_unaccent(text)")
