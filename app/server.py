"""The portal as it runs in production (issue 16 item 1): gunicorn with the repository's
gunicorn.conf.py, and the job queue's worker (`flask jobs worker`) beside it, started and stopped
together. `flask portal serve`, `make serve` and `make run` (run.py) all come here.

Each runs in its own session, so that a Ctrl-C in the terminal reaches this supervisor only, which
then stops both the right way: gunicorn with SIGTERM (running requests end, within its graceful
timeout), the worker with SIGINT (Huey finishes the running task). If either stops by itself, the
other is stopped too and the exit status says so. Plain processes and signals: no Flask here.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 40  # gunicorn's graceful_timeout (30 s) plus its own stop
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def web_command(bind: str | None = None) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    if bind:
        command += ["--bind", bind]
    return command + ["wsgi:app"]


def worker_command(periodic: bool = True) -> list[str]:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"]
    return command if periodic else command + ["--no-periodic"]


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop(signum)


def _stop(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)


def _wait(processes, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(bind: str | None = None, worker: bool = True, periodic: bool = True, echo=print) -> int:
    """Runs gunicorn (and the worker) until a signal or until one of them stops; returns the exit
    status: 0 after a signal, else the status of the process that stopped first."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in STOP_SIGNALS}
    processes = []  # (process, its stop signal)
    status = 0
    try:
        web = subprocess.Popen(web_command(bind), cwd=ROOT, start_new_session=True)
        processes.append((web, signal.SIGTERM))  # gunicorn: SIGTERM = graceful shutdown
        if worker:
            jobs = subprocess.Popen(worker_command(periodic), cwd=ROOT, start_new_session=True)
            processes.append((jobs, signal.SIGINT))  # Huey: SIGINT = finish the running task, then stop
        while True:
            stopped = next((p for p, _ in processes if p.poll() is not None), None)
            if stopped is not None:
                status = stopped.returncode or 1
                name = "serveur web" if stopped is web else "worker de la file des tâches"
                echo(f"Le {name} s'est arrêté (code {stopped.returncode}) : arrêt du reste.")
                break
            time.sleep(0.5)
    except _Stop:
        echo("Arrêt demandé : le serveur web et le worker s'arrêtent.")
    finally:
        for sig in STOP_SIGNALS:  # a second Ctrl-C must not interrupt the stop itself
            signal.signal(sig, signal.SIG_IGN)
        for process, sig in processes:
            _stop(process, sig)
        _wait([p for p, _ in processes], GRACE_SECONDS)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def main() -> None:
    """`python run.py`: the demo on PORTAL_BIND (127.0.0.1:8080) with its worker."""
    os.chdir(ROOT)
    sys.exit(serve())
