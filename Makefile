# The two commands a newcomer needs: `make demo` and `make test`.
# Both create the virtual environment .venv/ and install the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PLOTLY_JS := src/shelfcast/dashboard/static/plotly-basic.min.js
EXTRAS ?= server,dashboard,dev,spark
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install demo test bench clean lint browser

install: $(STAMP) $(PLOTLY_JS)

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

# plotly.js's basic build (scatter, bar and pie traces: what the dashboard draws), which the
# dashboard serves and draws its figures with (dashboard/charts.py): 1.2 MB against the 4.6 MB
# of every trace type in Streamlit's own Plotly element. From the npm registry, at the version
# the installed Python plotly package was made for; fetched again after each reinstall. Without
# npm or the registry the dashboard still works, drawing its figures with Streamlit's Plotly
# element (slower), and tests/dashboard/test_charts.py fails saying the file is missing.
$(PLOTLY_JS): $(STAMP)
	@mkdir -p $(@D)
	@version=$$($(PY) -c "from plotly.offline import get_plotlyjs_version as v; print(v())") && \
	packs=$$(mktemp -d) && \
	{ npm pack --silent --loglevel=error --pack-destination $$packs \
		plotly.js-basic-dist-min@$$version >/dev/null && \
	  tar -xzf $$packs/plotly.js-basic-dist-min-$$version.tgz -O package/plotly-basic.min.js \
		> $@.part && mv $@.part $@ && echo "fetched plotly.js $$version (basic) into $@" || \
	  { rm -f $@.part; echo "could not fetch plotly.js-basic-dist-min@$$version with npm:" \
		"the dashboard draws its figures with Streamlit's own Plotly element"; }; }; \
	rm -rf $$packs

demo: install
	$(VENV)/bin/shelfcast demo $(DEMO_ARGS)

test: install browser airflow-env jdbc-drivers redis compose-schema
	$(PY) -m pytest $(PYTEST_ARGS)

# The dashboard's end-to-end test drives Debian's Chromium (Playwright's own download needs
# network access the CI machines lack). Installed once, as root, only when missing.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The live tests run the Channels layer on a real Redis (Debian's redis-server, started by the
# tests on a free port). Installed once, as root, only when missing.
.PHONY: redis
redis:
	@test -x /usr/bin/redis-server || { apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# The Compose specification's JSON schema, which tests/deploy/ validates docker-compose.yml
# against, as a package registry ships it: inside the docker-compose 1.29.2 wheel on PyPI
# (compose/config/compose_spec.json, Apache-2.0). Fetched once, only the wheel, not installed.
COMPOSE_SCHEMA := $(VENV)/share/compose-spec/compose_spec.json
.PHONY: compose-schema
compose-schema: $(COMPOSE_SCHEMA)

$(COMPOSE_SCHEMA): | $(STAMP)
	mkdir -p $(@D)
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --dest $(@D) \
		docker-compose==1.29.2
	$(PY) -c "import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read('compose/config/compose_spec.json'))" \
		$(@D)/docker_compose-1.29.2-py2.py3-none-any.whl $@

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

# --- the Airflow DAG's test: Airflow in its own environment (not a dependency of the package) ---
AIRFLOW_VENV := deploy/airflow/.venv
.PHONY: airflow-env
airflow-env: $(AIRFLOW_VENV)/.installed

$(AIRFLOW_VENV)/.installed: deploy/airflow/requirements.txt
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r deploy/airflow/requirements.txt
	touch $@

# --- Spark's JDBC ingest (shelfcast.spark): Debian's PostgreSQL and jTDS (SQL Server) drivers, ---
# since no Maven repository is reachable. Jars land in /usr/share/java/; installed once, as root.
.PHONY: jdbc-drivers
jdbc-drivers:
	@test -f /usr/share/java/postgresql.jar -a -f /usr/share/java/jtds.jar || { apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpostgresql-jdbc-java libjtds-java >/dev/null; }
