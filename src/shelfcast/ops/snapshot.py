"""The dataset as known on the morning of a business date: what the daily run works from.

Normal operation: the folder's sales end the day before the run date, and the snapshot is the
folder. Replay (the folder holds later days too, e.g. history re-run day by day): sales,
weather and till lines are cut at the day before, and the later days' known-in-advance
covariates become the ``future`` table (``forecast.backtest.split_at``); stock on hand stays
the folder's own, the only count there is.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, TIMESTAMP
from shelfcast.data.synthetic.chain import write_chain
from shelfcast.data.transactions import local_day
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.backtest import split_at

__all__ = ["as_of", "write_snapshot", "TABLES"]

TABLES = ("sales", "future", "events", "stores", "items", "weather", "inventory", "transactions")


def as_of(dataset: Dataset, run_date: date, *, horizon: int, time_zone: str) -> Dataset:
    """``dataset`` cut to what is known before ``run_date`` begins."""
    yesterday = run_date - timedelta(days=1)
    if yesterday < dataset.first_date:
        raise ShelfcastError(
            f"run date {run_date} is before the data begin ({dataset.first_date}): nothing to "
            "learn from",
            details={"run_date": str(run_date), "first_date": str(dataset.first_date)},
        )
    if yesterday >= dataset.last_date:
        future = dataset.future
        if future is not None:
            future = future.filter(pl.col(DATE) >= run_date)
        return dataclasses.replace(dataset, future=future if future is not None and future.height
                                   else None)
    train, future, _ = split_at(dataset, yesterday, horizon=horizon)
    tx = dataset.transactions
    if tx is not None and TIMESTAMP in tx.columns:
        tx = tx.filter(local_day(pl.col(TIMESTAMP), time_zone) <= yesterday)
    return dataclasses.replace(
        train, future=future if future.height else None, inventory=dataset.inventory,
        transactions=tx if tx is not None and tx.height else None)


def write_snapshot(dataset: Dataset, folder: Path) -> Path:
    """The snapshot as a Parquet dataset folder (written beside, then renamed into place)."""
    tables = {name: getattr(dataset, name) for name in TABLES}
    tmp = folder.with_name(folder.name + ".partial")
    for stale in (tmp, folder):  # left by a run killed mid-write: start clean
        shutil.rmtree(stale, ignore_errors=True)
    write_chain({k: v for k, v in tables.items() if v is not None}, tmp, fmt="parquet")
    tmp.rename(folder)
    return folder
