"""LHEO import (SPEC J4, G7): actions grouping sessions, identity of imported records, their stored
document, structures created by an import, Formacode versions, and the reconciliation reports

Revision ID: b4e8d2a61c93
Revises: a7c91e4b2d10
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8d2a61c93'
down_revision = 'a7c91e4b2d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('formation_id', sa.Integer(), nullable=False),
    sa.Column('numero', sa.String(length=255), nullable=True),
    sa.Column('rang', sa.Integer(), nullable=False),
    sa.Column('empreinte', sa.String(length=64), nullable=True),
    sa.Column('lheo', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['formation_id'], ['formation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_formation_id'), ['formation_id'], unique=False)

    with op.batch_alter_table('formation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('source_numero', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('importee_le', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('empreinte', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lheo', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_formation_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_formation_source_numero'), ['source_numero'], unique=False)

    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_numero', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('empreinte', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lheo', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_session_action_id'), ['action_id'], unique=False)
        batch_op.create_foreign_key('fk_session_action_id', 'action', ['action_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=50), nullable=True))

    with op.batch_alter_table('nomenclature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=10), nullable=True))

    op.create_table('lheo_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('fichier', sa.String(length=500), nullable=False),
    sa.Column('version', sa.String(length=10), nullable=True),
    sa.Column('etat', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('debut', sa.DateTime(), nullable=False),
    sa.Column('fin', sa.DateTime(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lheo_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lheo_import_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_lheo_import_debut'), ['debut'], unique=False)

    op.create_table('lheo_import_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('numero', sa.String(length=255), nullable=True),
    sa.Column('outcome', sa.String(length=15), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['lheo_import.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lheo_import_line', schema=None) as batch_op:
        batch_op.create_index('ix_lheo_import_line_run', ['import_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('lheo_import_line', schema=None) as batch_op:
        batch_op.drop_index('ix_lheo_import_line_run')
    op.drop_table('lheo_import_line')
    with op.batch_alter_table('lheo_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lheo_import_debut'))
        batch_op.drop_index(batch_op.f('ix_lheo_import_source'))
    op.drop_table('lheo_import')
    with op.batch_alter_table('nomenclature', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_constraint('fk_session_action_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_session_action_id'))
        batch_op.drop_column('lheo')
        batch_op.drop_column('empreinte')
        batch_op.drop_column('source_numero')
        batch_op.drop_column('action_id')
    with op.batch_alter_table('formation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_formation_source_numero'))
        batch_op.drop_index(batch_op.f('ix_formation_source'))
        batch_op.drop_column('lheo')
        batch_op.drop_column('empreinte')
        batch_op.drop_column('importee_le')
        batch_op.drop_column('source_numero')
        batch_op.drop_column('source')
    op.drop_table('action')
