"""`shelfcast replenish` and `shelfcast simulate-policy` through the real command line app."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.replenish.proposals import ALERT_COLUMNS, ORDER_COLUMNS

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store, four items, 150 days: small enough to fit the Forecaster in seconds."""
    from shelfcast.data.generate import generate_chain, write_chain

    return write_chain(generate_chain(stores=1, items=4, days=150, seed=1),
                       tmp_path_factory.mktemp("tiny"), fmt="parquet")


@pytest.fixture(scope="module")
def forecast_file(chain_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shelfcast.data.load import load_dataset
    from shelfcast.data.tables import write_table
    from shelfcast.forecast.baselines import WeekdayMean

    ds = load_dataset(chain_dir)
    return write_table(WeekdayMean().fit(ds).predict(ds.future),
                       tmp_path_factory.mktemp("fc") / "forecast.csv")


def test_replenish_with_a_forecast_file_writes_orders_and_alerts(
    chain_dir: Path, forecast_file: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["replenish", str(chain_dir), "--forecast", str(forecast_file),
                                 "--out", str(tmp_path / "orders.xlsx"),
                                 "--alerts", str(tmp_path / "alerts.parquet")])
    assert result.exit_code == 0, result.output
    orders = pl.read_excel(tmp_path / "orders.xlsx")
    alerts = pl.read_parquet(tmp_path / "alerts.parquet")
    assert tuple(orders.columns) == ORDER_COLUMNS
    assert tuple(alerts.columns) == ALERT_COLUMNS
    assert orders.height > 0 and (orders["quantity"] >= 0).all()
    inv = pl.read_parquet(chain_dir / "inventory.parquet").select("store_id", "item_id",
                                                                  "pack_size")
    joined = orders.join(inv, on=["store_id", "item_id"])
    assert (joined["quantity"] % joined["pack_size"] == 0).all()
    assert (joined["packs"] * joined["pack_size"] == joined["quantity"]).all()
    assert set(alerts["kind"]) <= {"low_stock", "projected_stockout", "excess_stock",
                                   "service_unreachable"}
    stockouts = alerts.filter(pl.col("kind") == "projected_stockout")
    assert stockouts["projected_stockout_date"].null_count() == 0
    assert alerts.filter(pl.col("kind") != "projected_stockout")[
        "projected_stockout_date"].null_count() == alerts.filter(
        pl.col("kind") != "projected_stockout").height


def test_replenish_forecasts_first_without_a_forecast_file(tiny_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["replenish", str(tiny_dir), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    assert tuple(pl.read_csv(tmp_path / "o.csv").columns) == ORDER_COLUMNS


def test_replenish_without_inventory_is_a_clear_error(tiny_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "noinv"
    folder.mkdir()
    (folder / "sales.parquet").write_bytes((tiny_dir / "sales.parquet").read_bytes())
    result = runner.invoke(app, ["replenish", str(folder), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "no inventory table" in result.output
    assert "Traceback" not in result.output


def test_replenish_with_a_forecast_too_short_names_the_sku(
    chain_dir: Path, forecast_file: Path, tmp_path: Path
) -> None:
    short = tmp_path / "short.csv"
    fc = pl.read_csv(forecast_file, try_parse_dates=True)
    fc.filter(pl.col("date") == fc["date"].min()).write_csv(short)
    result = runner.invoke(app, ["replenish", str(chain_dir), "--forecast", str(short),
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "protection period" in result.output and "first: store" in result.output


def test_replenish_rejects_an_unknown_output_type(chain_dir: Path, forecast_file: Path,
                                                  tmp_path: Path) -> None:
    result = runner.invoke(app, ["replenish", str(chain_dir), "--forecast", str(forecast_file),
                                 "--out", str(tmp_path / "o.txt")])
    assert result.exit_code == 1 and "error" in result.output


def test_simulate_policy_textbook_sweep_reports_every_level(chain_dir: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    result = runner.invoke(app, ["simulate-policy", str(chain_dir), "--days", "30",
                                 "--source", "textbook", "--service-level", "0.8",
                                 "--service-level", "0.99", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = pl.read_csv(out)
    assert report["target_service_level"].to_list() == [0.8, 0.99]
    low, high = report.row(0, named=True), report.row(1, named=True)
    assert high["avg_inventory_units"] > low["avg_inventory_units"]
    assert high["fill_rate"] >= low["fill_rate"]
    assert all(0 <= r["fill_rate"] <= 1 for r in (low, high))


def test_simulate_policy_with_the_forecaster(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["simulate-policy", str(tiny_dir), "--days", "7",
                                 "--source", "shelfcast", "--refit-every", "30",
                                 "--warmup", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = pl.read_json(out)
    assert report["source"].to_list() == ["shelfcast"]
    assert 0 <= report["fill_rate"][0] <= 1


def test_simulate_policy_help_has_an_example() -> None:
    result = runner.invoke(app, ["simulate-policy", "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    result = runner.invoke(app, ["replenish", "--help"])
    assert result.exit_code == 0 and "Example" in result.output
