# Two commands on a fresh machine: `make run` and `make test`. Everything else is for developers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup bench load services-check e2e frontend migrate seed check-deploy security clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static_build/css/portal.css: node_modules/.installed frontend/build.mjs $(wildcard frontend/*.scss)
	node frontend/build.mjs

frontend: static_build/css/portal.css

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

setup: $(VENV)/.installed frontend migrate

# Links in emails and files follow the default Site: point it at the address served here first.
run: setup seed
	$(PY) manage.py set_default_site $(HOST) $(PORT)
	@echo "Serving http://$(HOST):$(PORT)/ (the Wagtail admin is at /admin/). Press Ctrl+C to stop."
	$(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs on every core (pytest-xdist; each worker has its own test database).
TEST_WORKERS ?= auto
# Test databases are copied from one migrated template kept here (tests/conftest.py), instead of each
# pytest process migrating its own; the copy is remade whenever the code or the packages change.
export PORTAL_TEST_DB_TEMPLATES ?= $(CURDIR)/var/test-db-templates
# The reading-age test runs first, on its own, so its table of scores is printed.
READING_AGE := tests/portal/test_reading_age.py
test: setup
	$(PY) -m pytest $(READING_AGE) -p no:xdist -q -s -p no:cacheprovider
	$(PY) -m pytest -m "not e2e and not needs_worker" -n $(TEST_WORKERS) --ignore=$(READING_AGE) $(PYTEST_ARGS)

# Two browsers at once (each pytest-xdist worker has its own live server and test database).
E2E_WORKERS ?= 2
e2e: setup
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m e2e tests/e2e -n $(E2E_WORKERS) $(PYTEST_ARGS)

# The page figures (cache off and on, beside the bare view), then the other benches on PostgreSQL when
# the local server answers (a database named *bench*, emptied each run), else on SQLite (timings: README).
# BENCH_QUICK=1 for the page figures only (about 2 minutes), BENCH_ALL=1 for every data bench. The load
# run is `make load`, on its own.
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
bench: setup
	@if [ -z "$(BENCH_QUICK)" ] && pg_isready -q -h 127.0.0.1 2>/dev/null; then \
	  createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_POSTGRES_URL)) 2>/dev/null || true; \
	  BENCH_POSTGRES_URL=$(BENCH_POSTGRES_URL) $(PY) bench/run.py; \
	else BENCH_POSTGRES_URL= $(PY) bench/run.py; fi

# locust and the test tools: only for the load run, so `make test` stays lean.
$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

# The load run: LOAD_USERS service users sign in, answer a consultation and vote for LOAD_SECONDS,
# against gunicorn and a Celery worker with the production settings on this machine's PostgreSQL
# (a fresh `portal_load` database) and Redis; fails on any server error or any count that does not
# match what was accepted. See bench/load/run.py.
LOAD_USERS ?= 100
LOAD_SECONDS ?= 120
load: $(VENV)/.bench-installed frontend
	$(PY) bench/load/run.py --users $(LOAD_USERS) --seconds $(LOAD_SECONDS)

# Production settings against this machine's PostgreSQL and Redis (there is no Docker engine here).
services-check: $(VENV)/.installed frontend
	bash .ci/services-check

# bandit fails on any medium or high finding in our code (low ones are printed); pip-audit fails on any
# known vulnerability in the installed packages. Packages the advisory service cannot look up are listed.
security: $(VENV)/.installed
	$(VENV)/bin/bandit -q -r portal consultations governance voting -x '*/migrations/*' --severity-level medium
	$(VENV)/bin/pip-audit --progress-spinner off --vulnerability-service pypi

# As deployed (docker-compose.yml): a shared cache is named, or the check warns (portal.W001).
check-deploy: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=$$(openssl rand -hex 40) \
	  ALLOWED_HOSTS=portal.example.org REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static_build staticfiles db.sqlite3
