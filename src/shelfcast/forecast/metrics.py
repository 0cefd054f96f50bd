"""Forecast accuracy: plain metric functions with one signature, combined by ``evaluate``.

A *results* frame is what ``shelfcast.forecast.backtest.backtest`` returns: one row per
model, cutoff, series and day, with ``actual``, ``forecast`` and the quantile columns
(``q10``...). Scaled metrics (MASE, RMSSE) also need ``scale_abs`` and ``scale_sq``, the
series' in-sample mean absolute and mean squared one-step difference over the training
data before the cutoff (``series_scales``); the backtest attaches them.

Every metric is ``metric(df, by) -> frame`` with the columns ``[*by, <name>...]`` (the
utilsforecast convention), so that ``evaluate`` can join any list of them. Aggregation
follows the usual definitions:

- MAE, RMSE, WAPE, bias, RMSPE, pinball loss and coverage pool the rows of a group;
- MASE and RMSSE are computed per series and cutoff (over the days of the group), then
  averaged over series (unweighted, as in M4; M5 weighted by revenue). Series whose scale
  is 0 (constant training history) are left out of that mean: they cannot be scaled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import polars as pl

from shelfcast.data.schema import DATE, FORECAST, ITEM, SALES, STORE
from shelfcast.errors import ShelfcastError

__all__ = [
    "ACTUAL",
    "CUTOFF",
    "HORIZON",
    "MODEL",
    "SCALE_ABS",
    "SCALE_SQ",
    "Metric",
    "DEFAULT_METRICS",
    "mae",
    "rmse",
    "wape",
    "bias",
    "mase",
    "rmsse",
    "rmspe",
    "pinball_loss",
    "quantile_coverage",
    "interval_coverage",
    "on_column",
    "quantile_columns",
    "quantile_level",
    "series_scales",
    "evaluate",
]

ACTUAL = "actual"
MODEL = "model"
CUTOFF = "cutoff"
HORIZON = "horizon"
SCALE_ABS = "scale_abs"
SCALE_SQ = "scale_sq"

Metric = Callable[[pl.DataFrame, Sequence[str]], pl.DataFrame]
"""``metric(results, by) -> frame[*by, name...]``."""

_QUANTILE = re.compile(r"^q(\d+(?:\.\d+)?)$")


def quantile_columns(df: pl.DataFrame) -> list[str]:
    """The quantile columns of a forecast frame (``q10``, ``q99.5``...), lowest level first."""
    return sorted((c for c in df.columns if _QUANTILE.match(c)), key=quantile_level)


def quantile_level(column: str) -> float:
    """``"q90" -> 0.9``."""
    match = _QUANTILE.match(column)
    if match is None:
        raise ShelfcastError(f"{column!r} is not a quantile column (expected q<percent>, e.g. q90)")
    return float(match.group(1)) / 100


def _error(column: str) -> pl.Expr:
    return pl.col(column) - pl.col(ACTUAL)


def _named(name: str, column: str) -> str:
    return name if column == FORECAST else f"{name}_{column}"


def _group(df: pl.DataFrame, by: Sequence[str], *aggs: pl.Expr) -> pl.DataFrame:
    if by:
        return df.group_by(list(by), maintain_order=True).agg(*aggs)
    return df.select(*aggs)


def mae(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Mean absolute error."""
    return _group(df, by, _error(column).abs().mean().alias(_named("mae", column)))


