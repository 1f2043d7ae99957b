"""`flask lheo export --out FILE`."""
from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db

lheo_cli = AppGroup("lheo", help="Flux LHEO 2.3.")


@lheo_cli.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(out: Path):
    """Écrit l'offre (formations et sessions) au format LHEO 2.3 dans OUT."""
    from app.lheo.export import export_formations, formations_for_export

    document = export_formations(formations_for_export(db.session))
    out.write_bytes(document)
    click.echo(f"Export LHEO écrit dans {out}.")
