# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev lint bench replay scale-test screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Set up a virtualenv, migrate and seed the SQLite database in instance/, serve on 127.0.0.1:$${PORT:-5000}
demo: $(VENV)/.installed
	$(BIN)/pbvote demo

## Install test dependencies and run the whole suite
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check pbvote tests benchmarks scripts

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/tally.py

## Replay a pabulib file through gunicorn and the JSON API: make replay PB=FILE.pb DB=sqlite|postgresql
replay: $(VENV)/.installed
	@test -n "$(PB)" || { echo "usage: make replay PB=FILE.pb DB=sqlite|postgresql"; exit 2; }
	$(BIN)/python benchmarks/replay.py "$(PB)" --db $(or $(DB),sqlite) $(REPLAY_ARGS)

## Two gunicorns on one PostgreSQL database and one Redis (127.0.0.1:6379, database 13): sessions, sign-out,
## rate limits, racing ballots and concurrent ticks across servers. PBVOTE_TEST_DATABASE_URL defaults to local PG.
scale-test: $(VENV)/.installed-dev
	PBVOTE_TEST_DATABASE_URL="$${PBVOTE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}" \
	PBVOTE_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q tests/load/test_two_servers.py -k postgresql $(PYTEST_ARGS)

## Screenshots of the demo's main pages at 390 and 1280 px (Chromium) into docs/screenshots/
screenshots: $(VENV)/.installed-dev
	$(BIN)/python scripts/screenshots.py $(SCREENSHOTS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
