"""Model tracking through the daily run: each retraining registers and promotes a version,
`models compare` shows two side by side, and a rollback (`models promote OLD`) is what the
next daily run forecasts with."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfcast.cli.main import app

runner = CliRunner()


def _run(day: date, data: Path) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["run-daily", "--date", str(day), "--data", str(data)])
    assert result.exit_code == 0, result.output
    return result


def _steps(home: Path, day: date) -> dict:  # type: ignore[type-arg]
    return json.loads((home / "runs" / str(day) / "state.json").read_text())["steps"]


def test_retrain_promote_compare_and_roll_back(db, workspace: Path, chain_dir: Path, chain_tables,  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast

    day = chain_tables["sales"]["date"].max() - timedelta(days=8)
    monkeypatch.setenv("SHELFCAST_RETRAIN_EVERY_DAYS", "2")
    _run(day, chain_dir)
    first = _steps(workspace, day)["train"]["summary"]["model_version"]
    _run(day + timedelta(days=2), chain_dir)
    train = _steps(workspace, day + timedelta(days=2))["train"]["summary"]
    second = train["new_version"]
    assert train["trained"] and second != first
    assert ModelVersion.objects.get(is_live=True).version == (second if train["promoted"] else first)

    compared = runner.invoke(app, ["models", "compare", first, second])
    assert compared.exit_code == 0, compared.output
    assert "backtest.wape" in compared.output and "data.last_date" in compared.output
    assert str(day - timedelta(days=1)) in compared.output  # the first's data end
    unknown = runner.invoke(app, ["models", "compare", first, "20990101T000000Z-000000"])
    assert unknown.exit_code == 1 and "no registered model version" in unknown.output

    rollback = runner.invoke(app, ["models", "promote", first])
    assert rollback.exit_code == 0, rollback.output
    monkeypatch.setenv("SHELFCAST_RETRAIN_EVERY_DAYS", "30")
    after = day + timedelta(days=3)
    _run(after, chain_dir)
    steps = _steps(workspace, after)
    assert steps["train"]["summary"] == {**steps["train"]["summary"], "trained": False,
                                         "model_version": first}
    assert steps["forecast"]["summary"]["model_version"] == first
    assert PublishedForecast.objects.filter(date=after, model_version__version=first).exists()
