"""Feature drift: the population stability index (PSI) of each input between the model's
training window and recent days.

PSI = sum over bins of (recent% - reference%) * ln(recent% / reference%), bins cut at the
reference's deciles. Below 0.1 the inputs are stable, 0.1-0.25 worth a look, above 0.25 the
model is being asked about a population it did not learn from.

The inputs compared are the numeric columns of ``sales``: the target itself (daily sales per
series), price, promotion and any other covariate the chain records there, so the report
names something a person can look at in the data. Weather is left out: its swings from one
year to the next are nobody's to act on, and the model reads it day by day as given (on the
sample chain a mild January alone scores a PSI above 1).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, ITEM, SALES, STORE

__all__ = ["psi", "feature_drift", "reference_window", "DRIFT_COLUMNS"]

DRIFT_COLUMNS = {"feature": pl.String, "psi": pl.Float64, "reference_rows": pl.Int64,
                 "recent_rows": pl.Int64, "reference_mean": pl.Float64, "recent_mean": pl.Float64}
_EPS = 1e-4
"""Floor for an empty bin's share, so a bin seen on one side only adds a large, finite term."""
_SKIP = {DATE, STORE, ITEM, "open", "stockout", "sales_reserved"}


def psi(reference: np.ndarray, recent: np.ndarray, *, bins: int = 10) -> float:
    """The PSI of ``recent`` against ``reference`` (NaNs dropped); 0.0 when either is empty.

    Fewer bins for small samples (one per 20 values of the smaller side, at least 2): PSI's
    sampling noise is about (bins - 1) * (1/n + 1/m), so 10 bins over 40 days of one store's
    weather would cross 0.25 on noise alone.
    """
    ref = reference[~np.isnan(reference)]
    new = recent[~np.isnan(recent)]
    if ref.size == 0 or new.size == 0:
        return 0.0
    bins = max(2, min(bins, min(ref.size, new.size) // 20))
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    # right=True: bins are (-inf, e1], (e1, e2], ..., (ek, inf), so a 0/1 flag gets two bins.
    ref_share = np.bincount(np.digitize(ref, edges, right=True), minlength=edges.size + 1) / ref.size
    new_share = np.bincount(np.digitize(new, edges, right=True), minlength=edges.size + 1) / new.size
    ref_share = np.maximum(ref_share, _EPS)
    new_share = np.maximum(new_share, _EPS)
    return float(np.sum((new_share - ref_share) * np.log(new_share / ref_share)))


def _window(frame: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    return frame.filter(pl.col(DATE).is_between(first, last))


_YEAR = 364
"""Days back to the same weekdays a year earlier."""


def reference_window(*, first_date: date, reference_end: date, reference_days: int,
                     recent_end: date, recent_days: int) -> tuple[date, date]:
    """The days the recent window is compared with.

    The same season a year earlier (widened by half ``reference_days`` on each side) when the
    training data hold it: weather, and the sales and prices that follow the seasons, move
    every month, and against the weeks just before they would always look drifted. Otherwise
    the last ``reference_days`` of the training data.
    """
    recent_first = recent_end - timedelta(days=recent_days - 1)
    pad = reference_days // 2
    first = recent_first - timedelta(days=_YEAR + pad)
    last = recent_end - timedelta(days=_YEAR - pad)
    if first >= first_date and last <= reference_end:
        return first, last
    return reference_end - timedelta(days=reference_days - 1), reference_end


def feature_drift(
    dataset: Dataset, *, reference_end: date, reference_days: int, recent_end: date,
    recent_days: int,
) -> pl.DataFrame:
    """PSI per input between the reference window (``reference_window``, within the model's
    training data, which end on ``reference_end``) and ``recent_days`` up to ``recent_end``;
    one row per feature."""
    ref_first, ref_last = reference_window(
        first_date=dataset.first_date, reference_end=reference_end,
        reference_days=reference_days, recent_end=recent_end, recent_days=recent_days)
    new_first = recent_end - timedelta(days=recent_days - 1)
    sales = dataset.sales
    ref, new = _window(sales, ref_first, ref_last), _window(sales, new_first, recent_end)
    rows = []
    for name, dtype in sales.schema.items():
        if name in _SKIP or not dtype.is_numeric():
            continue
        a = ref[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
        b = new[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
        rows.append({
            "feature": name, "psi": psi(a, b), "reference_rows": int(a.size),
            "recent_rows": int(b.size),
            "reference_mean": float(np.nanmean(a)) if np.isfinite(a).any() else None,
            "recent_mean": float(np.nanmean(b)) if np.isfinite(b).any() else None,
        })
    frame = pl.DataFrame(rows, schema=DRIFT_COLUMNS)
    # sales first: the target's own drift is the one most often asked about
    return frame.sort(pl.col("feature") != SALES, "feature")
