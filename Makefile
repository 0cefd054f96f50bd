# The two commands a newcomer needs: `make demo` and `make test`.
# Both create the virtual environment .venv/ and install the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= server,dashboard,dev
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install demo test bench clean lint

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: install
	$(VENV)/bin/shelfcast demo $(DEMO_ARGS)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	@echo "Benchmarks are run one by one; see benchmarks/README.md"

clean:
	rm -rf $(VENV) var .pytest_cache
