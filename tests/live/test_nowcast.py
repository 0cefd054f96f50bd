"""The nowcast blend: forecast at opening, what sold at the close, shrinkage in between."""

import numpy as np
import pytest

from shelfcast.live.nowcast import (
    DEFAULT_PRIOR_STRENGTH,
    fit_prior_strength,
    nowcast,
    nowcast_array,
)


def test_at_opening_the_nowcast_is_the_morning_forecast() -> None:
    assert nowcast(0.0, 0.0, 120.0) == pytest.approx(120.0)


def test_at_the_close_the_nowcast_is_what_sold() -> None:
    assert nowcast(87.0, 1.0, 120.0) == pytest.approx(87.0)


def test_on_track_sales_keep_the_forecast() -> None:
    assert nowcast(50.0, 0.5, 100.0) == pytest.approx(100.0)


def test_a_strong_day_moves_the_nowcast_up_more_as_the_day_passes() -> None:
    # Selling at twice the expected rate: the later, the more the run rate is believed.
    early = nowcast(2 * 100 * 0.2, 0.2, 100.0) / 200
    late = nowcast(2 * 100 * 0.8, 0.8, 100.0) / 200
    assert 0.5 < early < late < 1.0


def test_a_stronger_prior_trusts_the_forecast_more() -> None:
    weak = nowcast(80.0, 0.5, 100.0, prior_strength=1.0)
    strong = nowcast(80.0, 0.5, 100.0, prior_strength=500.0)
    assert abs(strong - 100.0) < abs(weak - 100.0)
    assert weak == pytest.approx(80 + 0.5 * (50 / 51 * 160 + 1 / 51 * 100))


def test_never_below_what_sold_and_returns_do_not_make_remaining_negative() -> None:
    out = nowcast_array(np.array([5.0, -3.0]), np.array([0.3, 0.3]), np.array([0.0, 10.0]))
    assert out[0] >= 5.0
    assert out[1] >= -3.0


def test_without_a_forecast_the_run_rate_once_enough_of_the_day_is_done() -> None:
    assert nowcast(10.0, 0.5, None) == pytest.approx(20.0)
    assert nowcast(10.0, 0.01, None) == pytest.approx(10.0)  # too early to extrapolate


def test_vectorised_equals_scalar() -> None:
    s, p, f = np.array([1.0, 30.0, 0.0]), np.array([0.1, 0.6, 0.9]), np.array([8.0, 40.0, np.nan])
    expected = [nowcast(a, b, None if np.isnan(c) else c) for a, b, c in zip(s, p, f)]
    assert nowcast_array(s, p, f) == pytest.approx(expected)


def test_fit_prior_strength_trusts_a_good_forecast_and_distrusts_a_bad_one() -> None:
    rng = np.random.default_rng(3)
    n = 5_000
    truth = rng.gamma(shape=4.0, scale=25.0, size=n)
    share = rng.uniform(0.1, 0.9, size=n)
    sold = rng.poisson(share * truth).astype(float)
    actual = sold + rng.poisson((1 - share) * truth)
    good = truth * rng.uniform(0.97, 1.03, size=n)        # knows the day's rate
    bad = np.full(n, truth.mean())                          # one number for every day
    a_good = fit_prior_strength(sold, share, good, actual)
    a_bad = fit_prior_strength(sold, share, bad, actual)
    assert a_good > 10 * a_bad
    fitted = np.abs(nowcast_array(sold, share, bad, prior_strength=a_bad) - actual).sum()
    for other in (0.1, 1e5):
        assert fitted <= np.abs(nowcast_array(sold, share, bad, prior_strength=other)
                                - actual).sum()


def test_fit_prior_strength_without_rows_is_the_default() -> None:
    empty = np.array([])
    assert fit_prior_strength(empty, empty, empty, empty) == DEFAULT_PRIOR_STRENGTH
