# The front door: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := app/static/vendor
ASSETS := $(VENDOR)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run serve load backup-check test test-pure test-sqlite test-postgres assets node-deps browser-deps i18n bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

i18n: $(STAMP)
	bash scripts/i18n.sh

# Front-end packages from the npm registry, as locked in package-lock.json; only the files the pages
# and the tests load are copied into app/static/vendor/ (generated, git-ignored).
$(ASSETS): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory node-deps
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/quill/dist/quill.js node_modules/quill/dist/quill.snow.css node_modules/axe-core/axe.min.js $(VENDOR)/
	touch $(ASSETS)

assets: $(ASSETS)

# The demo region is Normandie (seed 001): its INSEE code and its Carif-Oref's prefix (04_150755S).
# A deployment sets its own; without them the portal says so and makes no partner flow (app/region.py).
DEMO_REGION = REGION_CODE=$${REGION_CODE:-28} REGION_PREFIX=$${REGION_PREFIX:-04}

# Installs, migrates, loads the demo region and serves on http://127.0.0.1:8080 (SQLite under instance/)
# through gunicorn with the job worker, as `make serve` does (run.py → app/server.py).
run: $(STAMP) i18n assets
	$(DEMO_REGION) $(BIN)/flask db upgrade
	$(DEMO_REGION) $(BIN)/flask demo load
	$(DEMO_REGION) $(BIN)/python run.py

# Production (docs/deploiement.md): gunicorn (gunicorn.conf.py) and the job worker, configured by the
# environment (DATABASE_URL, SECRET_KEY, REGION_*, …); the schema is migrated beforehand, once per
# release (`flask db upgrade`), not here: several servers would migrate at once.
serve: $(STAMP) i18n assets
	$(BIN)/flask portal serve

# The guide's backup and restore, proven on the local PostgreSQL (CI runs it after the tests).
backup-check: $(STAMP) i18n
	bash scripts/backup_restore_check.sh

# Node.js and npm from Debian when the machine has none (only `make assets` uses them).
node-deps:
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm >/dev/null; fi; }

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# The whole suite on SQLite, then on PostgreSQL when one answers (CI requires both: .ci/run).
test: $(STAMP) i18n assets browser-deps
	$(MAKE) --no-print-directory test-pure
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python scripts/pg_available.py "$(PG_TEST_URL)"; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else \
	  echo "PostgreSQL is not reachable at $(PG_TEST_URL): PostgreSQL run SKIPPED (SQLite run passed)."; \
	  test -z "$$REQUIRE_POSTGRES"; \
	fi

# The business rules' tests in a bare venv (pytest and hypothesis only): no Flask, no database.
test-pure:
	@echo "== Business rules without Flask (bare virtual environment) =="
	PYTHON=$(PYTHON) bash scripts/check_pure_validators.sh

test-sqlite: $(STAMP) assets
	@echo "== Test suite on SQLite =="
	TEST_DATABASE_URL= $(BIN)/python -m pytest -q

test-postgres: $(STAMP) assets
	@echo "== Test suite on PostgreSQL =="
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q

# 50 users for 5 minutes against gunicorn on PostgreSQL at regional scale, on loopback (scripts/load_test.py;
# LOAD_DATABASE_URL, LOAD_USERS, LOAD_DURATION): p50/p95/p99 per page, errors, rate, lost updates.
load: $(STAMP) i18n assets
	$(DEMO_REGION) $(BIN)/python scripts/load_test.py

bench: $(STAMP)
	$(DEMO_REGION) $(BIN)/python scripts/bench_region.py

clean:
	rm -rf $(VENV) instance node_modules $(VENDOR)
