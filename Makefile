# unioncat: `make run` serves the demo catalog, `make test` runs everything.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# libsqlite3-dev: headers for search/_rank.c (bm25 with remembered row sizes)
DEBIAN_PACKAGES := yaz idzebra-2.0 idzebra-2.0-examples libyaz-dev libsqlite3-dev
OPENSEARCH_PORT ?= 9250
PYTEST_ARGS ?=

.PHONY: install run demo serve test check lint typecheck system-deps opensearch opensearch-stop bench clean

$(STAMP): pyproject.toml setup.py search/_rank.c normalizers/_marcxml.c normalizers/_iso2709.c z3950/_ber.c
	@command -v python3 >/dev/null || { echo "Python 3.11+ is needed"; exit 1; }
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Load the bundled demo network (idempotent) and serve on http://127.0.0.1:8000
run: install
	$(VENV)/bin/unioncat demo
	$(VENV)/bin/unioncat serve

demo: install
	$(VENV)/bin/unioncat demo

serve: install
	$(VENV)/bin/unioncat serve

# Debian packages the tests drive for real: yaz-client/zoomsh (SRU, Z39.50), Zebra (reference).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy

check: lint typecheck

# A real OpenSearch 2.19 node from Maven Central artifacts on 127.0.0.1:$(OPENSEARCH_PORT).
opensearch:
	OPENSEARCH_DEV_PORT=$(OPENSEARCH_PORT) deploy/opensearch-dev/start.sh

opensearch-stop:
	OPENSEARCH_DEV_PORT=$(OPENSEARCH_PORT) deploy/opensearch-dev/stop.sh

# The whole suite: lint, types, and every test against both search engines.
test: system-deps install
	$(MAKE) --no-print-directory check
	@url=$$(OPENSEARCH_DEV_PORT=$(OPENSEARCH_PORT) OPENSEARCH_DEV_FRESH=1 deploy/opensearch-dev/start.sh | tail -n 1) || { \
	  echo "could not start the OpenSearch test node; see its log above"; exit 1; }; \
	status=0; UNIONCAT_TEST_OPENSEARCH_URL=$$url $(VENV)/bin/pytest -q $(PYTEST_ARGS) || status=$$?; \
	OPENSEARCH_DEV_PORT=$(OPENSEARCH_PORT) deploy/opensearch-dev/stop.sh || true; \
	exit $$status

bench: system-deps install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
