"""Qualiopi from the DGEFP public list of training organisations (SPEC C6, issue 17 item 2): the
date of the list that set a structure's flags, and the certifications a list took away

Revision ID: a7c6e1f0b9d2
Revises: d8b4c1e6f203
Create Date: 2026-12-07 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c6e1f0b9d2'
down_revision = 'd8b4c1e6f203'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("structure") as batch:
        batch.add_column(sa.Column("qualiopi_source_le", sa.Date(), nullable=True))
        batch.add_column(sa.Column("qualiopi_perdus", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("structure") as batch:
        batch.drop_column("qualiopi_perdus")
        batch.drop_column("qualiopi_source_le")
