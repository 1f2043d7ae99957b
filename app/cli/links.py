"""`flask links check`: the website link check of SPEC H5, now, in this process."""
import click
from flask import current_app
from flask.cli import AppGroup

links_cli = AppGroup("links", help="Liens site internet des structures et des formations.")


@links_cli.command("check")
def check_command():
    """Vérifie chaque adresse web des structures et des formations et enregistre le résultat
    (délai LINK_CHECK_TIMEOUT, LINK_CHECK_WORKERS vérifications en parallèle)."""
    from app.extensions import db
    from app.links.run import check_links

    click.echo(check_links(db.session, current_app.config).french())
