"""`flask lheo export --out FILE` and `flask lheo flow --partner P [--out-dir DIR]`."""
from pathlib import Path

import click
from flask.cli import AppGroup

from app.checks.partners import PARTNERS

lheo_cli = AppGroup("lheo", help="Flux LHEO 2.3.")


def _echo(result) -> None:
    if result.path is None:
        click.echo("Aucune formation à diffuser : aucun fichier LHEO écrit.")
    else:
        click.echo(f"Export LHEO écrit dans {result.path}.")
    click.echo(result.report_text)
    click.echo(f"Rapport d'écarts : {result.report_csv} (détail), {result.report_json} (synthèse).")


@lheo_cli.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(out: Path):
    """Écrit l'offre validée (formations et sessions diffusées) au format LHEO 2.3 dans OUT, et
    le rapport d'écarts à côté (OUT.rapport.csv, OUT.rapport.json)."""
    from app.lheo.files import write_export

    _echo(write_export(out))


@lheo_cli.command("flow")
@click.option("--partner", required=True, type=click.Choice(list(PARTNERS)),
              help="kairos : France Travail (Kairos, AUDE) ; parcoursup : Parcoursup et Affelnet ; "
                   "national : base nationale des Carif-Oref.")
@click.option("--out-dir", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Répertoire des flux (par défaut LHEO_FLOW_DIR).")
def flow_command(partner: str, out_dir: Path | None):
    """Écrit le flux d'un partenaire (offre validée, dans son périmètre), horodaté, avec son
    rapport d'écarts."""
    from app.lheo.flows import write_flow

    _echo(write_flow(partner, out_dir))
