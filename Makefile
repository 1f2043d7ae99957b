# The front door: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-pure test-sqlite test-postgres browser-deps i18n bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

i18n: $(STAMP)
	bash scripts/i18n.sh

# Installs, migrates, loads the demo region and serves on http://127.0.0.1:8080 (SQLite under instance/).
run: $(STAMP) i18n
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/python run.py

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# The whole suite on SQLite, then on PostgreSQL when one answers (CI requires both: .ci/run).
test: $(STAMP) i18n browser-deps
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

test-sqlite: $(STAMP)
	@echo "== Test suite on SQLite =="
	TEST_DATABASE_URL= $(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	@echo "== Test suite on PostgreSQL =="
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python scripts/bench_region.py

clean:
	rm -rf $(VENV) instance
