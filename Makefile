# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev lint bench replay scale-test screenshots messages catalogues clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# Translations: the .po catalogues are committed; the .mo files pages are served from are built from them here.
LOCALES := cy pl
CATALOGUES := $(foreach locale,$(LOCALES),pbvote/translations/$(locale)/LC_MESSAGES/messages.mo)

pbvote/translations/%/LC_MESSAGES/messages.mo: pbvote/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics --use-fuzzy -l $* -i $< -o $@ 2>&1 | grep -v '^compiling' || true
	@test -s $@

catalogues: $(CATALOGUES)

## Extract every translatable string into messages.pot and merge it into the catalogues (then translate them)
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords _l --keywords _n:1,2 --keywords counted:2,3 \
		--ignore-dirs ".* __pycache__" \
		--no-location --sort-output --project pbvote --copyright-holder "pbvote" \
		--output-file pbvote/translations/messages.pot .
	for locale in $(LOCALES); do \
		$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -l $$locale -d pbvote/translations \
			-i pbvote/translations/messages.pot; \
	done

install: $(VENV)/.installed $(CATALOGUES)
install-dev: $(VENV)/.installed-dev $(CATALOGUES)

## Set up a virtualenv, migrate and seed the SQLite database in instance/, serve on 127.0.0.1:$${PORT:-5000}
demo: $(VENV)/.installed $(CATALOGUES)
	$(BIN)/pbvote demo

## Install test dependencies and run the whole suite
test: $(VENV)/.installed-dev $(CATALOGUES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check pbvote tests benchmarks scripts

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/tally.py

## Replay a pabulib file through gunicorn and the JSON API: make replay PB=FILE.pb DB=sqlite|postgresql
replay: $(VENV)/.installed $(CATALOGUES)
	@test -n "$(PB)" || { echo "usage: make replay PB=FILE.pb DB=sqlite|postgresql"; exit 2; }
	$(BIN)/python benchmarks/replay.py "$(PB)" --db $(or $(DB),sqlite) $(REPLAY_ARGS)

## Two gunicorns on one PostgreSQL database and one Redis (127.0.0.1:6379, database 13): sessions, sign-out,
## rate limits, racing ballots and concurrent ticks across servers. PBVOTE_TEST_DATABASE_URL defaults to local PG.
scale-test: $(VENV)/.installed-dev $(CATALOGUES)
	PBVOTE_TEST_DATABASE_URL="$${PBVOTE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}" \
	PBVOTE_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q tests/load/test_two_servers.py -k postgresql $(PYTEST_ARGS)

## Screenshots of the demo's main pages at 390 and 1280 px (Chromium) into docs/screenshots/
screenshots: $(VENV)/.installed-dev $(CATALOGUES)
	$(BIN)/python scripts/screenshots.py $(SCREENSHOTS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
