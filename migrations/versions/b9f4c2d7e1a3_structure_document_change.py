"""Documents deposited on a validated structure wait with its change request (SPEC C9, issue 17
item 1): the request they belong to until the Carif-Oref accepts it

Revision ID: b9f4c2d7e1a3
Revises: b9d4f2a6c8e1
Create Date: 2026-12-07 15:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b9f4c2d7e1a3'
down_revision = 'b9d4f2a6c8e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("structure_document") as batch:
        batch.add_column(sa.Column("change_id", sa.Integer(), nullable=True))
        batch.create_index("ix_structure_document_change_id", ["change_id"], unique=False)
        batch.create_foreign_key("fk_structure_document_change_id", "structure_change", ["change_id"], ["id"],
                                 ondelete="CASCADE")


def downgrade():
    with op.batch_alter_table("structure_document") as batch:
        batch.drop_constraint("fk_structure_document_change_id", type_="foreignkey")
        batch.drop_index("ix_structure_document_change_id")
        batch.drop_column("change_id")
