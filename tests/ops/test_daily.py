"""The daily run's core (no database): steps, state, idempotency, retraining and monitoring
on data built to drift and on data that does not."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from shelfcast.config import Settings
from shelfcast.data.synthetic.chain import write_chain
from shelfcast.ops.daily import DailyRun, StepOrderError
from shelfcast.ops.settings import OpsSettings
from shelfcast.ops.state import STEPS


def _run(home: Path, data: Path, day: date, **ops: object) -> DailyRun:
    return DailyRun(run_date=day, home=home, data_dir=data, settings=Settings(home=home),
                    ops=OpsSettings(**ops))  # type: ignore[arg-type]


def _last_day(tables: dict[str, pl.DataFrame]) -> date:
    return tables["sales"]["date"].max()


def _chain(tables: dict[str, pl.DataFrame], folder: Path, *, drift_from: date | None = None) -> Path:
    """The test chain with its items in two categories (enough rows per store and category to
    judge); with ``drift_from``, prices x1.6 for the 4 weeks before it and sales x10 from it."""
    items = tables["items"].with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit("fresh")).otherwise(pl.lit("dry"))
        .alias("category"))
    sales = tables["sales"]
    if drift_from is not None:
        sales = sales.with_columns(
            pl.when(pl.col("date") >= drift_from - timedelta(days=28))
            .then(pl.col("price") * 1.6).otherwise(pl.col("price")).alias("price"),
            pl.when(pl.col("date") >= drift_from)
            .then(pl.col("sales") * 10).otherwise(pl.col("sales")).alias("sales"))
    keep = {k: v for k, v in tables.items() if k not in ("transactions",)}
    return write_chain({**keep, "items": items, "sales": sales}, folder)


def test_a_second_run_of_the_same_date_does_nothing_new(chain_tables, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _chain(chain_tables, tmp_path / "chain")
    day = _last_day(chain_tables) - timedelta(days=10)
    first = _run(tmp_path / "home", data, day).run()
    assert all(first.is_done(s) for s in STEPS)
    forecast = first.folder / "forecast.parquet"
    frame = pl.read_parquet(forecast)
    assert frame["date"].min() == day and frame.height > 0
    assert (first.folder / "orders.parquet").exists()
    before = forecast.stat().st_mtime_ns
    seen: list[tuple[str, str]] = []
    again = _run(tmp_path / "home", data, day)
    again.on_step = lambda step, status: seen.append((step, status))
    state = again.run()
    assert seen == [(s, "skip") for s in STEPS]
    assert forecast.stat().st_mtime_ns == before
    assert all(state.steps[s]["attempts"] == 1 for s in STEPS)
    saved = json.loads((first.folder / "state.json").read_text())
    assert saved["steps"]["train"]["summary"]["reason"] == "no model yet"


def test_one_step_alone_needs_the_steps_before_it(chain_tables, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _chain(chain_tables, tmp_path / "chain")
    run = _run(tmp_path / "home", data, _last_day(chain_tables))
    with pytest.raises(StepOrderError, match="needs ingest, validate, train first"):
        run.run(["forecast"])
    run.run(["ingest"])
    run.run(["validate"])
    assert run.state().is_done("validate") and not run.state().is_done("train")


def test_retrains_when_due_and_uses_the_model_in_between(chain_tables, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _chain(chain_tables, tmp_path / "chain")
    day = _last_day(chain_tables) - timedelta(days=5)
    home = tmp_path / "home"
    first = _run(home, data, day, retrain_every_days=2).run().summary("train")
    second = _run(home, data, day + timedelta(days=1), retrain_every_days=2).run().summary("train")
    third = _run(home, data, day + timedelta(days=2), retrain_every_days=2).run().summary("train")
    assert first["trained"] and not second["trained"] and third["trained"]
    assert second["model_version"] == first["model_version"]
    assert "2 days before yesterday" in third["reason"]
    meta = json.loads((home / "models" / third["new_version"] / "metadata.json").read_text())
    assert meta["run"] == {"date": str(day + timedelta(days=2)), "reason": third["reason"]}
    assert meta["backtest"]["horizon_days"] == 14 and meta["backtest"]["wape"] > 0
    assert meta["data"]["last_date"] == str(day + timedelta(days=1))


def test_steady_data_raise_no_alert(chain_tables, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _chain(chain_tables, tmp_path / "chain")
    day = _last_day(chain_tables) - timedelta(days=10)
    home = tmp_path / "home"
    _run(home, data, day, retrain_every_days=30).run()
    monitor = _run(home, data, day + timedelta(days=7), retrain_every_days=30).run().summary("monitor")
    assert monitor["scored_days"] == 7 and monitor["scored_from_run"] == str(day)
    assert monitor["alerts"] == 0, monitor
    assert monitor["max_psi"] < 0.25


def test_drifted_data_raise_the_alerts_and_trigger_retraining(chain_tables, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    day = _last_day(chain_tables) - timedelta(days=10)
    data = _chain(chain_tables, tmp_path / "chain", drift_from=day)
    home = tmp_path / "home"
    _run(home, data, day, retrain_every_days=30).run()
    later = _run(home, data, day + timedelta(days=7), retrain_every_days=30).run()
    monitor = later.summary("monitor")
    assert monitor["scored_days"] == 7
    assert {"accuracy_bias", "accuracy_coverage", "accuracy_degraded",
            "feature_drift"} <= set(monitor["alert_kinds"]), monitor
    alerts = pl.read_parquet(later.folder / "monitor" / "alerts.parquet")
    assert alerts.filter(pl.col("kind") == "feature_drift")["subject"].to_list() == ["price"]
    retrain = _run(home, data, day + timedelta(days=8), retrain_every_days=30).run().summary("train")
    assert retrain["trained"] and retrain["reason"].startswith("accuracy degraded")
