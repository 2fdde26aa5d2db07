# The two commands a new user runs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app storefront
STAMP := $(VENV)/.installed

.PHONY: run test install translations extract bench

run: install translations
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	$(FLASK) search reindex
	$(FLASK) run --host 127.0.0.1 --port 5000

# One worker per core; a file's tests stay together (some share a module-wide world).
test: install translations
	$(BIN)/pytest -n auto --dist loadfile

# Every performance figure on this machine in one run, each beside its goal (bench/all.py): the
# catalogue at 100,000 products (pages beside the minimal Flask page, search latency, reindex
# time), checkout (needs PostgreSQL, see bench/checkout.py) and the growth report. About 20 minutes
# on a quiet machine; figures to bench/RESULTS.md with the machine, date and load.
bench: install translations
	$(BIN)/python bench/all.py

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

translations: install
	$(BIN)/pybabel -q compile -d storefront/translations

# Refresh the catalogue of translatable strings after changing templates or code.
extract: install
	mkdir -p storefront/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o storefront/translations/messages.pot .
	$(BIN)/pybabel update -i storefront/translations/messages.pot -d storefront/translations --no-fuzzy-matching
