"""Entry point of `make run`: `python run.py` serves the portal on 127.0.0.1:8080 (PORTAL_BIND) through
gunicorn, as in production (gunicorn.conf.py), with the job queue's worker (`flask jobs worker`)
beside it; Ctrl-C stops both (app/server.py). `flask portal serve` does the same. WSGI servers and
the `flask` command load the application from wsgi.py."""
from app.server import main

if __name__ == "__main__":
    main()
