"""The migration that turns the financement's `tva` from an amount into a rate (issue 17 item 7):
an amount becomes the rate of its HT price; one with no price to divide by, or larger than the
price, is kept in words in the commentaire — never lost."""
from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "e3f7a9c2b814_financement_fees.py"


def _migration():
    spec = importlib.util.spec_from_file_location("fees_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_r_f6_vat_amounts_become_rates_or_stay_in_words():
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    table = sa.Table("financement", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("prix_ht", sa.Numeric(10, 2)), sa.Column("tva", sa.Numeric(5, 2)),
                     sa.Column("commentaire", sa.Text))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [
            {"id": 1, "prix_ht": Decimal("1000"), "tva": Decimal("200"), "commentaire": None},
            {"id": 2, "prix_ht": Decimal("99.99"), "tva": Decimal("5.50"), "commentaire": "Éligible CPF"},
            {"id": 3, "prix_ht": None, "tva": Decimal("240.10"), "commentaire": "Éligible CPF"},
            {"id": 4, "prix_ht": Decimal("100"), "tva": Decimal("150"), "commentaire": None},
            {"id": 5, "prix_ht": Decimal("1000"), "tva": None, "commentaire": None},
        ])
        with Operations.context(MigrationContext.configure(connection)):
            _migration().upgrade()
        rows = {row.id: row for row in connection.execute(sa.text(
            "SELECT id, tva, commentaire, frais_certification, frais_additionnels, frais_additionnels_details "
            "FROM financement"))}
    assert Decimal(str(rows[1].tva)) == Decimal("20") and rows[1].commentaire is None
    assert Decimal(str(rows[2].tva)) == Decimal("5.5") and rows[2].commentaire == "Éligible CPF"
    assert rows[3].tva is None
    assert rows[3].commentaire == "Éligible CPF ; Montant de TVA saisi avant le taux : 240.1 €"  # SQLite's text
    assert rows[4].tva is None and rows[4].commentaire.startswith("Montant de TVA saisi avant le taux : 150")
    assert rows[5].tva is None and rows[5].commentaire is None
    assert (rows[1].frais_certification, rows[1].frais_additionnels, rows[1].frais_additionnels_details) == (
        None, None, None)
