"""Financements: taux de TVA (a rate, no longer an amount), frais de certification, frais
additionnels non pris en charge and their detail (seed 004, issue 17 item 7)

Revision ID: e3f7a9c2b814
Revises: b4e8d2a61c93
Create Date: 2026-12-07 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e3f7a9c2b814'
down_revision = 'b4e8d2a61c93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("financement") as batch:
        batch.add_column(sa.Column("frais_certification", sa.Numeric(10, 2), nullable=True))
        batch.add_column(sa.Column("frais_additionnels", sa.Numeric(10, 2), nullable=True))
        batch.add_column(sa.Column("frais_additionnels_details", sa.String(length=600), nullable=True))
    # `tva` held an amount of VAT: it becomes the rate of the HT price. Without a price to divide
    # by, or larger than the price (no rate above 100 %), the amount is kept in the commentaire,
    # in words, rather than lost.
    op.execute("UPDATE financement SET commentaire = COALESCE(commentaire || ' ; ', '') "
               "|| 'Montant de TVA saisi avant le taux : ' || CAST(tva AS VARCHAR) || ' €', tva = NULL "
               "WHERE tva IS NOT NULL AND (prix_ht IS NULL OR prix_ht <= 0 OR tva > prix_ht)")
    op.execute("UPDATE financement SET tva = ROUND(tva * 100 / prix_ht, 2) "
               "WHERE tva IS NOT NULL AND prix_ht > 0")


def downgrade():
    op.execute("UPDATE financement SET tva = ROUND(prix_ht * tva / 100, 2) WHERE tva IS NOT NULL "
               "AND prix_ht IS NOT NULL")
    with op.batch_alter_table("financement") as batch:
        batch.drop_column("frais_additionnels_details")
        batch.drop_column("frais_additionnels")
        batch.drop_column("frais_certification")
