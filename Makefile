# Kuzet: two commands do all set-up on a fresh clone.
#   make demo   create the virtualenv, install, migrate ./var/kuzet.db, create demo users, serve on 127.0.0.1:8000
#   make test   same set-up, then lint, type-check and the whole suite on SQLite and on PostgreSQL
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: demo test setup test-tools lint typecheck test-sqlite test-postgres serve clean bench campaign

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

# The console's front end: npm packages pinned by web/package-lock.json, built into the package's static folder.
CONSOLE := kuzet/console/static/index.html
$(CONSOLE): web/package.json web/package-lock.json web/build.mjs $(shell find web/src -type f 2>/dev/null)
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

setup: $(STAMP) $(CONSOLE)

# Debian tools the tests use, installed with apt when missing: chromium for the browser tests (never a
# downloaded browser) and pdftoppm (poppler-utils) to render the PDF reports.
test-tools:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for the tests:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

demo: setup
	KUZET_MODE=demo $(BIN)/kuzet demo

serve: setup
	$(BIN)/kuzet serve

lint: setup
	$(BIN)/ruff check kuzet tests migrations benchmarks
	$(BIN)/ruff format --check kuzet tests migrations benchmarks

typecheck: setup
	$(BIN)/mypy --strict kuzet

test-sqlite: setup test-tools
	@echo "=== test run 1/2: SQLite ==="
	KUZET_TEST_BACKEND=sqlite $(PY) -m pytest

# Runs on PostgreSQL when it answers; with KUZET_REQUIRE_POSTGRES=1 (as in CI) a missing server is a failure.
test-postgres: setup test-tools
	@if $(PY) -m tests.postgres_available; then \
		echo "=== test run 2/2: PostgreSQL ==="; \
		KUZET_TEST_BACKEND=postgresql $(PY) -m pytest; \
	elif [ "$(KUZET_REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL is required (KUZET_REQUIRE_POSTGRES=1) but not reachable"; exit 1; \
	else \
		echo "=== test run 2/2: PostgreSQL SKIPPED (not reachable; set KUZET_TEST_POSTGRES_URL) ==="; \
	fi

test: lint typecheck test-sqlite test-postgres

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache web/node_modules kuzet/console/static

# Benchmarks are measured, not asserted; they are not part of `make test`.
# The crash and failover campaign (kill -9 of servers and relay, PostgreSQL stopped with -m immediate, under partner
# load): a few minutes, on a private PostgreSQL cluster and on SQLite; counts in test-output/operations/campaign.json.
campaign: setup test-tools
	$(PY) -m pytest -m campaign -p no:cacheprovider tests/operations/test_crash_campaign.py

bench: setup
	$(PY) -m benchmarks.startup
	$(PY) -m benchmarks.partner_intake
	$(PY) -m benchmarks.eta
	$(PY) -m benchmarks.recommend
	$(PY) -m benchmarks.recommend_http
	$(PY) -m benchmarks.avl_ingest
	$(PY) -m benchmarks.analytics
	$(PY) -m benchmarks.handover
	$(PY) -m benchmarks.load
	$(PY) -m benchmarks.cctv_visibility
	$(PY) -m benchmarks.cctv_placement
	$(PY) -m benchmarks.cctv_coverage --database
	$(PY) -m benchmarks.hypercube
	$(PY) -m benchmarks.planning_sim
