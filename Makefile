# Ship or Skip. `make run` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The first of these that is Python 3.11 or 3.12 builds the virtualenv.
PYTHON ?= $(shell for p in python3 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' 2>/dev/null && { echo $$p; break; }; done)
PYTEST_ARGS ?=

# Development defaults; production sets its own (see .env.example).
export DJANGO_DEBUG ?= true

.PHONY: install run serve test lint check check-deploy browser-deps node-deps lighthouse backup restore faults cluster-test bench bench-quick clean-data

# The production stack on this machine: DEBUG off, gunicorn, hashed and compressed static files.
# Plain HTTP on loopback, so no HTTPS redirect; everything else is as in production.
SECRET_KEY_FILE := .data/secret-key
PROD_ENV = DJANGO_DEBUG=false DJANGO_SECRET_KEY="$$(cat $(SECRET_KEY_FILE))" \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_SECURE_SSL_REDIRECT=false

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Ship or Skip needs Python 3.11 or 3.12 on PATH."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,embedded]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Ship or Skip is at http://127.0.0.1:$(PORT)/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

$(SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

serve: install $(SECRET_KEY_FILE)
	$(PROD_ENV) $(BIN)/python manage.py migrate --noinput
	$(PROD_ENV) $(BIN)/python manage.py load_demo
	$(PROD_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Ship or Skip (production settings) is at http://127.0.0.1:$(PORT)/"
	$(PROD_ENV) GUNICORN_BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py shipskip.wsgi

check-deploy: install
	DJANGO_DEBUG=false DJANGO_SECRET_KEY="$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		DJANGO_ALLOWED_HOSTS=shiporskip.example $(BIN)/python manage.py check --deploy --fail-level WARNING

# pg_dump custom format into backups/ (FILE=... to choose); `make restore FILE=...` replaces the
# database's contents with a backup.
backup: install
	$(BIN)/python manage.py backup $(if $(FILE),--output $(FILE))

restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/<file>.dump"; exit 1; }
	$(BIN)/python manage.py restore $(FILE)

# Faults against the production stack on a private PostgreSQL: a database restart and a SIGTERM
# to gunicorn, both under load; no vote lost or doubled (report in bench/out/faults.json).
faults: install
	$(BIN)/python scripts/faults.py

# Two gunicorn nodes behind nginx, Redis, a PostgreSQL primary and a pg_basebackup streaming
# replica, all on loopback: nothing a visitor does depends on which node answers (about 30 s;
# report in docs/cluster-test.md).
cluster-test: install
	$(BIN)/python scripts/cluster_test.py

# Throughput, latency, queries and memory of every page against the liveness ceiling.
bench: install
	$(BIN)/python bench/run.py

bench-quick: install
	$(BIN)/python bench/run.py --quick

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser-deps:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "Browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

# npm packages pinned in package-lock.json: axe-core for the browser tests, Lighthouse for
# `make lighthouse`. Installed again only when node_modules is missing or the lock file changed.
node-deps: node_modules/.installed

node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "The browser tests need Node.js 20 and npm on PATH."; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

# Lighthouse (mobile) on the production stack: home, directory, a tool, a comparison; every
# score at least 95. Writes docs/lighthouse.md and docs/lighthouse.json.
lighthouse: install browser-deps node-deps
	$(BIN)/python scripts/lighthouse.py

test: install browser-deps node-deps
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

# Removes the embedded PostgreSQL's data folder (the demo database with it).
clean-data:
	rm -rf .data
