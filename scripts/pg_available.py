"""Exit 0 when the PostgreSQL database of the URL given as argument answers, else 1."""
import sys

from sqlalchemy import create_engine, text

try:
    with create_engine(sys.argv[1], connect_args={"connect_timeout": 3}).connect() as connection:
        connection.execute(text("SELECT 1"))
except Exception as error:  # noqa: BLE001 - any failure means "not available"
    print(f"PostgreSQL unavailable: {error.__class__.__name__}", file=sys.stderr)
    sys.exit(1)
