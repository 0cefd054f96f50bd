"""Static attributes of stores and items, and the categorical encoding the model uses.

Strings become native XGBoost categoricals (an integer code per known value; a value the model
never saw is missing, not a new code, so that XGBoost sends it the way it learned for missing
values), numbers stay numbers. An absent value (no event that day, an item without a brand)
can have a code of its own, after the known ones (``absent_code``): the model learns it like
any other.
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


def encode(frame: pl.DataFrame, categories: dict[str, list[str]], *, absent_code: bool = False) -> pl.DataFrame:
    """Replace each categorical column by its float code: null for a value not in
    ``categories``; an absent value (null) is null too, or with ``absent_code`` the code
    after the known ones."""
    exprs = []
    for c, values in categories.items():
        absent = float(len(values)) if absent_code else None
        if c not in frame.columns:
            exprs.append(pl.lit(absent, pl.Float64).alias(c))
            continue
        mapping = pl.DataFrame({"_v": values, "_c": np.arange(len(values), dtype=np.float64)})
        code = pl.col(c).cast(pl.String).replace_strict(
            mapping["_v"], mapping["_c"], default=None, return_dtype=pl.Float64
        )
        exprs.append(pl.when(pl.col(c).is_null()).then(pl.lit(absent, pl.Float64)).otherwise(code).alias(c)
                     if absent_code else code)
    return frame.with_columns(exprs)
