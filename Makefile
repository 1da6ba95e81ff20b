# make serve: build the knowledge base from data/ and browse it in Datasette.
# make test:  run the test suite.
# Both create .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= build/kb.db
HOST   ?= 127.0.0.1
PORT   ?= 8001

.PHONY: serve build test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(BIN)/.installed
	$(BIN)/kb build --db $(DB)

serve: build
	$(BIN)/datasette serve $(DB) --metadata metadata.yml --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

clean:
	rm -rf build .pytest_cache
