"""The online predictor answers exactly what the Forecaster answers, without its pipeline."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from shelfcast.data.dataset import Dataset
from shelfcast.forecast import Forecaster
from shelfcast.forecast.online import OnlinePredictor

SMALL = {"n_estimators": 40, "max_depth": 6, "learning_rate": 0.15, "max_horizon": 28}
QCOLS = ["q10", "q50", "q80", "q90", "q95", "q99"]


@pytest.fixture(scope="module")
def fitted(chain_tables: dict[str, pl.DataFrame]) -> Forecaster:
    names = {f.name for f in dataclasses.fields(Dataset)}
    return Forecaster(**SMALL).fit(Dataset(**{k: v for k, v in chain_tables.items() if k in names}))


@pytest.fixture(scope="module")
def online(fitted: Forecaster) -> OnlinePredictor:
    return OnlinePredictor(fitted, horizon=40)


def _pick(online: OnlinePredictor, n: int, seed: int = 0) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    keys = list(online.series)
    chosen = [keys[k] for k in rng.choice(len(keys), n, replace=False)]
    h = rng.integers(1, online.horizon + 1, n)
    return chosen, np.array([online.series[k] for k in chosen]), h


def _future(online: OnlinePredictor, keys: list[tuple[str, str]], h: np.ndarray, **cols: list) -> pl.DataFrame:
    return pl.DataFrame({
        "date": [online.last_date + timedelta(days=int(x)) for x in h],
        "store_id": [k[0] for k in keys], "item_id": [k[1] for k in keys], **cols,
    })


def test_same_forecast_and_quantiles_as_predict_for_every_horizon(fitted: Forecaster, online: OnlinePredictor) -> None:
    keys, series, h = _pick(online, 25)
    got = online.predict(series, h)
    # One series per call: each future row is then the only target of its series, as online.
    for j, key in enumerate(keys):
        want = fitted.predict(_future(online, [key], h[j : j + 1]))
        assert got.mean[j] == pytest.approx(want["forecast"][0], rel=1e-5, abs=1e-6)
        assert got.quantiles[j] == pytest.approx(want.select(QCOLS).row(0), rel=1e-5, abs=1e-6)


def test_what_if_price_and_promo_match_predict_with_that_future_row(fitted: Forecaster, online: OnlinePredictor) -> None:
    keys, series, h = _pick(online, 12, seed=1)
    usual = fitted.state_.group_by("store_id", "item_id").agg(pl.col("price").last())
    last_price = {(r[0], r[1]): r[2] for r in usual.iter_rows()}
    price = np.array([last_price[k] * 0.7 for k in keys])
    promo = np.array([1.0 if j % 2 else 0.0 for j in range(len(keys))])
    got = online.predict(series, h, price=price, promo=promo)
    plain = online.predict(series, h)
    assert not np.allclose(got.mean, plain.mean), "a 30% cut and a promotion change nothing?"
    for j, key in enumerate(keys):
        want = fitted.predict(_future(online, [key], h[j : j + 1], price=[price[j]], promo=[promo[j]]))
        assert got.mean[j] == pytest.approx(want["forecast"][0], rel=1e-4, abs=1e-5), key


def test_next_day_matches_predict_next_day(fitted: Forecaster, online: OnlinePredictor) -> None:
    keys, series, _ = _pick(online, 15, seed=2)
    today_sales = np.arange(len(keys), dtype=float) * 1.5
    got = online.next_day(series, today_sales)
    provisional = pl.DataFrame({"store_id": [k[0] for k in keys], "item_id": [k[1] for k in keys],
                                "sales": today_sales})
    want = fitted.predict_next_day(provisional)
    assert want["date"][0] == online.last_date + timedelta(days=2)
    np.testing.assert_allclose(got.mean, want["forecast"].to_numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.quantiles, want.select(QCOLS).to_numpy(), rtol=1e-5, atol=1e-6)


def test_contributions_sum_to_the_log_of_the_forecast(online: OnlinePredictor) -> None:
    _, series, h = _pick(online, 10, seed=3)
    full = online.contributions(series, h)
    got = online.predict(series, h, contributions=True)
    assert full.shape == (10, len(online.names) + 1)
    open_ = got.mean > 0
    np.testing.assert_allclose(full.sum(axis=1)[open_], np.log(got.mean[open_]), rtol=1e-3, atol=1e-3)
    # The answer keeps the 5 largest by size, largest first.
    assert got.top_features is not None and got.top_values is not None
    assert got.top_features.shape == (10, 5)
    for i in range(10):
        want = np.sort(np.abs(full[i, :-1]))[::-1][:5]
        np.testing.assert_allclose(np.abs(got.top_values[i]), want, rtol=1e-5)
        np.testing.assert_allclose(got.top_values[i], full[i, got.top_features[i]], rtol=1e-5)


def test_what_if_rows_get_their_own_contributions(online: OnlinePredictor) -> None:
    _, series, h = _pick(online, 6, seed=4)
    promo = np.array([1.0, np.nan, 1.0, np.nan, 1.0, np.nan])
    plain = online.predict(series, h, contributions=True)
    what_if = online.predict(series, h, promo=promo, contributions=True)
    kept = np.isnan(promo)
    np.testing.assert_array_equal(what_if.mean[kept], plain.mean[kept])
    np.testing.assert_array_equal(what_if.top_values[kept], plain.top_values[kept])
    flag = online.names.index("promo_flag")
    for i in np.flatnonzero(~kept):  # the what-if rows were scored again, with the promotion on
        assert what_if.mean[i] != plain.mean[i] or flag in what_if.top_features[i]


def test_tomorrow_lags_are_the_feature_expressions_with_today_appended() -> None:
    """Summaries made once give what the expressions give over history + today (+ tomorrow):
    masked days, series shorter than the windows, one with no history, zero runs, no sale."""
    from shelfcast.features.build import (
        ORIGIN_LAG, ORIGIN_TRANSFORMS, WEEKDAY_LAG, WEEKDAY_TRANSFORMS, Y,
    )
    from shelfcast.forecast.online import _TomorrowLags

    rng = np.random.default_rng(4)
    today = date(2024, 6, 1)
    rows = []
    lengths = {"A": 181, "B": 40, "C": 3, "D": 181, "E": 0, "F": 100}
    for item, n in lengths.items():
        for j in range(n):
            y = float(rng.poisson(2.0)) if item != "D" else 0.0  # D: never sold
            if item == "F" and j > 60:
                y = 0.0  # F: a run of zeros up to today
            if rng.random() < 0.1:
                y = None  # masked
            rows.append(("S1", item, today - timedelta(days=n - j), y))
    history = pl.DataFrame(rows, schema={"store_id": pl.String, "item_id": pl.String,
                                         "date": pl.Date, Y: pl.Float64}, orient="row")
    series = pl.DataFrame({"store_id": ["S1"] * len(lengths), "item_id": list(lengths)})
    lags = _TomorrowLags(history, series, today)
    for today_sales in (0.0, 1.0, 3.5, -1.0):
        got = lags.features(np.arange(len(lengths)), np.full(len(lengths), today_sales))
        ends = series.with_columns(pl.lit(today).alias("date"), pl.lit(today_sales).alias(Y))
        after = series.with_columns(pl.lit(today + timedelta(days=1)).alias("date"),
                                    pl.lit(None, pl.Float64).alias(Y))
        tl = pl.concat([history, ends, after]).sort("store_id", "item_id", "date")
        by = ["store_id", "item_id"]
        exprs = [t.expr(pl.col(Y), ORIGIN_LAG, by).alias(t.name(ORIGIN_LAG)) for t in ORIGIN_TRANSFORMS]
        exprs += [t.expr(pl.col(Y), WEEKDAY_LAG, by).alias(t.name(WEEKDAY_LAG)) for t in WEEKDAY_TRANSFORMS]
        want = (tl.with_columns(exprs).group_by(by, maintain_order=True).last()
                .sort("store_id", "item_id"))
        assert set(got) == {e.meta.output_name() for e in exprs}
        for name, values in got.items():
            np.testing.assert_allclose(values, want[name].to_numpy().astype(float), rtol=1e-9,
                                       atol=1e-12, err_msg=f"{name}, today {today_sales}")
