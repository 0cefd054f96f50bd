"""``shelfcast run-daily``: the whole batch into the database, once per business date, and a
run killed in the middle resumes to the same numbers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shelfcast.cli.main import app

runner = CliRunner()
SHELFCAST = str(Path(sys.executable).parent / "shelfcast")


def _day(chain_tables) -> str:  # type: ignore[no-untyped-def]
    return str(chain_tables["sales"]["date"].max() - timedelta(days=7))


def test_a_run_publishes_once_per_business_date(db, workspace: Path, chain_dir: Path, chain_tables) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast
    from shelfcast.server.orders.models import Alert, OrderProposal

    day = _day(chain_tables)
    result = runner.invoke(app, ["run-daily", "--date", day, "--data", str(chain_dir)])
    assert result.exit_code == 0, result.output
    folder = workspace / "runs" / day
    forecast = pl.read_parquet(folder / "forecast.parquet")
    state = json.loads((folder / "state.json").read_text())
    version = state["steps"]["train"]["summary"]["model_version"]
    assert PublishedForecast.objects.filter(date__gte=day).count() == forecast.height
    assert ModelVersion.objects.get(is_live=True).version == version
    assert PublishedForecast.objects.filter(model_version__version=version).count() == forecast.height
    alerts = Alert.objects.count()
    assert alerts == pl.read_parquet(folder / "alerts.parquet").height
    orders = OrderProposal.objects.count()
    assert "Daily run" in result.output and "publish" in result.output

    again = runner.invoke(app, ["run-daily", "--date", day, "--data", str(chain_dir)])
    assert again.exit_code == 0, again.output
    assert again.output.count("already done") == 7
    assert Alert.objects.count() == alerts and OrderProposal.objects.count() == orders
    assert PublishedForecast.objects.filter(date__gte=day).count() == forecast.height


def test_one_step_at_a_time_as_the_airflow_tasks_run_it(db, workspace: Path, chain_dir: Path, chain_tables) -> None:  # type: ignore[no-untyped-def]
    day = _day(chain_tables)
    early = runner.invoke(app, ["run-daily", "--date", day, "--data", str(chain_dir),
                                "--step", "publish"])
    assert early.exit_code == 1
    assert "needs ingest, validate, train, forecast, replenish first" in early.output
    for step in ("ingest", "validate", "train"):
        result = runner.invoke(app, ["run-daily", "--date", day, "--data", str(chain_dir),
                                     "--step", step])
        assert result.exit_code == 0, result.output
    state = json.loads((workspace / "runs" / day / "state.json").read_text())
    assert [s for s, v in state["steps"].items() if v["status"] == "done"] == [
        "ingest", "validate", "train"]


def test_user_errors_are_a_message_and_exit_1(workspace: Path, chain_dir: Path) -> None:
    bad_date = runner.invoke(app, ["run-daily", "--date", "tomorrow", "--data", str(chain_dir)])
    assert bad_date.exit_code == 1 and "--date 'tomorrow' is not a date" in bad_date.output
    no_data = runner.invoke(app, ["run-daily"])
    assert no_data.exit_code == 1 and "no dataset folder at" in no_data.output
    assert "Traceback" not in no_data.output
    bad_step = runner.invoke(app, ["run-daily", "--data", str(chain_dir), "--date", "2024-01-10",
                                   "--step", "deploy"])
    assert bad_step.exit_code == 1 and "unknown step(s) ['deploy']" in bad_step.output


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    return {**env, "SHELFCAST_HOME": str(home)}


def _state(home: Path, day: str) -> dict:  # type: ignore[type-arg]
    path = home / "runs" / day / "state.json"
    try:
        return json.loads(path.read_text())["steps"]
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _published(home: Path) -> tuple[int, int]:
    with sqlite3.connect(home / "shelfcast.sqlite3") as db:
        forecasts = db.execute("select count(*) from forecasts_publishedforecast").fetchone()[0]
        alerts = db.execute("select count(*) from orders_alert").fetchone()[0]
    return forecasts, alerts


def test_a_run_killed_in_the_middle_resumes_to_the_same_numbers(tmp_path: Path, chain_dir: Path, chain_tables) -> None:  # type: ignore[no-untyped-def]
    day = _day(chain_tables)
    command = [SHELFCAST, "run-daily", "--date", day, "--data", str(chain_dir)]
    killed = tmp_path / "killed"
    process = subprocess.Popen(command, env=_env(killed), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        while _state(killed, day).get("train", {}).get("status") != "done":
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=600)
    interrupted = _state(killed, day)
    assert interrupted.get("monitor", {}).get("status") != "done"

    resumed = subprocess.run(command, env=_env(killed), capture_output=True, text=True,
                             timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    steps = _state(killed, day)
    assert all(v["status"] == "done" for v in steps.values()) and len(steps) == 7
    assert steps["train"]["attempts"] == 1  # trained once, not again after the kill

    clean = tmp_path / "clean"
    assert subprocess.run(command, env=_env(clean), capture_output=True,
                          timeout=900).returncode == 0
    a = pl.read_parquet(killed / "runs" / day / "forecast.parquet")
    b = pl.read_parquet(clean / "runs" / day / "forecast.parquet")
    assert a.equals(b)
    assert _published(killed) == _published(clean) == (
        a.height, pl.read_parquet(killed / "runs" / day / "alerts.parquet").height)
