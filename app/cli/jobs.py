"""`flask jobs worker` (Huey's consumer for this application), `flask jobs list`, `flask jobs run`."""
import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="File des tâches : exports en arrière-plan et tâches de nuit.")


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="Nombre de tâches menées en parallèle (JOBS_WORKERS, 2).")
@click.option("--periodic/--no-periodic", default=True,
              help="Planifier les tâches de nuit (par défaut). Avec plusieurs workers sur une même file, "
                   "un seul les planifie : les autres reçoivent --no-periodic.")
def worker_command(workers, periodic):
    """Exécute les tâches de la file et, à leur heure, les tâches de nuit ; Ctrl-C l'arrête après
    la tâche en cours."""
    from app.jobs import jobs
    from app.logs import configure

    configure(current_app.config["LOG_FORMAT"], current_app.config["LOG_LEVEL"])
    queue = jobs()
    # Huey's consumer runs a scheduler thread that queues each periodic task when it is due: with
    # periodic=False this consumer only runs what is queued (huey_consumer's -n).
    consumer = queue.huey.create_consumer(workers=workers or current_app.config["JOBS_WORKERS"],
                                          worker_type="thread", periodic=periodic)
    consumer.run()


@jobs_cli.command("list")
def list_command():
    """Liste les tâches de nuit et leur horaire (UTC)."""
    from app.jobs.tasks import PERIODIC

    for task in PERIODIC:
        hour, minute = task.schedule.get("hour", "*"), task.schedule.get("minute", "*")
        when = f"{hour:0>2}:{minute:0>2} UTC" if hour != "*" else f"hh:{minute:0>2} UTC"
        click.echo(f"{task.name:<22} {when}  {task.label}")


@jobs_cli.command("run")
@click.argument("name")
def run_command(name):
    """Exécute tout de suite, dans ce processus, la tâche de nuit NAME (voir `flask jobs list`)."""
    from app.jobs.tasks import PERIODIC

    task = next((t for t in PERIODIC if t.name == name), None)
    if task is None:
        raise click.BadParameter(f"tâche inconnue : {name} ({', '.join(t.name for t in PERIODIC)})")
    click.echo(f"{name} : {task.func()!r}")
