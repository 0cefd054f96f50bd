from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from shelfcast.forecast.quantiles import QuantileCalibrator

LEVELS = (0.1, 0.5, 0.8, 0.9, 0.95, 0.99)


def _poisson(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu = rng.gamma(2.0, 2.0, n)  # forecasts from 0.1 to 20 units
    return mu, rng.poisson(mu).astype(float), rng.integers(1, 29, n)


def test_poisson_series_are_covered_at_their_levels() -> None:
    mu, y, h = _poisson(20_000, seed=0)
    cal = QuantileCalibrator(LEVELS).fit(mu, y, h)
    mu2, y2, h2 = _poisson(20_000, seed=1)
    q = cal.predict(mu2, h2)
    coverage = (y2[:, None] <= q).mean(axis=0)
    # Counts: qP is the smallest k with P(Y <= k) >= P, so coverage is at or above P (ties),
    # at most as far above as the true Poisson quantiles' coverage is.
    oracle = (y2[:, None] <= stats.poisson.ppf(np.array(LEVELS)[None, :], mu2[:, None])).mean(axis=0)
    for level, cov, best in zip(LEVELS, coverage, oracle, strict=True):
        assert cov >= level - 0.015, (level, cov)
        assert cov <= best + 0.02, (level, cov, best)
    assert abs(coverage[3] - 0.9) < 0.03
    # Near-Poisson data give a near-zero dispersion.
    assert cal.global_["alpha"] < 0.05


def test_overdispersed_data_get_wider_quantiles_and_still_cover() -> None:
    rng = np.random.default_rng(2)
    mu = rng.gamma(2.0, 3.0, 30_000)
    y = rng.negative_binomial(1.5, 1.5 / (1.5 + mu)).astype(float)  # variance mu + mu^2 / 1.5
    h = rng.integers(1, 29, mu.size)
    cal = QuantileCalibrator(LEVELS).fit(mu[:15_000], y[:15_000], h[:15_000])
    q = cal.predict(mu[15_000:], h[15_000:])
    cov90 = (y[15_000:] <= q[:, 3]).mean()
    assert 0.87 <= cov90 <= 0.93
    poisson = QuantileCalibrator(LEVELS).fit(*_poisson(15_000, seed=3))
    assert q[:, 5].mean() > poisson.predict(mu[15_000:], h[15_000:])[:, 5].mean()


def test_quantiles_are_monotone_non_negative_integers_and_zero_for_a_zero_mean() -> None:
    mu, y, h = _poisson(5_000, seed=4)
    cal = QuantileCalibrator(LEVELS).fit(mu, y, h)
    new = np.array([0.0, 0.01, 0.5, 3.0, 40.0])
    q = cal.predict(new, np.array([1, 5, 10, 20, 40]))
    assert (np.diff(q, axis=1) >= 0).all()
    assert (q >= 0).all()
    np.testing.assert_array_equal(q, np.round(q))
    np.testing.assert_array_equal(q[0], 0.0)


def test_continuous_amounts_use_a_continuous_distribution() -> None:
    rng = np.random.default_rng(5)
    mu = rng.uniform(50, 500, 10_000)
    y = mu * rng.gamma(20, 1 / 20, mu.size)
    cal = QuantileCalibrator(LEVELS, discrete=False).fit(mu, y, np.ones(mu.size, dtype=int))
    q = cal.predict(mu, np.ones(mu.size, dtype=int))
    assert not np.allclose(q, np.round(q))
    assert (y <= q[:, 3]).mean() == pytest.approx(0.9, abs=0.02)


def test_round_trip_through_a_dict() -> None:
    mu, y, h = _poisson(3_000, seed=6)
    cal = QuantileCalibrator(LEVELS).fit(mu, y, h)
    again = QuantileCalibrator.from_dict(cal.to_dict())
    np.testing.assert_array_equal(cal.predict(mu, h), again.predict(mu, h))
