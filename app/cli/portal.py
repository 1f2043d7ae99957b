"""`flask portal init` (roles) and `flask referentials load`."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

portal_cli = AppGroup("portal", help="Administration du portail.")
referentials_cli = AppGroup("referentials", help="Référentiels.")


@portal_cli.command("init")
def init_command():
    """Crée les rôles (Admin, Gestionnaire, Contact OF) s'ils manquent."""
    current_app.appbuilder.sm.create_roles()
    click.echo("Rôles à jour.")


@referentials_cli.command("load")
def load_command():
    """Charge ou met à jour les listes de codes, la géographie, les financeurs et les
    certifications livrés avec le portail."""
    from app.refdata import load_all

    load_all(db.session)
    click.echo("Référentiels chargés.")


@referentials_cli.command("load-france-competences")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def load_france_competences_command(directory: Path):
    """Charge un export France compétences (fichiers export_fiches_CSV_*.csv) de DIRECTORY."""
    from app.refdata.france_competences import load_france_competences

    count = load_france_competences(db.session, directory)
    db.session.commit()
    click.echo(f"{count} certification(s) lue(s).")
