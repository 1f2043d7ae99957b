"""Entry point: `python run.py` serves on 127.0.0.1:8080; the `flask` CLI finds app.create_app by itself."""
from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)
