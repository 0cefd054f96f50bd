"""``shelfcast generate``: the folder, the summary, the errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.data.schema import TABLES

runner = CliRunner()


def test_generate_writes_every_table_and_summarises(tmp_path: Path):
    out = tmp_path / "chain"
    result = runner.invoke(
        app, ["generate", str(out), "--stores", "2", "--items", "5", "--days", "60", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    sales = pl.read_parquet(out / "sales.parquet")
    assert sales.select("store_id", "item_id").n_unique() == 10
    assert "sales.parquet" in result.output and f"{sales.height:,}" in result.output
    assert str(sales["date"].min()) in result.output and str(sales["date"].max()) in result.output


def test_generate_csv_and_same_seed_same_files(tmp_path: Path):
    args = ["--stores", "1", "--items", "3", "--days", "40", "--format", "csv"]
    for name in ("a", "b"):
        assert runner.invoke(app, ["generate", str(tmp_path / name), *args]).exit_code == 0
    for table in TABLES:
        a = (tmp_path / "a" / f"{table}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{table}.csv").read_bytes(), table


def test_generate_user_error_is_a_message_and_exit_1(tmp_path: Path):
    result = runner.invoke(
        app, ["generate", str(tmp_path / "x"), "--days", "10", "--transactions-days", "20"]
    )
    assert result.exit_code == 1
    assert "transactions_days" in result.output and "Traceback" not in result.output


def test_generate_help_has_an_example():
    result = runner.invoke(app, ["generate", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "shelfcast generate" in result.output
