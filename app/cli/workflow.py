"""`flask workflow purge-drafts` and `flask workflow archive-ended` (nightly)."""
import click
from flask.cli import AppGroup

from app.extensions import db

workflow_cli = AppGroup("workflow", help="Tâches planifiées du circuit de validation.")


@workflow_cli.command("purge-drafts")
def purge_drafts_command():
    """Supprime les brouillons de modification non soumis depuis 14 jours."""
    from app.workflow.purge import purge_drafts

    click.echo(f"{purge_drafts(db.session)} brouillon(s) non soumis supprimé(s).")


@workflow_cli.command("archive-ended")
def archive_ended_command():
    """Passe les sessions finies à « terminée », et à « archivée » 30 jours après leur fin."""
    from app.workflow.purge import archive_ended

    terminated, archived = archive_ended(db.session)
    click.echo(f"{terminated} session(s) terminée(s), {archived} session(s) archivée(s).")
