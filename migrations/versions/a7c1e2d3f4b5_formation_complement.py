"""Formations: complément d'intitulé, searched with the intitulé (SPEC I1, I3)

Revision ID: a7c1e2d3f4b5
Revises: f1a2c3d4e5b6
Create Date: 2026-12-02 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision = 'a7c1e2d3f4b5'
down_revision = 'f1a2c3d4e5b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("formation") as batch:
        batch.add_column(sa.Column("complement_intitule", sa.String(length=255), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # The quick search ORs intitulé and complément: both trigram-indexed, as the intitulé already is.
    trigram = bind.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                                "WHERE e.extname = 'pg_trgm'")).scalar()
    if trigram:
        op.execute(f"CREATE INDEX ix_formation_complement_trgm ON formation "
                   f"USING gin (portal_unaccent(complement_intitule) {trigram}.gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_formation_complement_trgm")
    with op.batch_alter_table("formation") as batch:
        batch.drop_column("complement_intitule")
