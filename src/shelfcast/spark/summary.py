"""What the driver needs to know about the chain's sales, computed on the cluster.

The global model's preparation (categories, training window, count or amount, the days to
sample) needs a few numbers and the distinct store and item ids: Spark aggregates them; the
driver receives one row and two id lists (sized by stores and items, not by days).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from shelfcast.data.schema import DATE, ITEM, SALES, STORE
from shelfcast.errors import ShelfcastError
from shelfcast.spark.failures import core_errors

__all__ = ["ChainSummary", "chain_summary", "target_days", "future_span"]


@dataclass(frozen=True)
class ChainSummary:
    stores: list[str]
    items: list[str]
    n_series: int
    first: date
    last: date
    discrete: bool
    """Every sale a whole number: counts (negative binomial quantiles), else amounts (gamma)."""


def _typed(sales: DataFrame) -> DataFrame:
    # Validated already: these casts cannot fail (CSV columns arrive as text).
    return sales.select(
        F.col(STORE).cast("string").alias(STORE), F.col(ITEM).cast("string").alias(ITEM),
        F.to_date(F.col(DATE).cast("string")).alias(DATE), F.col(SALES).cast("double").alias(SALES),
    )


def chain_summary(sales: DataFrame) -> ChainSummary:
    """Distinct ids, number of series, first and last day, whole-number sales."""
    typed = _typed(sales)
    with core_errors():
        row = typed.agg(
            F.min(DATE).alias("first"), F.max(DATE).alias("last"),
            F.coalesce(F.bool_and(F.col(SALES) == F.floor(SALES)), F.lit(True)).alias("discrete"),
            F.count_distinct(STORE, ITEM).alias("series"),
        ).first()
        stores = sorted(r[0] for r in typed.select(STORE).distinct().collect())
        items = sorted(r[0] for r in typed.select(ITEM).distinct().collect())
    if row is None or row["series"] == 0:
        raise ShelfcastError("cannot fit a forecaster on an empty sales table")
    return ChainSummary(stores=stores, items=items, n_series=int(row["series"]),
                        first=row["first"], last=row["last"], discrete=bool(row["discrete"]))


def target_days(sales: DataFrame, *, last: date, starts: Sequence[date]) -> list[int]:
    """Days of the dense history from each of ``starts`` to ``last`` (the Forecaster's target
    days, and its recent ones): per series, from its first sale or the start, to ``last``."""
    series = _typed(sales).groupBy(STORE, ITEM).agg(F.min(DATE).alias("_from"))
    sums = [F.sum(F.datediff(F.lit(last), F.greatest(F.col("_from"), F.lit(start))) + 1)
            for start in starts]
    with core_errors():
        row = series.agg(*sums).first()
    return [int(v or 0) for v in row]


def future_span(future: DataFrame | None) -> tuple[date, date] | None:
    """First and last day of ``future`` (None without rows)."""
    if future is None:
        return None
    with core_errors():
        row = future.agg(F.min(F.to_date(F.col(DATE).cast("string"))),
                         F.max(F.to_date(F.col(DATE).cast("string")))).first()
    return None if row is None or row[0] is None else (row[0], row[1])
