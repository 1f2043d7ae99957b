"""communication (SPEC H2–H4): mémos, actualités with their readers, messagerie threads, messages
and their readers

Revision ID: c5d2e8f41a07
Revises: c5d9e3f7a812
Create Date: 2026-12-07 12:38:08.037638

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d2e8f41a07'
down_revision = 'c5d9e3f7a812'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('actualite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('publication', sa.Date(), nullable=False),
    sa.Column('expiration', sa.Date(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('actualite', schema=None) as batch_op:
        batch_op.create_index('ix_actualite_dates', ['publication', 'expiration'], unique=False)

    op.create_table('memo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('memo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memo_user_id'), ['user_id'], unique=False)

    op.create_table('actualite_read',
    sa.Column('actualite_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actualite_id'], ['actualite.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('actualite_id', 'user_id')
    )
    with op.batch_alter_table('actualite_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actualite_read_user_id'), ['user_id'], unique=False)

    op.create_table('message_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('formation_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['formation_id'], ['formation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_thread_formation_id'), ['formation_id'], unique=False)
        batch_op.create_index('ix_message_thread_last', ['last_message_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_thread_structure_id'), ['structure_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_carif', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_thread_id'), ['thread_id'], unique=False)

    op.create_table('message_thread_read',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id')
    )
    with op.batch_alter_table('message_thread_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_thread_read_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('message_thread_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_read_user_id'))

    op.drop_table('message_thread_read')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_id'))

    op.drop_table('message')
    with op.batch_alter_table('message_thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_structure_id'))
        batch_op.drop_index('ix_message_thread_last')
        batch_op.drop_index(batch_op.f('ix_message_thread_formation_id'))

    op.drop_table('message_thread')
    with op.batch_alter_table('actualite_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actualite_read_user_id'))

    op.drop_table('actualite_read')
    with op.batch_alter_table('memo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memo_user_id'))

    op.drop_table('memo')
    with op.batch_alter_table('actualite', schema=None) as batch_op:
        batch_op.drop_index('ix_actualite_dates')

    op.drop_table('actualite')
