"""account requests

Revision ID: 24525ac4d5c0
Revises: 1d7227b254cb
Create Date: 2026-11-22 13:03:32.120486

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '24525ac4d5c0'
down_revision = '1d7227b254cb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=False),
    sa.Column('nda', sa.String(length=11), nullable=False),
    sa.Column('nom', sa.String(length=64), nullable=False),
    sa.Column('prenom', sa.String(length=64), nullable=False),
    sa.Column('telephone', sa.String(length=25), nullable=False),
    sa.Column('email', sa.String(length=160), nullable=False),
    sa.Column('consentement', sa.Boolean(), nullable=False),
    sa.Column('document_nom', sa.String(length=255), nullable=True),
    sa.Column('document_mime', sa.String(length=100), nullable=True),
    sa.Column('document', sa.LargeBinary(), nullable=True),
    sa.Column('etat', sa.String(length=15), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.Column('processed_by_id', sa.Integer(), nullable=True),
    sa.Column('structure_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('motif_refus', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['processed_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_request_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_etat'), ['etat'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_siret'), ['siret'], unique=False)



def downgrade():
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_request_siret'))
        batch_op.drop_index(batch_op.f('ix_account_request_etat'))
        batch_op.drop_index(batch_op.f('ix_account_request_email'))

    op.drop_table('account_request')
