"""WSGI entry point: `flask` (run from the project root) and WSGI servers load `wsgi:app`."""
from app.factory import create_app

app = create_app()
