"""Financements say whether the frais pédagogiques can be paid for (seed 004, issue 17 item 7):
« Prise en charge des frais pédagogiques », oui / non, or left to the financeur

Revision ID: c1e5a9d3f7b2
Revises: b9f4c2d7e1a3
Create Date: 2026-12-07 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c1e5a9d3f7b2'
down_revision = 'b9f4c2d7e1a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("financement") as batch:
        batch.add_column(sa.Column("prise_en_charge_frais", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("financement") as batch:
        batch.drop_column("prise_en_charge_frais")
