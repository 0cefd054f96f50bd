"""Between Polars (the core), Arrow (the wire) and Spark (the engine)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pyarrow as pa
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
from pyspark.sql.types import StructType

from shelfcast.data.schema import ITEM, STORE

__all__ = [
    "BUCKET", "bucket_column", "spark_schema", "arrow_out", "empty_table", "per_group", "to_polars",
]

BUCKET = "_bucket"


def bucket_column(buckets: int) -> Column:
    """A bucket of whole series: every row of a (store, item) lands in the same bucket."""
    key = F.concat_ws("\u0000", F.col(STORE).cast("string"), F.col(ITEM).cast("string"))
    return F.pmod(F.xxhash64(key), F.lit(buckets)).alias(BUCKET)


def spark_schema(frame: pl.DataFrame) -> StructType:
    """The Spark schema of a Polars frame (strings as plain Arrow strings)."""
    fields = []
    for f in frame.to_arrow().schema:
        t = f.type
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        elif pa.types.is_timestamp(t):
            t = pa.timestamp("us", tz="UTC")
        fields.append(pa.field(f.name, t))
    return from_arrow_schema(pa.schema(fields))


def to_polars(table: pa.Table) -> pl.DataFrame:
    return pl.from_arrow(table)  # type: ignore[return-value]


def arrow_out(frame: pl.DataFrame, schema: StructType) -> pa.Table:
    """``frame`` as the Arrow table a UDF must return for ``schema`` (names, order, types)."""
    target = to_arrow_schema(schema)
    missing = [n for n in target.names if n not in frame.columns]
    if missing:
        frame = frame.with_columns(pl.lit(None).alias(n) for n in missing)
    return frame.select(target.names).to_arrow().cast(target)


def empty_table(schema: StructType) -> pa.Table:
    """No rows, the columns of ``schema``: what a UDF returns for an empty side of a cogroup."""
    return to_arrow_schema(schema).empty_table()


def per_group(
    df: DataFrame, by: list[str], func: Callable[[pl.DataFrame], pl.DataFrame], schema: StructType
) -> DataFrame:
    """``func`` (Polars in, Polars out) over each group of ``df`` by ``by``, on the executors."""

    def run(table: pa.Table) -> pa.Table:
        return arrow_out(func(to_polars(table)), schema)

    return df.groupBy(*by).applyInArrow(run, schema)
