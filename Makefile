# The two commands a newcomer needs: `make demo` and `make test`.
# Both create the virtual environment .venv/ and install the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= server,dashboard,dev
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install demo test bench clean lint browser

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: install
	$(VENV)/bin/shelfcast demo $(DEMO_ARGS)

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The dashboard's end-to-end test drives Debian's Chromium (Playwright's own download needs
# network access the CI machines lack). Installed once, as root, only when missing.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

bench: install
	@echo "Benchmarks are run one by one: see benchmarks/RESULTS.md for each command"

clean:
	rm -rf $(VENV) var .pytest_cache

# --- benchmarks: the peers' own environment (statsforecast, mlforecast, LightGBM) -------------
PEERS_VENV := benchmarks/.venv-peers
.PHONY: bench-peers-env
bench-peers-env: $(PEERS_VENV)/.installed

$(PEERS_VENV)/.installed: benchmarks/requirements-peers.txt
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r benchmarks/requirements-peers.txt
	touch $@
