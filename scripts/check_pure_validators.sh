#!/usr/bin/env bash
# The business rules (app/validators) run without Flask, FAB, SQLAlchemy or a database: their tests
# (tests/validators) are run in a throw-away venv holding nothing but pytest.
#
#   bash scripts/check_pure_validators.sh        (PYTHON=python3.11 to choose the interpreter)
#
# tests/conftest.py builds the application; --confcutdir=tests/validators stops pytest's conftest
# search at tests/validators/conftest.py, so it is not loaded. Only pytest and hypothesis (the
# property tests) are installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
PINS="$(grep -E '^(pytest|hypothesis)==' "$ROOT/requirements-dev.txt")"  # the test tools, as pinned

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pure-validators.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" -m venv "$WORK/venv"
# shellcheck disable=SC2086
"$WORK/venv/bin/python" -m pip install --quiet $PINS

cd "$ROOT"
# Python imports a package's parent first: `import app.validators` runs app/__init__.py.
if ! "$WORK/venv/bin/python" -c "import app.validators" 2>"$WORK/import.err"; then
  echo "FAILED: 'import app.validators' needs a package the bare venv does not have:" >&2
  tail -n 1 "$WORK/import.err" >&2
  echo "Python runs app/__init__.py before app/validators: it must stay free of Flask imports" >&2
  echo "(the factory lives in app/factory.py), and app/validators imports only the standard library." >&2
  exit 2
fi

# PURE_VALIDATORS=1: tests/validators/conftest.py stops the run if a framework got imported anyway.
# pytest.ini's warning filters name sqlalchemy, which is not installed here: replaced by the plain one.
PURE_VALIDATORS=1 "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider \
  -o filterwarnings=ignore::DeprecationWarning --confcutdir=tests/validators tests/validators "$@"
