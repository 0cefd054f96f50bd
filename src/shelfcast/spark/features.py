"""The core's features on Spark: ``FeatureSpec.frame`` over the dense history of each bucket
of whole series, so every lag, rolling window, calendar, event, price and attribute column
has the value the single-machine path computes (the tests compare them value for value).
"""

from __future__ import annotations

from datetime import date

import polars as pl
from pyspark.sql import DataFrame
from pyspark.sql.types import StructType

from shelfcast.data.schema import DATE, ITEM, SALES_RESERVED, STORE
from shelfcast.data.validate import validate_tables
from shelfcast.errors import DataValidationError
from shelfcast.features.build import (
    ORIGIN_LAG, ORIGIN_TRANSFORMS, WEEKDAY_LAG, WEEKDAY_TRANSFORMS, FeatureSpec, dense_history,
    prepare_statics, prepare_weather, row_feature_columns,
)
from shelfcast.features.events import event_calendar
from shelfcast.spark.arrow import BUCKET, bucket_column, per_group, spark_schema

__all__ = ["feature_spec", "history_features", "spark_features", "typed_sales"]


def typed_sales(raw: pl.DataFrame, file: str = "sales") -> pl.DataFrame:
    """A bucket's raw sales rows typed by the core (CSV text or JDBC types alike)."""
    typed, report = validate_tables({"sales": raw.drop(BUCKET, strict=False)},
                                    files={"sales": file}, cross_checks=False)
    if not report.ok or "sales" not in typed:
        report.raise_for_errors()
        raise DataValidationError(f"{file}: cannot be typed")
    return typed["sales"]


def feature_spec(
    small: dict[str, pl.DataFrame], *, covariates: list[str], country: str | None,
    stores: list[str], items: list[str], first: date, last: date,
) -> FeatureSpec:
    """The spec every bucket shares: the same categories everywhere, whatever a bucket holds.

    Categories follow the Forecaster's rule (sorted store and item ids, the events of whole
    years around the data, string attributes), computed from the chain's distinct ids.
    """
    stores_t, items_t = prepare_statics(small.get("stores"), small.get("items"))
    cal = event_calendar(small.get("events"), country=country,
                         start=date(first.year - 1, 1, 1), end=date(last.year + 1, 12, 31))
    names = sorted(set(cal["event"].to_list()))
    cats: dict[str, list[str]] = {
        "store": sorted(stores), "item": sorted(items),
        "event": names, "next_event": names, "last_event": names,
    }
    for table in (stores_t, items_t):
        if table is None:
            continue
        for c, t in table.schema.items():
            if c not in (STORE, ITEM) and t == pl.String:
                cats[c] = sorted(v for v in table[c].unique().to_list() if v is not None)
    return FeatureSpec(
        covariates=covariates, country=country, events=small.get("events"),
        stores=stores_t, items=items_t, weather=prepare_weather(small.get("weather")),
        categories=cats,
    )


def history_features(sales: pl.DataFrame, spec: FeatureSpec, *, end: date) -> pl.DataFrame:
    """Keys and every feature column of each history day: the core's steps, in one process."""
    if sales.height == 0:
        return pl.DataFrame()
    frame = spec.frame(dense_history(sales, spec.covariates, end=end))
    columns = row_feature_columns(frame.columns, spec)
    columns += [t.name(ORIGIN_LAG) for t in ORIGIN_TRANSFORMS]
    columns += [t.name(WEEKDAY_LAG) for t in WEEKDAY_TRANSFORMS]
    return frame.select(
        pl.col(DATE), pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String),
        *[pl.col(c).cast(pl.Float64) for c in columns],
    )


def spark_features(
    sales: DataFrame, spec: FeatureSpec, *, end: date, buckets: int, file: str = "sales"
) -> DataFrame:
    """``history_features`` of every bucket of whole series, as one Spark frame."""
    sample = sales.limit(200).toArrow()  # 200 rows: only to learn the output columns
    first_rows: pl.DataFrame = pl.from_arrow(sample)  # type: ignore[assignment]
    probe = history_features(typed_sales(first_rows, file), spec, end=end)
    schema: StructType = spark_schema(probe)

    def run(raw: pl.DataFrame) -> pl.DataFrame:
        return history_features(typed_sales(raw, file), spec, end=end)

    return per_group(sales.withColumn(BUCKET, bucket_column(buckets)), [BUCKET], run, schema)


def covariates_of(columns: list[str]) -> list[str]:
    """The covariates a sales table carries (every column but the reserved ones)."""
    return [c for c in columns if c not in SALES_RESERVED]
