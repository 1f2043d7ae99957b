"""Formations on hold (SPEC G1, issue 17 item 5): a flag, its reason and its date on the formation,
kept apart from its état (a formation on hold keeps diffusée, non diffusée… and leaves every
export until the hold is lifted)

Revision ID: a7e1d0c5b2f9
Revises: a7c6e1f0b9d2
Create Date: 2026-12-07 13:15:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7e1d0c5b2f9'
down_revision = 'a7c6e1f0b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("formation") as batch:
        batch.add_column(sa.Column("en_suspens", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("motif_suspension", sa.Text(), nullable=True))
        batch.add_column(sa.Column("suspendue_le", sa.DateTime(), nullable=True))
        batch.create_index("ix_formation_en_suspens", ["en_suspens"], unique=False)


def downgrade():
    with op.batch_alter_table("formation") as batch:
        batch.drop_index("ix_formation_en_suspens")
        batch.drop_column("suspendue_le")
        batch.drop_column("motif_suspension")
        batch.drop_column("en_suspens")
