"""per-user session epochs: revocation of sessions and API tokens, deactivation marker

Revision ID: 7c4e2a9b1f30
Revises: 24525ac4d5c0
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c4e2a9b1f30'
down_revision = '24525ac4d5c0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session_epoch',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.Column('deactivated', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade():
    op.drop_table('user_session_epoch')
