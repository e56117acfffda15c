# The two commands a newcomer needs: `make demo` and `make test`. Everything installs itself.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test bench up install frontend browser lint typecheck importlint pytest lock clean

# --- installation (idempotent: stamps re-run a step only when its inputs change) ---
$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

# The sandbox engine compiled with mypyc (sandbox/build_engine.py): a no-op when the build matches
# the sources; if it cannot be built, the engine runs from source and this says so.
install: $(VENV)/.installed
	@$(BIN)/python -m sandbox.build_engine || true

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/tsconfig.json -type f 2>/dev/null)
	cd frontend && npm run --silent build

frontend: frontend/dist/index.html

# --- the product ---
# The local settings choose the embedded mode (SQLite, in-memory layers, eager Celery) when
# REDIS_URL and DATABASE_URL are unset, so unset them even if the shell exports them.
demo: install frontend
	@mkdir -p var
	env -u REDIS_URL -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.local PORT=$(PORT) \
	  $(BIN)/python manage.py run_demo

# The real topology (web, worker, beat, sandbox) on the local PostgreSQL and Redis, through the
# Procfile. The database DATABASE_URL names is created if missing, then migrated once.
UP_ENV = DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kalshi_bots} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0}
up: install frontend
	@mkdir -p var
	$(UP_ENV) $(BIN)/python manage.py create_database
	$(UP_ENV) $(BIN)/python manage.py migrate --noinput
	$(UP_ENV) PORT=$(PORT) $(BIN)/honcho start

# --- checks ---
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

importlint: install
	$(BIN)/lint-imports

# Browser tests run in their own invocation: Playwright's sync API holds an event loop in the
# test thread, which the asyncio tests must not share.
pytest: install frontend browser
	$(BIN)/pytest
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest tests/e2e -o addopts="-ra --strict-markers"

# Debian's chromium for the browser tests (Playwright cannot download its own browsers here).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q chromium >/dev/null; } \
	  || echo "chromium is missing and cannot be installed without root: browser tests will be skipped"

test: lint typecheck importlint pytest

bench: install
	@mkdir -p var
	$(BIN)/pytest tests/perf -p no:cacheprovider -q -o addopts="" --timeout=1800

lock: install
	$(BIN)/pip freeze --exclude-editable | (echo "# Pinned versions the Makefile installs with (pip install -c). Regenerate: make lock"; cat) > requirements.lock

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var .mypy_cache .ruff_cache .pytest_cache \
	  sandbox/engine/_compiled
