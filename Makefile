# make serve: build the knowledge base from data/ and browse it in Datasette.
# make test:  run the test suite.
# Both create .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= build/kb.db
HOST   ?= 127.0.0.1
PORT   ?= 8001

.PHONY: serve build test clean vendor-js

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(BIN)/.installed
	$(BIN)/kb build --db $(DB)

serve: build
	$(BIN)/kb serve --db $(DB) --metadata metadata.yml --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

clean:
	rm -rf build .pytest_cache

# Refresh the vendored Cytoscape.js from the npm registry (needs npm); see kb/web/static/vendor/README.md.
CYTOSCAPE_VERSION ?= 3.34.4
vendor-js:
	cd $$(mktemp -d) && npm pack cytoscape@$(CYTOSCAPE_VERSION) && tar xzf cytoscape-$(CYTOSCAPE_VERSION).tgz \
	  && cp package/dist/cytoscape.min.js $(CURDIR)/kb/web/static/vendor/cytoscape-$(CYTOSCAPE_VERSION).min.js \
	  && cp package/LICENSE $(CURDIR)/kb/web/static/vendor/cytoscape-LICENSE
