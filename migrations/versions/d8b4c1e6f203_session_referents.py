"""Sessions: the référents handicap / PMR and mobilité chosen among the structures' contacts
(SPEC F5, issue 17 item 4); the typed names stay for external référents

Revision ID: d8b4c1e6f203
Revises: c5d2e8f41a07
Create Date: 2026-12-07 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd8b4c1e6f203'
down_revision = 'c5d2e8f41a07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("session") as batch:
        batch.add_column(sa.Column("referent_handicap_contact_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("referent_mobilite_contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_session_referent_handicap_contact", "structure_contact",
                                 ["referent_handicap_contact_id"], ["id"])
        batch.create_foreign_key("fk_session_referent_mobilite_contact", "structure_contact",
                                 ["referent_mobilite_contact_id"], ["id"])


def downgrade():
    with op.batch_alter_table("session") as batch:
        batch.drop_constraint("fk_session_referent_mobilite_contact", type_="foreignkey")
        batch.drop_constraint("fk_session_referent_handicap_contact", type_="foreignkey")
        batch.drop_column("referent_mobilite_contact_id")
        batch.drop_column("referent_handicap_contact_id")
