from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from shelfcast.features.build import (
    MISSING_NUMBER, FeatureSpec, dense_history, extend_history, row_feature_columns,
)
from shelfcast.features.static import fit_categories
from tests.features.frames import panel


def _spec(frame_source: pl.DataFrame) -> FeatureSpec:
    spec = FeatureSpec(covariates=["price", "promo"])
    spec.categories = {"store": ["S1"], "item": ["I0", "I1"], "event": [], "next_event": [], "last_event": []}
    spec.row_features = row_feature_columns(spec.frame(frame_source).columns, spec)
    return spec


def test_no_leakage_sales_after_the_origin_do_not_move_the_features() -> None:
    sales = panel(days=150)
    end = sales["date"].max()
    history = dense_history(sales, ["price", "promo"], end=end)
    spec = _spec(history)
    origin = end - timedelta(days=40)
    changed = history.with_columns(
        pl.when(pl.col("date") > origin).then(pl.col("sales") * 10 + 7).otherwise(pl.col("sales")).alias("sales")
    )
    a, b = spec.frame(history), spec.frame(changed)
    dates = a["date"].to_numpy().astype("datetime64[D]")
    idx = np.flatnonzero(dates > np.datetime64(origin, "D"))
    h = (dates[idx] - np.datetime64(origin, "D")).astype(np.int64)
    xa, la = spec.matrix(a, idx, h)
    xb, lb = spec.matrix(b, idx, h)
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(la, lb)
    # ... while a row forecast from a later origin does see them (the test can fail).
    xc, _ = spec.matrix(b, idx, np.ones_like(h))
    assert not np.array_equal(xa[h > 1], xc[h > 1])


def test_extend_history_equals_a_dense_history_of_all_the_sales() -> None:
    sales = panel(days=100)
    # A missing day (no sale row) and a series that starts late.
    sales = sales.filter(~((pl.col("item_id") == "I0") & (pl.col("date") == pl.date(2024, 3, 20))))
    late = panel(days=100, series=1, seed=3).with_columns(pl.lit("I9").alias("item_id"))
    sales = pl.concat([sales, late.filter(pl.col("date") >= pl.date(2024, 3, 25))])
    cut = pl.date(2024, 3, 15)
    first = dense_history(sales.filter(pl.col("date") <= cut), ["price", "promo"], end=sales.filter(pl.col("date") <= cut)["date"].max())
    rolled = extend_history(first, sales, ["price", "promo"], keep_days=60)
    full = dense_history(sales, ["price", "promo"], end=sales["date"].max())
    full = full.filter(pl.col("date") > sales["date"].max() - timedelta(days=60))
    assert rolled.equals(full)


def test_categories_are_sorted_known_values() -> None:
    df = pl.DataFrame({"a": ["x", None, "b", "x"]})
    assert fit_categories(df, ["a"]) == {"a": ["b", "x"]}


def test_the_matrix_has_no_missing_value_and_keeps_missing_apart() -> None:
    # A series that starts late has no lags yet; no event is in sight: both were NaN.
    sales = panel(days=120)
    late = panel(days=120, series=1, seed=3).with_columns(pl.lit("I1").alias("item_id"))
    sales = pl.concat([sales.filter(pl.col("item_id") == "I0"),
                       late.filter(pl.col("date") >= pl.date(2024, 4, 20))])
    history = dense_history(sales, ["price", "promo"], end=sales["date"].max())
    spec = _spec(history)
    frame = spec.frame(history)
    idx = np.arange(frame.height)
    h = np.ones(idx.size, dtype=np.int64)
    X, _ = spec.matrix(frame, idx, h)
    assert not np.isnan(X).any()
    names = spec.feature_names
    lag1 = X[:, names.index("lag1")]
    assert (lag1 == MISSING_NUMBER).any() and (lag1 >= 0).any()  # missing: below every real value
    event = X[:, names.index("event")]
    assert set(np.unique(event)) == {len(spec.categories["event"])}  # no event: a code of its own
    # An item the model never saw stays missing (XGBoost's learned way for missing values),
    # not a code no split has seen.
    unseen = spec.frame(history.with_columns(pl.lit("I7").alias("item_id")))
    X_new, _ = spec.matrix(unseen, idx, h)
    assert np.isnan(X_new[:, names.index("item")]).all()
    assert not np.isnan(np.delete(X_new, names.index("item"), axis=1)).any()
    # A model saved before the fill (missing_filled False) is scored with NaN, as it was trained.
    old = FeatureSpec(covariates=spec.covariates, categories=spec.categories,
                      row_features=spec.row_features, missing_filled=False)
    X_old, _ = old.matrix(old.frame(history), idx, h)
    assert np.isnan(X_old[:, names.index("lag1")]).any()
    assert np.isnan(X_old[:, names.index("event")]).all()
