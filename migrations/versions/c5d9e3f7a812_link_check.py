"""Website link check (SPEC H5): the last result per URL

Revision ID: c5d9e3f7a812
Revises: e3f7a9c2b814
Create Date: 2026-12-07 12:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d9e3f7a812'
down_revision = 'e3f7a9c2b814'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('link_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('final_url', sa.String(length=1000), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_check_ok'), ['ok'], unique=False)


def downgrade():
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_check_ok'))

    op.drop_table('link_check')
