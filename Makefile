# Aula — two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e shared -e services/webhook-gateway -e services/moderation-worker -e services/stats-worker \
            -e services/catalog-api -e tools/tgsim
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench services clean lock messages-extract messages-update messages-compile

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python constraints.txt requirements-dev.txt shared/pyproject.toml services/*/pyproject.toml tools/tgsim/pyproject.toml
	$(BIN)/pip install --quiet -c constraints.txt $(PACKAGES) -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) messages-compile

## Texts (README "Texts and translations"): find the sources' messages, merge them into the it/en .po files,
## compile the .mo files the services load (git-ignored, so `install` compiles them on every clone).
messages-extract: $(STAMP)
	$(BIN)/python scripts/messages.py extract

messages-update: $(STAMP)
	$(BIN)/python scripts/messages.py update

messages-compile: $(STAMP)
	@$(BIN)/python scripts/messages.py compile

## Run the whole platform in the foreground (embedded default unless REDIS_URL/DATABASE_URL are set).
run: install
	$(BIN)/aula db upgrade
	$(BIN)/aula run

## Lint, format check, import contracts, and the whole test suite against real PostgreSQL, Redis and Celery.
test: install
	bash scripts/ensure-services.sh
	bash scripts/ensure-browser.sh $(BIN)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: install
	bash scripts/ensure-services.sh
	bash scripts/ensure-wrk.sh
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-pin every dependency after changing a pyproject.toml: `make lock`, then commit constraints.txt.
lock: $(BIN)/python
	$(BIN)/pip install --quiet $(PACKAGES) -r requirements-dev.txt
	$(BIN)/pip freeze --exclude-editable | grep -v '^aula-' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
