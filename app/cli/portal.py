"""`flask portal init` (roles), `flask portal serve` (gunicorn and the job worker), `flask referentials load`, `load-france-competences`, `load-formacode`,
`load-certifinfo` and `load-qualiopi`."""
from datetime import datetime
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


@portal_cli.command("serve")
@click.option("--bind", default=None, metavar="HÔTE:PORT",
              help="Adresse d'écoute (par défaut PORTAL_BIND, sinon 127.0.0.1:8080).")
@click.option("--worker/--no-worker", default=True,
              help="Lancer aussi le worker de la file des tâches (par défaut). --no-worker : le serveur web "
                   "seul, le worker tournant ailleurs (`flask jobs worker`).")
@click.option("--periodic/--no-periodic", default=True,
              help="Le worker planifie les tâches de nuit (par défaut) ; un seul worker par file doit le faire.")
def serve_command(bind, worker, periodic):
    """Sert le portail comme en production : gunicorn (gunicorn.conf.py) et le worker de la file des
    tâches ; Ctrl-C ou SIGTERM arrête les deux."""
    from app.server import serve

    raise SystemExit(serve(bind=bind, worker=worker, periodic=periodic, echo=click.echo))


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


@referentials_cli.command("load-formacode")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", default=None, help="Version du Formacode (V14) si le fichier ne la dit pas.")
def load_formacode_command(path: Path, version: str | None):
    """Charge le Formacode de Centre Inffo (export CSV ou XML) : codes, libellés et version."""
    from app.refdata.formacode import load_formacode

    count, version = load_formacode(db.session, path, version)
    db.session.commit()
    click.echo(f"{count} code(s) Formacode chargé(s)" + (f" (version {version})." if version else " (version inconnue)."))


@referentials_cli.command("load-certifinfo")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_certifinfo_command(path: Path):
    """Charge les numéros Certif Info des certifications (CSV : numéro Certif Info et code RNCP ou RS)."""
    from app.refdata.formacode import load_certif_info

    rows, updated = load_certif_info(db.session, path)
    db.session.commit()
    click.echo(f"{rows} ligne(s) lue(s), {updated} certification(s) mise(s) à jour.")


@referentials_cli.command("load-qualiopi")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--date", "list_date", default=None, metavar="JJ/MM/AAAA",
              help="Date de la liste (par défaut : jour de modification du fichier).")
def load_qualiopi_command(path: Path, list_date: str | None):
    """Met à jour les certifications Qualiopi des structures depuis la liste publique des organismes
    de formation (export CSV de la DGEFP, par numéro de déclaration d'activité)."""
    from app.refdata.qualiopi import QualiopiListRefused, load_qualiopi

    day = None
    if list_date:
        try:
            day = datetime.strptime(list_date.strip(), "%d/%m/%Y").date()
        except ValueError:
            raise click.BadParameter(f"date « {list_date} » non valide (JJ/MM/AAAA attendu).",
                                     param_hint="--date") from None
    try:
        report = load_qualiopi(db.session, path, day)
    except QualiopiListRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(report.french())
