"""formation_certification.principale → principal: one name for "the principal row of a list"

Revision ID: 8e1f5c3a2b47
Revises: 7c4e2a9b1f30
Create Date: 2026-12-01 23:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e1f5c3a2b47'
down_revision = '7c4e2a9b1f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('formation_certification') as batch_op:
        batch_op.alter_column('principale', new_column_name='principal')


def downgrade():
    with op.batch_alter_table('formation_certification') as batch_op:
        batch_op.alter_column('principal', new_column_name='principale')
