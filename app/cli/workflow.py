"""`flask workflow purge-drafts` and `flask workflow archive-ended` (nightly)."""
import click
from flask.cli import AppGroup

from app.extensions import db

workflow_cli = AppGroup("workflow", help="Tâches planifiées du circuit de validation.")


@workflow_cli.command("purge-drafts")
def purge_drafts_command():
    """Supprime les brouillons de modification et les formations en cours de création jamais soumis
    depuis 14 jours (G3)."""
    from app.workflow.purge import purge_drafts

    click.echo(f"{purge_drafts(db.session)} brouillon(s) ou formation(s) en cours de création non soumis "
               "supprimé(s).")


@workflow_cli.command("archive-ended")
def archive_ended_command():
    """Passe les sessions finies à « terminée », et à « archivée » 30 jours après leur fin ; les
    formations diffusées dont toutes les sessions sont finies deviennent « non diffusées » (G1)."""
    from app.workflow.diffusion import withdraw_ended
    from app.workflow.purge import archive_ended

    terminated, archived = archive_ended(db.session)
    withdrawn = withdraw_ended(db.session)
    click.echo(f"{terminated} session(s) terminée(s), {archived} session(s) archivée(s), {withdrawn} formation(s) "
               "devenue(s) non diffusée(s) (toutes leurs sessions sont terminées).")
