"""`flask lheo export --out FILE [--source NAME]`, `flask lheo flow --partner P [--out-dir DIR]`,
`flask lheo import FILE|DIR --source NAME` and `flask lheo diff A B`."""
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
@click.option("--source", default=None, help="N'écrit que les formations importées de cette source (flask lheo "
                                             "import), toutes leurs sessions non archivées.")
def export_command(out: Path, source: str | None):
    """Écrit l'offre validée (formations et sessions diffusées) au format LHEO 2.3 dans OUT, et
    le rapport d'écarts à côté (OUT.rapport.csv, OUT.rapport.json) ; avec --source, les
    formations importées de cette source."""
    from app.lheo.files import write_export

    _echo(write_export(out, source=source))


@lheo_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--source", required=True, help="Nom du flux (EOS, AFC, ONISEP…) : identité des formations importées.")
@click.option("--partial", is_flag=True, help="Flux partiel : n'archive pas les formations de la source absentes du "
                                              "fichier.")
def import_command(path: Path, source: str, partial: bool):
    """Importe un fichier LHEO 2.2 ou 2.3 (ou chaque fichier .xml du répertoire PATH) en
    formations en lecture seule, et écrit le rapport de rapprochement."""
    from app.commands.exceptions import CommandError
    from app.commands.lheo_import import ImportLheo
    from app.models import ImportEtat

    try:
        run = ImportLheo(path, source, archive_vanished=not partial).run()
    except CommandError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Import {run.id} ({run.etat_libelle}) : {run.fichier}, source {run.source}, LHEO {run.version or '?'}.")
    if run.message:
        click.echo(run.message)
    for kind, counts in (run.counts or {}).items():
        click.echo(f"  {kind} : " + ", ".join(f"{outcome} {count}" for outcome, count in sorted(counts.items())))
    click.echo(f"Rapport : /lheo/imports/{run.id} (CSV : /lheo/imports/{run.id}.csv).")
    if run.etat != ImportEtat.TERMINE:
        raise SystemExit(1)


@lheo_cli.command("diff")
@click.argument("left", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("right", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def diff_command(left: Path, right: Path):
    """Compare deux fichiers LHEO (2.2 ou 2.3) élément par élément ; sort en erreur s'ils diffèrent."""
    from app.lheo.diff import compare
    from app.lheo.reader import FileRefused

    try:
        differences = compare(left, right)
    except FileRefused as error:
        raise click.ClickException(str(error)) from None
    for difference in differences:
        click.echo(str(difference))
    if differences:
        click.echo(f"{len(differences)} différence(s).")
        raise SystemExit(1)
    click.echo("Aucune différence : les deux fichiers sont égaux élément par élément.")


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
    from app.region import RegionNotConfigured

    try:
        _echo(write_flow(partner, out_dir))
    except RegionNotConfigured as error:
        raise click.ClickException(str(error)) from None
