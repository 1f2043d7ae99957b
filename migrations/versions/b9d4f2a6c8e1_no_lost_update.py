"""No lost update (issue 16 item 2): a version on every editable record (SQLAlchemy's
version_id_col; existing rows start at 1), at most one draft per formation (a partial unique
index), and the one-time tokens of the creating forms

Revision ID: b9d4f2a6c8e1
Revises: a7e1d0c5b2f9
Create Date: 2026-12-07 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b9d4f2a6c8e1'
down_revision = 'a7e1d0c5b2f9'
branch_labels = None
depends_on = None

VERSIONED = (
    "structure", "coordonnee", "structure_contact", "lieu", "habilitation", "structure_document",
    "formation", "formation_certification", "session", "session_formateur", "session_lieu", "financement",
    "recrutement", "cycle_alternance",
)
DRAFT_ONLY = sa.text("draft_of_id IS NOT NULL")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    # Two drafts of one formation would have to be cleaned by hand first; the portal never made
    # them on purpose (its guard refuses a second one), only by two requests at once.
    with op.batch_alter_table("formation") as batch:
        batch.drop_index("ix_formation_draft_of_id")
        batch.create_index("uq_formation_draft_of_id", ["draft_of_id"], unique=True,
                           postgresql_where=DRAFT_ONLY, sqlite_where=DRAFT_ONLY)
    op.create_table(
        "form_token",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_form_token_used_at", "form_token", ["used_at"], unique=False)


def downgrade():
    op.drop_index("ix_form_token_used_at", table_name="form_token")
    op.drop_table("form_token")
    with op.batch_alter_table("formation") as batch:
        batch.drop_index("uq_formation_draft_of_id")
        batch.create_index("ix_formation_draft_of_id", ["draft_of_id"], unique=False)
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
