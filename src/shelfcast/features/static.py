"""Static attributes of stores and items, and the categorical encoding the model uses.

Strings become native XGBoost categoricals (an integer code per known value; a value the model
never saw is missing, not a new code), numbers stay numbers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["static_attributes", "fit_categories", "encode"]


def static_attributes(table: pl.DataFrame | None, key: str, prefix: str) -> pl.DataFrame | None:
    """The table's attributes renamed ``<prefix>_<column>``, strings kept as strings."""
    if table is None or table.width < 2:
        return None
    cols = [c for c in table.columns if c != key]
    exprs = []
    for c in cols:
        dtype = table.schema[c]
        expr = pl.col(c).cast(pl.Float64) if dtype.is_numeric() else pl.col(c).cast(pl.String)
        exprs.append(expr.alias(f"{prefix}_{c}"))
    return table.select(pl.col(key).cast(pl.String), *exprs).unique(key, keep="first")


def fit_categories(frame: pl.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """The sorted known values of each categorical column."""
    return {c: sorted(v for v in frame[c].unique().to_list() if v is not None) for c in columns}


def encode(frame: pl.DataFrame, categories: dict[str, list[str]]) -> pl.DataFrame:
    """Replace each categorical column by its float code (null for unknown values)."""
    exprs = []
    for c, values in categories.items():
        if c not in frame.columns:
            exprs.append(pl.lit(None, pl.Float64).alias(c))
            continue
        mapping = pl.DataFrame({"_v": values, "_c": np.arange(len(values), dtype=np.float64)})
        exprs.append(
            pl.col(c).cast(pl.String).replace_strict(
                mapping["_v"], mapping["_c"], default=None, return_dtype=pl.Float64
            )
        )
    return frame.with_columns(exprs)

