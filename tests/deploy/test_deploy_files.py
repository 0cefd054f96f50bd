"""The deployment files, checked as far as this machine can without Docker: the Dockerfile
with hadolint, docker-compose.yml against the Compose specification's JSON schema, the
GitHub workflow with actionlint; and all of them in step with the Makefile, pyproject.toml
and the commands that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer.main
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# `make compose-schema` (a prerequisite of `make test`) takes it from the docker-compose
# 1.29.2 wheel on PyPI.
COMPOSE_SCHEMA = Path(sys.prefix) / "share" / "compose-spec" / "compose_spec.json"
SHELFCAST_SERVICES = ("server", "worker", "dashboard", "simulator")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120,
                          check=False, cwd=ROOT)


# --- the linters ----------------------------------------------------------------------------


def test_the_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    done = _run(BIN / "hadolint", "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr
    # The linter does find the usual mistakes (so a pass above means something).
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nRUN pip install flask\n")
    found = _run(BIN / "hadolint", bad)
    assert found.returncode != 0
    assert {"DL3007", "DL3008", "DL3013"} <= set(re.findall(r"DL\d{4}", found.stdout))


def test_compose_follows_the_compose_specification() -> None:
    assert COMPOSE_SCHEMA.exists(), f"{COMPOSE_SCHEMA} is missing: run `make compose-schema`"
    schema = yaml.safe_load(COMPOSE_SCHEMA.read_text())  # JSON is YAML
    validator = jsonschema.Draft201909Validator(schema)
    compose = _compose()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(compose)]
    assert errors == []
    # The schema does catch a wrong key (so a pass above means something).
    compose["services"]["server"]["helthcheck"] = {"test": ["CMD", "true"]}
    assert not validator.is_valid(compose)


def test_the_workflow_passes_actionlint(tmp_path: Path) -> None:
    done = _run(BIN / "actionlint", ".github/workflows/test.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n"
                   "      - run: echo ${{ github.event.issue.title }}\n        uses: x\n")
    assert _run(BIN / "actionlint", bad).returncode != 0


# --- in step with the Makefile, pyproject.toml and the commands --------------------------------


def test_the_workflow_runs_what_ci_runs() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    ci = (ROOT / ".ci" / "run").read_text()
    for command in ("make test", "make demo DEMO_ARGS=--smoke"):
        assert command in ci and any(command in run for run in runs), command
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:", makefile, re.M)
    assert re.search(r"^test:.*\bcompose-schema\b", makefile, re.M)


def test_the_image_installs_as_make_does() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "-c requirements/constraints.txt" in makefile
    install = re.search(r'pip install -c requirements/constraints.txt "\.\[([a-z,]+)\]"',
                        dockerfile)
    assert install, "the image installs the package with the constraints file"
    extras = set(install.group(1).split(","))
    make_extras = set(re.search(r"^EXTRAS \?= (.+)$", makefile, re.M).group(1).split(","))
    # The processes' extras, by the names pyproject.toml and the Makefile use.
    assert extras == {"server", "dashboard"}
    assert extras <= set(project["optional-dependencies"]) and extras <= make_extras
    version = re.search(r"^ARG PYTHON_VERSION=(\d+\.\d+)$", dockerfile, re.M).group(1)
    assert project["requires-python"] == f">={version}"
    # What the image copies is what .dockerignore lets through.
    allowed = (ROOT / ".dockerignore").read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M):
        for path in source.split():
            assert f"!{path.rstrip('/')}" in allowed.replace("!src/", "!src"), path
    assert re.search(r"^USER \d+:\d+$", dockerfile, re.M), "the image does not run as root"
    assert "HEALTHCHECK" in dockerfile and "/api/health/" in dockerfile


def test_the_image_serves_the_plotly_js_that_make_installs() -> None:
    from plotly.offline import get_plotlyjs_version

    from shelfcast.dashboard import charts

    dockerfile = (ROOT / "Dockerfile").read_text()
    version = re.search(r"^ARG PLOTLY_JS_VERSION=(\S+)$", dockerfile, re.M).group(1)
    assert version == get_plotlyjs_version(), "the version the pinned Python plotly was made for"
    static = charts.PLOTLY_JS.relative_to(ROOT)
    assert re.search(rf"^COPY --from=plotlyjs \S+/{charts.PLOTLY_JS.name} {static.parent}/$",
                     dockerfile, re.M)
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["shelfcast"]
    assert "dashboard/static/*.js" in package_data  # installed with the package, not editable


def _shelfcast_commands() -> dict[str, Any]:
    """``shelfcast``'s commands by name, as its --help lists them."""
    from shelfcast.cli.main import app

    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _options(command: Any) -> set[str]:
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}


def _commands_in_deploy_files() -> list[list[str]]:
    compose = _compose()
    found = [compose["services"][name]["command"] for name in SHELFCAST_SERVICES]
    cmd = re.search(r"^CMD (\[.+\])$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    found.append(yaml.safe_load(cmd))
    return found


@pytest.mark.parametrize("index", range(len(SHELFCAST_SERVICES) + 1))
def test_every_command_in_the_deploy_files_exists(index: int) -> None:
    command = _commands_in_deploy_files()[index]
    commands = _shelfcast_commands()
    assert command[0] in commands, f"`shelfcast {command[0]}` is not a command"
    options = _options(commands[command[0]])
    for word in command[1:]:
        if word.startswith("--"):
            assert word in options, f"`shelfcast {command[0]}` has no option {word}"
    assert all(name in _compose()["services"] for name in SHELFCAST_SERVICES)


def test_health_checks_and_the_scrape_target_are_real_paths() -> None:
    from django.urls import resolve

    compose = _compose()
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (job,) = prometheus["scrape_configs"]
    assert job["static_configs"][0]["targets"] == ["server:8000"]
    assert "8000" in shlex.join(compose["services"]["server"]["command"])
    resolve(job["metrics_path"])
    resolve("/api/health/")
    mounted = compose["services"]["prometheus"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == ROOT / "deploy" / "prometheus" / "prometheus.yml"
    # The dashboard and the simulator reach the API by its service name.
    for name in ("dashboard", "simulator"):
        assert compose["services"][name]["environment"]["SHELFCAST_API_URL"] == \
            "http://server:8000"


def test_the_env_example_names_every_variable_compose_requires() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", compose))
    assert required == {"POSTGRES_PASSWORD", "SECRET_KEY"}
    example = (ROOT / "deploy" / "env.example").read_text()
    given = set(re.findall(r"^(\w+)=", example, re.M))
    assert required <= given
    # Every variable compose reads with a default is one an operator may set: documented.
    guide = (ROOT / "docs" / "operations.md").read_text()
    for name in set(re.findall(r"\$\{(\w+)", compose)):
        assert f"`{name}`" in guide, f"{name} is not in docs/operations.md"
