"""copy-on-write drafts of formations and sessions; archive requests

Revision ID: df221e3743f0
Revises: 3be757a550dc
Create Date: 2026-11-22 12:30:05.514585

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'df221e3743f0'
down_revision = '3be757a550dc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('formation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('archive_requested_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_formation_draft_of_id'), ['draft_of_id'], unique=False)
        batch_op.create_foreign_key('fk_formation_draft_of_id', 'formation', ['draft_of_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_draft', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('draft_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_a_verifier', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_session_draft_of_id'), ['draft_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_in_draft'), ['in_draft'], unique=False)
        batch_op.create_foreign_key('fk_session_draft_of_id', 'session', ['draft_of_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_constraint('fk_session_draft_of_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_session_in_draft'))
        batch_op.drop_index(batch_op.f('ix_session_draft_of_id'))
        batch_op.drop_column('contact_a_verifier')
        batch_op.drop_column('draft_of_id')
        batch_op.drop_column('in_draft')

    with op.batch_alter_table('formation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_formation_draft_of_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_formation_draft_of_id'))
        batch_op.drop_column('archive_requested_at')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('draft_of_id')

