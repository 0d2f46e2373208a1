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

.PHONY: install run test lint check browser-deps clean-data

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Ship or Skip needs Python 3.11 or 3.12 on PATH."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Ship or Skip is at http://127.0.0.1:$(PORT)/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser-deps:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "Browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

test: install browser-deps
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
