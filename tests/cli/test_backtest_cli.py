"""``shelfcast backtest`` through the real command line (Typer's CliRunner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shelfcast.cli.main import app

runner = CliRunner()
SHORT = ["--windows", "2", "--horizon", "7", "--step", "7"]
BASELINES_ONLY = ["--model", "seasonal_naive", "--model", "weekday_mean_4"]
# A small booster keeps the one test that trains the Forecaster quick.
QUICK_FORECASTER = ["--param", "n_estimators=30", "--param", "window_days=120"]


def test_backtest_prints_and_writes_the_metric_table(chain_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "metrics.csv"
    result = runner.invoke(
        app, ["backtest", str(chain_dir), *SHORT, *QUICK_FORECASTER, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "forecasts per model" in result.output and "Metrics written" in result.output
    table = pl.read_csv(out)
    assert sorted(table["model"]) == sorted(
        ["shelfcast", "naive", "seasonal_naive", "moving_average_28", "weekday_mean_4"]
    )
    assert {"wape", "wape_q50", "rmsse", "rmspe", "pinball", "cov_q90"} <= set(table.columns)
    assert table["wape"].is_between(0, 5).all()


def test_backtest_by_category_writes_json(chain_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    result = runner.invoke(
        app,
        ["backtest", str(chain_dir), *SHORT, *BASELINES_ONLY, "--by", "category", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())
    assert {row["model"] for row in rows} == {"weekday_mean_4", "seasonal_naive"}
    assert len({row["category"] for row in rows}) > 1


def test_by_category_without_items_is_a_clear_error(chain_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(chain_dir / "sales.parquet", folder / "sales.parquet")
    result = runner.invoke(
        app, ["backtest", str(folder), *SHORT, *BASELINES_ONLY, "--by", "category"]
    )
    assert result.exit_code == 1
    assert "items table" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_output_type_is_refused(chain_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["backtest", str(chain_dir), "--out", str(tmp_path / "m.txt")])
    assert result.exit_code == 1
    assert ".csv or .json" in result.output


def test_too_many_windows_for_the_history_say_so(chain_dir: Path) -> None:
    result = runner.invoke(
        app, ["backtest", str(chain_dir), *BASELINES_ONLY, "--windows", "60", "--step", "7"]
    )
    assert result.exit_code == 1
    assert "not enough history" in result.output


def test_by_horizon_scores_each_day_ahead(chain_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.csv"
    result = runner.invoke(
        app, ["backtest", str(chain_dir), *SHORT, *BASELINES_ONLY, "--by", "horizon",
              "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pl.read_csv(out)
    assert sorted(table["horizon"].unique()) == list(range(1, 8))


def test_unknown_models_and_parameters_are_named(chain_dir: Path) -> None:
    result = runner.invoke(app, ["backtest", str(chain_dir), "--model", "prophet"])
    assert result.exit_code == 1 and "prophet" in result.output
    result = runner.invoke(app, ["backtest", str(chain_dir), "--param", "trees=3"])
    assert result.exit_code == 1 and "trees" in result.output
