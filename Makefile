# The README's two commands are `make run` and `make test`; the rest are conveniences.
# Both start from nothing but Python 3.11+: the virtualenv is created on first use and
# the project is reinstalled only when pyproject.toml is newer than the stamp file.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

export HOST PORT VENV

.DEFAULT_GOAL := help
.PHONY: help run test lint typecheck format migrations-check compose-check bench screenshots shell clean distclean

help:
	@echo "make run               set up, load the article questions, serve http://$(HOST):$(PORT)/ with a worker"
	@echo "make test              lint, type-check, check migrations and the compose file, run the tests"
	@echo "make lint              ruff check + ruff format --check + the import contracts"
	@echo "make typecheck         mypy (configured in pyproject.toml)"
	@echo "make format            ruff format + ruff check --fix"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make compose-check     validate docker-compose.yml against the compose spec"
	@echo "make bench             run the benchmarks in bench/"
	@echo "make screenshots       run the browser tests and refresh the README's screenshots"
	@echo "make shell             Django shell"
	@echo "make clean             remove caches, build output and test artifacts (keeps var/ and .venv)"
	@echo "make distclean         clean, and remove .venv and var/ (the database!)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Foreseer needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; \
		echo "Use another interpreter: make PYTHON=python3.12 ..." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e .
	@touch $@

# The test extra is a superset of the base install, so it satisfies `make run` too.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	@bin/run

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(RUN_STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

compose-check: $(TEST_STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# Benchmarks print numbers; they are not part of the test run.
# Scripts named _*.py are helpers the benchmarks share. The database benchmarks use
# BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/foreseer_bench) and
# BENCH_BROKER_URL (default redis://127.0.0.1:6379/7).
bench: $(RUN_STAMP)
	@set -e; found=0; for script in bench/[!_]*.py; do \
		[ -f "$$script" ] || continue; found=1; \
		echo "== $$script"; PYTHONPATH=$(CURDIR) $(BIN)/python "$$script"; \
	done; [ $$found = 1 ] || echo "No benchmarks in bench/ yet."

# The README's pictures: the browser tests save every main page under
# test-artifacts/screenshots/; these are copied to docs/screenshots/.
README_SCREENSHOTS := question resolution-queue calibration-laptop discussion \
	resolved-headline-top-1280 profile-laptop
screenshots: $(TEST_STAMP)
	REQUIRE_BROWSER=1 $(BIN)/python -m pytest -p no:cacheprovider -q tests/browser
	@mkdir -p docs/screenshots
	@for name in $(README_SCREENSHOTS); do \
		cp test-artifacts/screenshots/$$name.png docs/screenshots/$$name.png; \
		echo "docs/screenshots/$$name.png"; \
	done

shell: $(RUN_STAMP)
	$(BIN)/python manage.py shell

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache .hypothesis build *.egg-info test-artifacts test-results
	rm -rf var/test-celery-broker var/static

distclean: clean
	rm -rf $(VENV) var
