"""``shelfcast forecast``: the file, its rows and columns, the formats, the errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shelfcast.cli.main import app

runner = CliRunner()
COLUMNS = ["date", "store_id", "item_id", "forecast", "q10", "q50", "q80", "q90", "q95", "q99"]


@pytest.fixture(scope="module")
def small_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shelfcast.data.generate import generate_chain, write_chain

    tables = generate_chain(stores=2, items=4, days=150, seed=3)
    return write_chain(tables, tmp_path_factory.mktemp("small"), fmt="parquet")


def test_forecast_writes_one_row_per_future_row(small_chain: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["forecast", str(small_chain), "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, try_parse_dates=True)
    future = pl.read_parquet(small_chain / "future.parquet")
    assert frame.columns == COLUMNS
    assert frame.height == future.height
    assert frame.select("date", "store_id", "item_id").sort(pl.all()).equals(
        future.select("date", "store_id", "item_id").sort(pl.all())
    )
    assert frame.select("date", "store_id", "item_id").is_duplicated().sum() == 0
    assert (frame["forecast"] >= 0).all()
    assert f"Wrote {frame.height:,} rows" in result.output


@pytest.mark.parametrize("suffix", [".parquet", ".json", ".xlsx"])
def test_horizon_and_file_types(small_chain: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"f{suffix}"
    result = runner.invoke(app, ["forecast", str(small_chain), "--out", str(out), "--horizon", "3"])
    assert result.exit_code == 0, result.output
    frame = {
        ".parquet": pl.read_parquet, ".json": pl.read_json, ".xlsx": pl.read_excel,
    }[suffix](out)
    assert frame.columns == COLUMNS
    assert frame["date"].n_unique() == 3 and frame.height == 3 * 8


def test_without_future_28_days_for_every_recent_series(small_chain: Path, tmp_path: Path) -> None:
    folder = tmp_path / "nofuture"
    shutil.copytree(small_chain, folder)
    (folder / "future.parquet").unlink()
    (folder / "weather.parquet").unlink()
    out = tmp_path / "f.parquet"
    result = runner.invoke(app, ["forecast", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame["date"].n_unique() == 28
    sales = pl.read_parquet(folder / "sales.parquet")
    assert frame["date"].min() > sales["date"].max()


def test_a_bad_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["forecast", str(tmp_path / "nowhere"), "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 1
    assert "error:" in result.output and "nowhere" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_output_type_is_a_clear_error(small_chain: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["forecast", str(small_chain), "--out", str(tmp_path / "f.txt")])
    assert result.exit_code == 1
    assert "cannot tell the file type" in result.output


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["forecast", "--help"])
    assert result.exit_code == 0 and "shelfcast forecast data/chain --out forecast.csv" in result.output
