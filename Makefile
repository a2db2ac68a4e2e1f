# Liaison — two commands: `make run` (serve on SQLite with the sample drafts) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup install bench clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## Migrate the embedded SQLite database, import drafts/ (new ones published), make sure an admin exists.
setup: $(STAMP)
	$(BIN)/liaison migrate
	$(BIN)/liaison drafts import --publish drafts/
	$(BIN)/liaison users ensure-admin

## Serve http://127.0.0.1:8000 on SQLite (var/liaison.sqlite3) with the sample drafts loaded.
run: setup
	$(BIN)/liaison serve --no-migrate

## The whole test suite (set LIAISON_TEST_POSTGRES=1 to run database tests on PostgreSQL too).
test: $(STAMP)
	bin/ensure-chromium
	$(BIN)/python -m pytest

## Extract the interface's messages into src/liaison/locale/messages.pot and update every locale's catalog.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o src/liaison/locale/messages.pot src/liaison
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i src/liaison/locale/messages.pot -d src/liaison/locale

bench: $(STAMP)
	$(BIN)/python bench/drafts.py

clean:
	rm -rf $(VENV) .pytest_cache
