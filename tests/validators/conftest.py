"""The pure rule tests (app/validators): no application, no database, no fixture of tests/conftest.py.

pytest loads every conftest.py from the rootdir down to the tests it runs, so a plain
`pytest tests/validators` also loads tests/conftest.py, which builds the Flask application. To run
these tests on their own, stop the conftest search here:

    python -m pytest tests/validators --confcutdir=tests/validators

(`--noconftest` would also skip this file.) scripts/check_pure_validators.sh runs them that way in
a venv holding nothing but pytest, which proves that app/validators needs neither Flask nor a
database.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # pytest.ini's `pythonpath = .` does this when it is the inifile
    sys.path.insert(0, str(ROOT))

# Packages the rules must never need.
FRAMEWORKS = ("flask", "flask_appbuilder", "sqlalchemy")


def pytest_collection_finish(session: pytest.Session) -> None:
    """With PURE_VALIDATORS=1 (set by the script), stop when collecting the tests has imported a
    web framework or the ORM: some module imported by app.validators (app/__init__.py, today)
    still pulls them in."""
    loaded = [name for name in FRAMEWORKS if name in sys.modules]
    if loaded and os.environ.get("PURE_VALIDATORS") == "1":
        pytest.exit("importing app.validators loaded " + ", ".join(loaded), returncode=3)
