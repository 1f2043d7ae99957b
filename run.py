"""Entry point: `python run.py` serves on 127.0.0.1:8080 (what `make run` does); the `flask` CLI
finds app.create_app by itself. The server does not name Werkzeug or Python in its answers."""
from app.factory import create_app
from app.security.headers import QuietRequestHandler

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080, request_handler=QuietRequestHandler)
