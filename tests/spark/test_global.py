"""Global training on Spark (SHELFCAST_SPARK_TRAINING=global) against the local Forecaster:
the CLI end to end on a hold-out of the synthetic chain (plugins/chain.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal
from shelfcast.data.dataset import Dataset
from shelfcast.data.load import load_dataset
from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE
from shelfcast.features.build import LOOKBACK_DAYS, dense_history
from shelfcast.forecast.artifact import load_model
from shelfcast.forecast.backtest import split_at
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.spark.features import covariates_of
from shelfcast.spark.read import read_dataset
from shelfcast.spark.summary import chain_summary, future_span, target_days

from .conftest import SETTINGS

KEYS = [STORE, ITEM, DATE]
# 60 series x (380 + 182 lookback) days: the 4-year window is cut to 380 days by
# max_history_rows, as on a big chain.
FAST = {"n_estimators": 30, "early_stopping_rounds": 5, "max_horizon": 14,
        "max_history_rows": 60 * (380 + LOOKBACK_DAYS)}
QUANTILES = ["q10", "q50", "q80", "q90", "q95", "q99"]
HOLD_OUT = 28


def _hold_out(chain_dir: Path, folder: Path) -> tuple[object, pl.DataFrame]:
    """The chain cut 28 days before its end: a dataset folder (future = the cut days' rows
    with their covariates) and the actual sales of those days."""
    ds = load_dataset(chain_dir)
    train, _, actuals = split_at(ds, ds.last_date - timedelta(days=HOLD_OUT), horizon=HOLD_OUT)
    folder.mkdir()
    for name in ("sales", "future", "events", "stores", "items", "weather"):
        table = getattr(train, name)
        if table is not None:
            table.write_parquet(folder / f"{name}.parquet")
    return train, actuals


def _wape(forecast: pl.DataFrame, actuals: pl.DataFrame) -> float:
    both = forecast.join(actuals, on=KEYS)
    assert both.height == actuals.height
    return float((both[FORECAST] - both["actual"]).abs().sum() / both["actual"].sum())


def test_global_training_end_to_end(chain_dir: Path, tmp_path: Path) -> None:
    train, actuals = _hold_out(chain_dir, tmp_path / "chain")
    out, models = tmp_path / "fc.parquet", tmp_path / "models"
    env = {k: v for k, v in os.environ.items() if k != "SHELFCAST_COUNTRY"}
    env.update({"SHELFCAST_SPARK_MASTER": "local[2]", "SHELFCAST_SPARK_TRAINING": "global",
                "SHELFCAST_SPARK_SHUFFLE_PARTITIONS": "4", "SHELFCAST_SPARK_BUCKETS": "4"})
    # The command in its own process: the real entry point, and an interpreter that the test
    # suite's other plugins have not touched (PySpark's ML params read every class attribute).
    run = subprocess.run(
        [str(Path(sys.executable).with_name("shelfcast")), "forecast", str(tmp_path / "chain"),
         "--out", str(out), "--model-dir", str(models), "--engine", "spark"],
        env=env, capture_output=True, text=True, timeout=1500,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    got = pl.read_parquet(out / "*.parquet").sort(KEYS)

    # The forecast file layout, one row per future row, quantiles >= 0 that never cross.
    assert got.columns == [DATE, STORE, ITEM, FORECAST, *QUANTILES]
    assert got.select(KEYS).equals(train.future.select(KEYS).sort(KEYS))
    qs = got.select(QUANTILES).to_numpy()
    assert (qs >= 0).all() and (got[FORECAST] >= 0).all()
    assert (np.diff(qs, axis=1) >= 0).all()

    # One model version, loadable locally (--model-dir): it forecasts what Spark forecast.
    loaded = load_model(models)
    assert loaded.metadata["spark"]["training"] == "global"
    assert loaded.metadata["data"]["series"] == train.sales.select(STORE, ITEM).n_unique()
    again = loaded.model.predict(train.future).sort(KEYS)
    assert_frame_equal(again, got, check_exact=False, rel_tol=1e-5, abs_tol=1e-6)

    # Accuracy on the 28 held-out days close to the local global Forecaster's: the same rows,
    # parameters and calibration, but other random horizon draws (one stream per bucket),
    # histogram cuts merged across workers and an approximate median for the hessian scale.
    # The local model alone moves this much with its seed: WAPE 0.652-0.698 over seeds 0-5
    # on this chain (7% apart at most); Spark measured 0.688 against seed 0's 0.673. So:
    # within 10% of the local WAPE, the seed-to-seed spread with a margin.
    local = Forecaster().fit(train).predict(train.future)
    spark_wape, local_wape = _wape(got, actuals), _wape(local, actuals)
    assert abs(spark_wape - local_wape) <= 0.10 * local_wape, (spark_wape, local_wape)


def test_prepare_from_spark_summaries_equals_fit(spark, chain_dir: Path) -> None:
    """The driver's preparation from Spark's summaries sets what fit sets from the rows."""
    local = load_dataset(chain_dir)
    fitted = Forecaster(**FAST).fit(local)
    data = read_dataset(spark, chain_dir, SETTINGS)
    summary = chain_summary(data.sales)
    span = future_span(data.future)
    assert span == (local.future[DATE].min(), local.future[DATE].max())
    tables = Dataset(sales=pl.DataFrame(), future=pl.DataFrame({DATE: list(span)}),
                     **{k: data.small.get(k) for k in ("events", "stores", "items", "weather")})
    prepared = Forecaster(**FAST).prepare(
        tables, covariates=covariates_of(data.sales.columns), stores=summary.stores,
        items=summary.items, n_series=summary.n_series, first=summary.first,
        last=summary.last, discrete=summary.discrete,
    )
    assert (prepared.first_date_, prepared.last_date_) == (fitted.first_date_, fitted.last_date_)
    assert prepared.covariates_ == fitted.covariates_
    assert prepared.discrete_ is fitted.discrete_ is True
    assert prepared.window_days_ == fitted.window_days_ == 380
    assert prepared.notes_ == [n for n in fitted.notes_ if "max_history_rows" in n]
    assert prepared.spec_.categories == fitted.spec_.categories
    assert (prepared.spec_.weather is None) == (fitted.spec_.weather is None)
    # The target days the max_rows sample is drawn from, counted by Spark.
    last = fitted.last_date_
    history = dense_history(local.sales, fitted.covariates_, end=last,
                            start=last - timedelta(days=fitted.window_days_ + LOOKBACK_DAYS))
    first_target = last - timedelta(days=fitted.window_days_ - 1)
    recent = max(first_target, prepared.recent_start())
    assert target_days(data.sales, last=last, starts=[first_target, recent]) == [
        history.filter(pl.col(DATE) >= first_target).height,
        history.filter(pl.col(DATE) >= recent).height,
    ]
