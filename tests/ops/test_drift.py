from datetime import date, timedelta

import numpy as np
import polars as pl

from shelfcast.data.dataset import Dataset
from shelfcast.ops.drift import feature_drift, psi, reference_window


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 2, 5000), rng.normal(10, 2, 5000)
    assert psi(a, b) < 0.02
    assert psi(a, b + 3) > 1.0


def test_psi_of_a_flag_that_switches_on() -> None:
    off = np.zeros(1000)
    often = (np.arange(1000) % 2).astype(float)
    assert psi(off, often) > 0.25
    assert psi(off, off) == 0.0


def test_small_samples_rarely_cross_the_threshold_on_noise_alone() -> None:
    # 42 recent values against 168: with 10 bins the noise alone averages about 0.27
    rng = np.random.default_rng(0)
    values = [psi(rng.normal(0, 1, 168), rng.normal(0, 1, 42)) for _ in range(200)]
    assert np.quantile(values, 0.95) < 0.15
    assert psi(rng.normal(0, 1, 168), rng.normal(1, 1, 42)) > 0.25  # a real shift still shows


def test_reference_is_last_year_when_the_training_data_hold_it() -> None:
    first, last = reference_window(first_date=date(2023, 1, 1), reference_end=date(2024, 3, 1),
                                   reference_days=56, recent_end=date(2024, 3, 1), recent_days=28)
    assert first == date(2024, 2, 3) - timedelta(days=364 + 28)
    assert last == date(2024, 3, 1) - timedelta(days=364 - 28)
    short = reference_window(first_date=date(2024, 1, 1), reference_end=date(2024, 3, 1),
                             reference_days=56, recent_end=date(2024, 3, 1), recent_days=28)
    assert short == (date(2024, 3, 1) - timedelta(days=55), date(2024, 3, 1))


def _drift(dataset: Dataset) -> dict[str, float]:
    end = dataset.last_date
    frame = feature_drift(dataset, reference_end=end, reference_days=56, recent_end=end,
                          recent_days=28)
    return dict(zip(frame["feature"], frame["psi"], strict=True))


def test_feature_drift_flags_the_shifted_feature_only(chain_tables: dict[str, pl.DataFrame]) -> None:
    sales = chain_tables["sales"]
    steady = _drift(Dataset(sales=sales))
    assert set(steady) == {"sales", "price", "promo"}
    assert max(steady.values()) < 0.25
    start = sales["date"].max() - timedelta(days=27)
    shifted = sales.with_columns(
        pl.when(pl.col("date") >= start).then(pl.col("price") * 1.6).otherwise(pl.col("price"))
        .alias("price"))
    drifted = _drift(Dataset(sales=shifted))
    assert drifted["price"] > 0.25
    assert drifted["sales"] < 0.25 and drifted["promo"] < 0.25
