"""Protection-period demand: exact quantiles, fitted variances, sums against Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from shelfcast.replenish.demand import (
    fit_daily_variance,
    nb_cdf,
    nb_quantile,
    window_moments,
)


def _draw(rng: np.random.Generator, mean: np.ndarray, var: np.ndarray, size: int) -> np.ndarray:
    """Draws of each day's negative binomial (Poisson where var == mean), shape (size, n)."""
    poisson = var <= mean * (1 + 1e-9)
    out = np.empty((size, mean.size))
    if poisson.any():
        out[:, poisson] = rng.poisson(mean[poisson], size=(size, poisson.sum()))
    nb = ~poisson
    if nb.any():
        r = mean[nb] ** 2 / (var[nb] - mean[nb])
        p = mean[nb] / var[nb]
        out[:, nb] = rng.negative_binomial(r, p, size=(size, nb.sum()))
    return out


def test_quantile_is_the_exact_discrete_quantile() -> None:
    rng = np.random.default_rng(1)
    mean = rng.gamma(0.8, 6.0, 2000)
    var = mean * (1 + 3 * rng.random(2000))
    var[:300] = mean[:300]
    for level in (0.5, 0.8, 0.95, 0.995):
        got = nb_quantile(level, mean, var)
        r = mean**2 / np.maximum(var - mean, 1e-300)
        want = np.where(var > mean, stats.nbinom.ppf(level, r, mean / var),
                        stats.poisson.ppf(level, mean))
        np.testing.assert_array_equal(got, want)
        assert (nb_cdf(got, mean, var) >= level).all()


def test_zero_mean_gives_zero_quantile() -> None:
    assert nb_quantile(0.99, np.zeros(3), np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_fitted_variance_reproduces_the_quantiles_it_came_from() -> None:
    mean = np.array([0.5, 3.0, 10.0, 40.0, 200.0])
    var = mean * np.array([1.0, 2.0, 3.0, 2.5, 6.0])
    quantiles = {q: nb_quantile(q, mean, var) for q in (0.1, 0.5, 0.8, 0.9, 0.95, 0.99)}
    fitted = fit_daily_variance(mean, quantiles)
    assert (fitted >= mean).all()
    # The q95 of the fitted distribution is within one unit (or 3 %) of the forecast's.
    got = nb_quantile(0.95, mean, fitted)
    assert np.all(np.abs(got - quantiles[0.95]) <= np.maximum(1.0, 0.03 * quantiles[0.95]))


@pytest.fixture(scope="module")
def unlike_days() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """40 SKUs x 5 days of unlike daily distributions, and 30,000 Monte Carlo sums."""
    rng = np.random.default_rng(7)
    n, days = 40, 5
    mean = rng.gamma(1.0, 15.0, (n, days)) + 2.0
    mean[:, 2] *= 2.5  # a promo day with its own spread
    var = mean * (1.0 + rng.random((n, days)) * np.array([0.5, 1, 4, 1, 2]))
    draws = _draw(rng, mean.ravel(), var.ravel(), 30_000).reshape(30_000, n, days).sum(axis=2)
    return mean, var, draws


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_protection_period_quantile_agrees_with_monte_carlo(
    level: float, unlike_days: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    """Sums of unlike daily distributions (a promo day, a quiet day): within 2 % of Monte Carlo."""
    mean, var, draws = unlike_days
    m, v = window_moments(mean, var, 0, mean.shape[1])
    analytic = nb_quantile(level, m, v)
    mc = np.quantile(draws, level, axis=0, method="inverted_cdf")
    rel = np.abs(analytic - mc) / mc
    assert rel.max() <= 0.02, (rel.max(), analytic[rel.argmax()], mc[rel.argmax()])


def test_protection_period_quantile_of_a_slow_mover_matches_monte_carlo_cdf() -> None:
    """For small counts 2 % of a quantile is under one unit: compare probabilities instead."""
    rng = np.random.default_rng(3)
    mean = np.array([[0.2, 0.1, 0.6], [0.05, 0.05, 0.3], [1.0, 0.4, 0.4]])
    var = mean * np.array([[1.0, 2.0, 3.0], [1.5, 1.0, 4.0], [2.0, 1.0, 1.0]])
    m, v = window_moments(mean, var, 0, 3)
    q = nb_quantile(0.95, m, v)
    draws = _draw(rng, mean.ravel(), var.ravel(), 200_000).reshape(200_000, 3, 3).sum(axis=2)
    p_at = (draws <= q).mean(axis=0)
    p_below = (draws <= q - 1).mean(axis=0)
    # The quantile is where the Monte Carlo cdf crosses 95 %, within 2 points.
    assert (p_at >= 0.95 - 0.02).all() and (p_below < 0.95 + 0.02).all()


def test_the_quantile_of_a_sum_is_below_the_sum_of_quantiles() -> None:
    mean = np.full((1, 3), 10.0)
    var = np.full((1, 3), 30.0)
    m, v = window_moments(mean, var, 0, 3)
    assert nb_quantile(0.95, m, v)[0] < 3 * nb_quantile(0.95, mean[0], var[0])[0]


def test_window_moments_per_row_windows() -> None:
    mean = np.arange(12, dtype=float).reshape(2, 6)
    m, v = window_moments(mean, mean * 2, np.array([1, 2]), np.array([2, 3]))
    assert m.tolist() == [1 + 2, 8 + 9 + 10]
    assert v.tolist() == [6.0, 54.0]