def rmse(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Root mean squared error."""
    return _group(df, by, _error(column).pow(2).mean().sqrt().alias(_named("rmse", column)))


def wape(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Weighted absolute percentage error: sum |error| / sum |actual| (a fraction, not %)."""
    value = _error(column).abs().sum() / pl.col(ACTUAL).abs().sum()
    return _group(df, by, value.alias(_named("wape", column)))


def bias(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Relative bias: sum (forecast - actual) / sum actual; > 0 over-forecasts."""
    value = _error(column).sum() / pl.col(ACTUAL).sum()
    return _group(df, by, value.alias(_named("bias", column)))


def rmspe(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Root mean squared percentage error, on the days with sales only (actual > 0)."""
    pct = (_error(column) / pl.col(ACTUAL)).pow(2)
    value = pct.filter(pl.col(ACTUAL) > 0).mean().sqrt()
    return _group(df, by, value.alias(_named("rmspe", column)))


def _scaled(
    df: pl.DataFrame, by: Sequence[str], *, column: str, name: str, scale: str, squared: bool
) -> pl.DataFrame:
    missing = [c for c in (scale, CUTOFF, STORE, ITEM) if c not in df.columns]
    if missing:
        raise ShelfcastError(
            f"{name} needs the columns {missing} (the backtest adds them; or pass train= to "
            "evaluate)"
        )
    err = _error(column).pow(2) if squared else _error(column).abs()
    series_keys = list(dict.fromkeys([*by, CUTOFF, STORE, ITEM]))
    per_series = (
        df.filter(pl.col(scale) > 0)
        .group_by(series_keys)
        .agg((err.mean() / pl.col(scale).first()).alias(name))
    )
    if squared:
        per_series = per_series.with_columns(pl.col(name).sqrt())
    out = _group(per_series, by, pl.col(name).mean())
    # Groups whose every series had a zero scale still get a row, with a null value.
    keys = df.select(list(by)).unique(maintain_order=True) if by else None
    if keys is None:
        return out if out.height else pl.DataFrame({name: [None]}, schema={name: pl.Float64})
    return keys.join(out, on=list(by), how="left", nulls_equal=True)


def mase(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Mean absolute scaled error: MAE / in-sample mean |one-step difference|, per series."""
    name = _named("mase", column)
    return _scaled(df, by, column=column, name=name, scale=SCALE_ABS, squared=False)


def rmsse(df: pl.DataFrame, by: Sequence[str], *, column: str = FORECAST) -> pl.DataFrame:
    """Root mean squared scaled error (M5): sqrt(MSE / in-sample mean squared one-step difference)."""
    name = _named("rmsse", column)
    return _scaled(df, by, column=column, name=name, scale=SCALE_SQ, squared=True)


def _pinball(column: str) -> pl.Expr:
    q = quantile_level(column)
    diff = pl.col(ACTUAL) - pl.col(column)
    return pl.max_horizontal(q * diff, (q - 1) * diff)


def pinball_loss(df: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Pinball (quantile) loss per quantile column (``pinball_q90``...), and ``pinball``, their mean."""
    cols = quantile_columns(df)
    if not cols:
        return _group(df, by, pl.lit(None, dtype=pl.Float64).alias("pinball"))
    per_q = [_pinball(c).mean().alias(f"pinball_{c}") for c in cols]
    out = _group(df, by, *per_q)
    return out.with_columns(pl.mean_horizontal([f"pinball_{c}" for c in cols]).alias("pinball"))


def quantile_coverage(df: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Share of actuals at or below each quantile (``cov_q90``...): q90 should cover 90 %."""
    cols = quantile_columns(df)
    return _group(
        df, by, *[(pl.col(ACTUAL) <= pl.col(c)).mean().alias(f"cov_{c}") for c in cols]
    )


def interval_coverage(df: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Share of actuals inside the central intervals the quantiles give: [q10, q90] -> ``cov_80``."""
    levels = {round(quantile_level(c), 6): c for c in quantile_columns(df)}
    aggs = []
    for lo, lo_col in sorted(levels.items()):
        hi_col = levels.get(round(1 - lo, 6))
        if lo < 0.5 and hi_col is not None:
            inside = pl.col(ACTUAL).is_between(pl.col(lo_col), pl.col(hi_col))
            aggs.append(inside.mean().alias(f"cov_{round((1 - 2 * lo) * 100):d}"))
    if not aggs:
        return df.select(list(by)).unique(maintain_order=True) if by else pl.DataFrame()
    return _group(df, by, *aggs)


def on_column(metric: Callable[..., pl.DataFrame], column: str) -> Metric:
    """The same metric on another column: ``on_column(wape, "q50")`` gives ``wape_q50``."""
    bound = functools.partial(metric, column=column)
    functools.update_wrapper(bound, metric)
    bound.__name__ = f"{metric.__name__}_{column}"  # type: ignore[attr-defined]
    return bound  # type: ignore[return-value]


DEFAULT_METRICS: tuple[Metric, ...] = (
    mae,
    rmse,
    wape,
    on_column(wape, "q50"),
    bias,
    mase,
    rmsse,
    rmspe,
    pinball_loss,
    quantile_coverage,
    interval_coverage,
)
"""The point forecast (a mean) is judged by RMSSE and RMSPE, ``q50`` by WAPE (BENCHMARKS.md)."""


def series_scales(sales: pl.DataFrame, *, end: object | None = None) -> pl.DataFrame:
    """Per series, the in-sample mean absolute and mean squared one-step difference.

    Over each series' days from its first row to ``end`` (default: the last date of
    ``sales``), a missing day counting as zero sales (DATA_FORMAT.md). Computed from the
    rows alone, without building the dense panel: across a gap of zero days the path
    y -> 0 -> ... -> 0 -> y' contributes |y| + |y'| (and y^2 + y'^2), and the days after a
    series' last row up to ``end`` contribute |y_last|. Returns ``store_id, item_id,
    scale_abs, scale_sq`` (null for a series with a single day).
    """
    end_date = sales[DATE].max() if end is None else end
    s = sales.select(STORE, ITEM, DATE, SALES).filter(pl.col(DATE) <= end_date).sort(STORE, ITEM, DATE)
    series = [STORE, ITEM]
    prev_sales = pl.col(SALES).shift(1).over(series)
    gap = (pl.col(DATE) - pl.col(DATE).shift(1).over(series)).dt.total_days()
    contiguous = gap == 1
    step_abs = pl.when(contiguous).then((pl.col(SALES) - prev_sales).abs()).otherwise(
        prev_sales.abs() + pl.col(SALES).abs()
    )
    step_sq = pl.when(contiguous).then((pl.col(SALES) - prev_sales).pow(2)).otherwise(
        prev_sales.pow(2) + pl.col(SALES).pow(2)
    )
    agg = (
        s.with_columns(step_abs.alias("_abs"), step_sq.alias("_sq"))
        .group_by(series)
        .agg(
            pl.col("_abs").sum(),
            pl.col("_sq").sum(),
            pl.col(DATE).min().alias("_first"),
            pl.col(DATE).max().alias("_last"),
            pl.col(SALES).last().alias("_tail"),
        )
    )
    tail_open = pl.col("_last") < pl.lit(end_date)
    n_steps = (pl.lit(end_date) - pl.col("_first")).dt.total_days()
    total_abs = pl.col("_abs") + pl.when(tail_open).then(pl.col("_tail").abs()).otherwise(0.0)
    total_sq = pl.col("_sq") + pl.when(tail_open).then(pl.col("_tail").pow(2)).otherwise(0.0)
    steps = pl.when(n_steps > 0).then(n_steps.cast(pl.Float64))
    return agg.select(
        STORE,
        ITEM,
        (total_abs / steps).alias(SCALE_ABS),
        (total_sq / steps).alias(SCALE_SQ),
    ).sort(series)


def evaluate(
    results: pl.DataFrame,
    metrics: Sequence[Metric] = DEFAULT_METRICS,
    *,
    by: Sequence[str] = (),
    train: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per model (and per value of the ``by`` columns), one column per metric.

    ``results`` has ``actual`` and the forecast columns, and a ``model`` column when it
    compares several. Scaled metrics need ``scale_abs``/``scale_sq``; when they are absent
    and ``train`` (the training ``sales``) is given, they are computed from it, per cutoff
    when ``results`` has a ``cutoff`` column (only the sales up to that cutoff count).
    """
    df = results
    required = [ACTUAL, FORECAST]
    missing = [c for c in required + list(by) if c not in df.columns]
    if missing:
        raise ShelfcastError(
            f"results lack the columns {missing} (have {df.columns})", details={"missing": missing}
        )
    if SCALE_ABS not in df.columns and train is not None:
        df = _attach_scales(df, train)
    keys = ([MODEL] if MODEL in df.columns else []) + [c for c in by if c != MODEL]
    out: pl.DataFrame | None = None
    for metric in metrics:
        if metric in (mase, rmsse) or getattr(metric, "func", None) in (mase, rmsse):
            if SCALE_ABS not in df.columns:
                continue  # no training data to scale with: leave the scaled metrics out
        part = metric(df, keys)
        out = part if out is None else (
            out.join(part, on=keys, how="left", nulls_equal=True) if keys else pl.concat(
                [out, part], how="horizontal"
            )
        )
    assert out is not None
    return out.sort(keys) if keys else out


def _attach_scales(df: pl.DataFrame, train: pl.DataFrame) -> pl.DataFrame:
    if CUTOFF not in df.columns:
        return df.join(series_scales(train), on=[STORE, ITEM], how="left")
    parts = [
        series_scales(train.filter(pl.col(DATE) <= cutoff), end=cutoff).with_columns(
            pl.lit(cutoff).alias(CUTOFF)
        )
        for cutoff in df[CUTOFF].unique().sort()
    ]
    scales = pl.concat(parts).with_columns(pl.col(CUTOFF).cast(df.schema[CUTOFF]))
    return df.join(scales, on=[CUTOFF, STORE, ITEM], how="left")
