"""Accuracy of published forecasts as actuals arrive: WAPE, bias and q90 coverage by day,
store and category.

``score`` keeps sums (actual, forecast, absolute error, rows covered by q90), not ratios, so
that any window of days (``summarise``) is exact: WAPE over a week is the week's absolute
error over the week's sales, not a mean of daily WAPEs.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from shelfcast.data.schema import DATE, FORECAST, ITEM, SALES, STORE

__all__ = ["CATEGORY", "SCORE_COLUMNS", "score", "summarise", "empty_scores"]

CATEGORY = "category"
UNKNOWN_CATEGORY = "(none)"
SCORE_COLUMNS = {
    DATE: pl.Date, STORE: pl.String, CATEGORY: pl.String, "rows": pl.Int64,
    "actual": pl.Float64, FORECAST: pl.Float64, "abs_error": pl.Float64, "covered_q90": pl.Int64,
}


def empty_scores() -> pl.DataFrame:
    return pl.DataFrame(schema=SCORE_COLUMNS)


def score(
    forecast: pl.DataFrame, sales: pl.DataFrame, *, items: pl.DataFrame | None = None,
    last_actual_date: date | None = None,
) -> pl.DataFrame:
    """Sums per ``date, store_id, category`` for the forecast days that have actuals.

    A forecast day counts as observed when it is on or before ``last_actual_date`` (default:
    the last day of ``sales``); a series with no sales row that day sold nothing. Items absent
    from ``items`` (or without a category) fall under ``(none)``.
    """
    if forecast.height == 0 or sales.height == 0:
        return empty_scores()
    last = last_actual_date or sales[DATE].max()
    observed = forecast.filter(pl.col(DATE) <= last)
    if observed.height == 0:
        return empty_scores()
    has_q90 = "q90" in observed.columns
    rows = (
        observed.select(DATE, STORE, ITEM, FORECAST, *(["q90"] if has_q90 else []))
        .join(sales.select(DATE, STORE, ITEM, SALES), on=[DATE, STORE, ITEM], how="left")
        .with_columns(pl.col(SALES).fill_null(0.0).cast(pl.Float64).alias("actual"))
    )
    categories = _categories(items)
    rows = rows.join(categories, on=ITEM, how="left").with_columns(
        pl.col(CATEGORY).fill_null(UNKNOWN_CATEGORY))
    covered = (pl.col("actual") <= pl.col("q90")) if has_q90 else pl.lit(False)
    return (
        rows.group_by(DATE, STORE, CATEGORY)
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("actual").sum(),
            pl.col(FORECAST).sum().cast(pl.Float64),
            (pl.col(FORECAST) - pl.col("actual")).abs().sum().cast(pl.Float64).alias("abs_error"),
            covered.cast(pl.Int64).sum().alias("covered_q90"),
        )
        .select(list(SCORE_COLUMNS))
        .cast(SCORE_COLUMNS)  # type: ignore[arg-type]
        .sort(DATE, STORE, CATEGORY)
    )


def _categories(items: pl.DataFrame | None) -> pl.DataFrame:
    if items is None or CATEGORY not in items.columns:
        return pl.DataFrame(schema={ITEM: pl.String, CATEGORY: pl.String})
    return items.select(pl.col(ITEM).cast(pl.String), pl.col(CATEGORY).cast(pl.String)).unique(ITEM)


def summarise(scores: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """``[*by, rows, actual, forecast, wape, bias, coverage_q90]`` pooled over the given rows.

    WAPE is sum |error| / sum actual, bias (sum forecast - sum actual) / sum actual (null where
    nothing sold), coverage the share of rows whose actual was at or below q90.
    """
    grouped = scores.group_by(by) if by else scores.select(pl.all())
    sums = [
        pl.col("rows").sum(), pl.col("actual").sum(), pl.col(FORECAST).sum(),
        pl.col("abs_error").sum(), pl.col("covered_q90").sum(),
    ]
    out = grouped.agg(sums) if by else scores.select(sums)
    sold = pl.col("actual") > 0
    return out.with_columns(
        pl.when(sold).then(pl.col("abs_error") / pl.col("actual")).alias("wape"),
        pl.when(sold).then((pl.col(FORECAST) - pl.col("actual")) / pl.col("actual")).alias("bias"),
        pl.when(pl.col("rows") > 0).then(pl.col("covered_q90") / pl.col("rows")).alias("coverage_q90"),
    ).select(*by, "rows", "actual", FORECAST, "wape", "bias", "coverage_q90").sort(by or "rows")
