"""The window-variance calibration, against a Monte Carlo of lumpy and of independent demand."""

from __future__ import annotations

import numpy as np

from shelfcast.replenish.calibrate import past_window_errors, variance_factor
from shelfcast.replenish.demand import nb_quantile

N, DAYS, P, TODAY = 2000, 240, 3, 179


def _demand(rng: np.random.Generator, rate: np.ndarray, lumpy: bool) -> np.ndarray:
    """Daily counts; lumpy: the days of each protection window share a gamma multiplier
    (a busy spell), so the window's sum is far more spread than its independent days'."""
    if not lumpy:
        return rng.poisson(rate[:, None], (rate.size, DAYS)).astype(float)
    # Windows open the day after a review (reviews on days 0, P, 2P, ...): blocks from day 1.
    block = (np.arange(DAYS) - 1) // P + 1
    mult = rng.gamma(4.0, 0.25, (rate.size, block.max() + 1))[:, block]
    return rng.poisson(rate[:, None] * mult).astype(float)


def _calibrated(demand: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(factor, coverage of the next windows by the uncalibrated and calibrated q95)."""
    n = rate.size
    cumulative = np.zeros((n, DAYS + 1))
    np.cumsum(demand, axis=1, out=cumulative[:, 1:])
    # The forecast knows each day's mean and takes days as independent Poissons.
    window_mean = np.repeat((rate * P)[:, None], DAYS, axis=1)
    reviewed = np.zeros((n, DAYS), dtype=bool)
    reviewed[:, ::P] = True
    errors, model_var, known = past_window_errors(
        cumulative, window_mean, window_mean.copy(), reviewed, np.full(n, P), TODAY)
    factor = variance_factor(errors, model_var, known)
    future = demand[:, TODAY + 2:TODAY + 2 + 57].reshape(n, -1, P).sum(axis=2)
    m = rate * P
    coverage = np.array([
        (future <= nb_quantile(0.95, m, m * f)[:, None]).mean() for f in (np.ones(n), factor)
    ])
    return factor, coverage


def test_lumpy_windows_are_widened_until_the_target_is_met() -> None:
    rng = np.random.default_rng(1)
    rate = rng.uniform(1, 20, N)
    factor, (raw, calibrated) = _calibrated(_demand(rng, rate, lumpy=True), rate)
    # Independent days cover the lumpy windows far too rarely; calibrated, within 2 points.
    assert raw < 0.85
    assert abs(calibrated - 0.95) <= 0.02
    # The spread grows with the rate (var = m + m^2 / 4): so does the factor.
    assert np.median(factor[rate > 15]) > 2 * np.median(factor[rate < 5])


def test_independent_days_keep_their_spread() -> None:
    rng = np.random.default_rng(2)
    rate = rng.uniform(1, 20, N)
    factor, (raw, calibrated) = _calibrated(_demand(rng, rate, lumpy=False), rate)
    assert 0.85 <= np.median(factor) <= 1.15
    assert abs(calibrated - raw) <= 0.01
    assert abs(calibrated - 0.95) <= 0.02


def test_no_past_window_means_the_pooled_ratio_and_none_at_all_means_one() -> None:
    errors = np.array([[4.0, 4.0], [0.0, 0.0]])
    model_var = np.array([[1.0, 1.0], [1.0, 1.0]])
    known = np.array([[True, True], [False, False]])
    factor = variance_factor(errors, model_var, known)
    assert factor[1] == 4.0  # the pooled ratio: 8 / 2
    assert factor[0] == 4.0
    none = variance_factor(errors, model_var, np.zeros_like(known))
    assert none.tolist() == [1.0, 1.0]


def test_only_windows_known_by_today_count() -> None:
    demand = np.ones((1, 20))
    cumulative = np.concatenate([[[0.0]], np.cumsum(demand, axis=1)], axis=1)
    mean = np.full((1, 20), 3.0)
    reviewed = np.ones((1, 20), dtype=bool)
    _, _, known = past_window_errors(cumulative, mean, mean, reviewed, np.array([3]), 10)
    # The window of the review on day d covers days d+1 .. d+3: known when d + 3 <= 10.
    assert known.sum() == 8  # reviews on days 0 .. 7
