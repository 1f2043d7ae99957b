"""structure change requests

Revision ID: 1d7227b254cb
Revises: df221e3743f0
Create Date: 2026-11-22 12:49:30.973108

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1d7227b254cb'
down_revision = 'df221e3743f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('structure_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('etat', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('structure_id')
    )
    with op.batch_alter_table('structure_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_structure_change_etat'), ['etat'], unique=False)



def downgrade():
    with op.batch_alter_table('structure_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_structure_change_etat'))

    op.drop_table('structure_change')
