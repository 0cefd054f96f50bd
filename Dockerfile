# syntax=docker/dockerfile:1
# One image for every process of shelfcast: the API (the default command), the dashboard,
# the worker, the simulator and the batch commands; docker-compose.yml picks the command.
# Same install as `make`: the pinned versions of requirements/constraints.txt, the extras
# the processes need (server, dashboard), nothing for development.

ARG PYTHON_VERSION=3.11
# plotly.js's basic build, which the dashboard draws its figures with: the version the pinned
# Python plotly package was made for (`make install` asks plotly; a test keeps these equal).
ARG PLOTLY_JS_VERSION=4.1.1

# --- plotly.js: from the npm registry, as `make install` takes it --------------------------
FROM node:20-bookworm-slim AS plotlyjs
ARG PLOTLY_JS_VERSION
WORKDIR /npm
RUN npm pack --silent "plotly.js-basic-dist-min@${PLOTLY_JS_VERSION}" \
    && tar -xzf "plotly.js-basic-dist-min-${PLOTLY_JS_VERSION}.tgz" package/plotly-basic.min.js

# --- build: the package and its dependencies in a virtualenv, copied whole below ---------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/shelfcast
# The dependencies first, so that a change of the code alone reuses this layer.
COPY pyproject.toml README.md ./
COPY requirements/constraints.txt requirements/constraints.txt
COPY src/ src/
COPY --from=plotlyjs /npm/package/plotly-basic.min.js src/shelfcast/dashboard/static/
RUN /opt/shelfcast/bin/pip install -c requirements/constraints.txt ".[server,dashboard]"

# --- runtime: slim, no compilers, not root --------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
RUN useradd --system --uid 10001 --user-group --create-home shelfcast \
    && mkdir -p /var/lib/shelfcast \
    && chown shelfcast:shelfcast /var/lib/shelfcast
COPY --from=build /opt/shelfcast /opt/shelfcast
ENV PATH=/opt/shelfcast/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SHELFCAST_HOME=/var/lib/shelfcast \
    DJANGO_SETTINGS_MODULE=shelfcast.server.settings.production \
    LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/shelfcast
# The workspace: models, uploads, forecasts (the database is PostgreSQL's, elsewhere).
VOLUME ["/var/lib/shelfcast"]
EXPOSE 8000 8501
# The API's health; the dashboard and the worker override it (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health/', timeout=4).status != 200)"]
ENTRYPOINT ["shelfcast"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
