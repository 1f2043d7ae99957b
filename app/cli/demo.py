"""`flask demo load [--scale region]`."""
import click
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="Données de démonstration.")


@demo_cli.command("load")
@click.option("--scale", type=click.Choice(["demo", "region"]), default="demo",
              help="demo : une région réaliste ; region : 3 000 structures, 15 000 formations, "
                   "60 000 sessions (bancs d'essai).")
def load_command(scale: str):
    """Charge les référentiels puis les données de démonstration (idempotent)."""
    from app.demo import load_demo

    summary = load_demo(db.session, scale=scale)
    click.echo(summary)
