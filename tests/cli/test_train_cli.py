"""``shelfcast train``: a new version with its metadata, then ``forecast --model-dir``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.forecast.artifact import list_versions

runner = CliRunner()


@pytest.fixture(scope="module")
def small_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shelfcast.data.generate import generate_chain, write_chain

    tables = generate_chain(stores=2, items=4, days=150, seed=5)
    return write_chain(tables, tmp_path_factory.mktemp("small"), fmt="parquet")


def test_train_saves_a_version_and_forecast_uses_it(small_chain: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    result = runner.invoke(app, ["train", str(small_chain), "--model-dir", str(models), "--backtest-days", "7"])
    assert result.exit_code == 0, result.output
    versions = list_versions(models)
    assert len(versions) == 1 and versions[0] in result.output
    meta = json.loads((models / versions[0] / "metadata.json").read_text())
    assert meta["version"] == versions[0]
    assert meta["data"]["series"] == 8 and meta["data"]["last_date"]
    assert "rolling_mean_lag1_window28" in meta["features"]
    assert meta["quantiles"] == [0.1, 0.5, 0.8, 0.9, 0.95, 0.99]
    assert meta["backtest"]["horizon_days"] == 7 and "rmsse" in meta["backtest"]

    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["forecast", str(small_chain), "--out", str(out), "--model-dir", str(models)])
    assert result.exit_code == 0, result.output
    assert versions[0] in result.output
    assert pl.read_csv(out).height == pl.read_parquet(small_chain / "future.parquet").height

    result = runner.invoke(
        app, ["forecast", str(small_chain), "--out", str(out), "--model-dir", str(models), "--model-version", "20200101T000000Z-abcdef"]
    )
    assert result.exit_code == 1 and "no model version '20200101T000000Z-abcdef'" in result.output


def test_forecast_with_an_empty_model_dir_says_how_to_train(small_chain: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["forecast", str(small_chain), "--out", str(tmp_path / "f.csv"), "--model-dir", str(tmp_path / "none")]
    )
    assert result.exit_code == 1 and "shelfcast train" in result.output


def test_train_on_a_bad_folder_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(tmp_path / "nowhere"), "--model-dir", str(tmp_path / "m")])
    assert result.exit_code == 1 and "error:" in result.output
