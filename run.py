"""Entry point: `python run.py` serves on 127.0.0.1:8080 (what `make run` does) with the job
queue's worker (`flask jobs worker`) as a child process; Ctrl-C stops both. The `flask` CLI finds
app.create_app by itself. The server does not name Werkzeug or Python in its answers."""
import signal
import subprocess
import sys
from pathlib import Path

from app.factory import create_app
from app.security.headers import QuietRequestHandler

ROOT = Path(__file__).resolve().parent
GRACE_SECONDS = 10  # a task running at Ctrl-C may finish within this

app = create_app()


def start_worker() -> subprocess.Popen:
    """The worker in its own process: its own application (one per process, FAB-NOTES G6)."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT)


def stop_worker(worker: subprocess.Popen, interrupted: bool) -> None:
    """After Ctrl-C the worker got the SIGINT too and finishes its task; otherwise it is stopped now."""
    if interrupted:
        try:
            worker.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    if worker.poll() is None:
        worker.terminate()  # Huey stops at once on SIGTERM
        try:
            worker.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)  # so that the worker is stopped too


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    worker = start_worker()
    interrupted = False
    try:
        app.run(host="127.0.0.1", port=8080, request_handler=QuietRequestHandler)
        interrupted = True  # Werkzeug returns on Ctrl-C (it swallows the KeyboardInterrupt)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stop_worker(worker, interrupted)
