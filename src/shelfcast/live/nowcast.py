"""The nowcast: today's expected final total, from what has sold so far and the morning forecast.

The blend, written down. Let ``F`` be the morning forecast of today's total, ``S`` the units
sold so far and ``p`` the share of a day's sales usually done by now (the intraday profile).
Take today's demand rate ``λ`` to be Gamma-distributed around the forecast (mean ``F``, shape
``a``, the prior strength: how many units of evidence the forecast is worth) and the sales so
far Poisson with mean ``p λ``. The posterior mean of ``λ`` is then a shrinkage of the
run rate ``S / p`` towards ``F``::

    E[λ | S] = w · S / p + (1 - w) · F,      w = p F / (p F + a)

``w`` is the expected units done by now over that plus ``a``: 0 at opening, growing as the
day (weighted by its profile) passes, near 1 when a lot was expected by now. What is still to
sell is the rest of the day at that rate, so::

    nowcast = S + (1 - p) · E[λ | S]

At opening it is the forecast; at the close it is what sold. Without a morning forecast the
run rate alone is used, once at least ``min_share`` of the day is done (before that, ``S``).

``a`` is best fit on past days (``fit_prior_strength``): till lines come in lumps, so the
sales so far are worth fewer units of evidence than they count, and less so early in the day.
"""

from __future__ import annotations

import numpy as np

__all__ = ["nowcast", "nowcast_array", "fit_prior_strength", "DEFAULT_PRIOR_STRENGTH"]

DEFAULT_PRIOR_STRENGTH = 4.0
"""A forecast worth 4 units of evidence: a Gamma with a coefficient of variation of 0.5."""


def nowcast_array(sold_so_far: np.ndarray, fraction_of_day_done: np.ndarray,
                  morning_forecast: np.ndarray, *,
                  prior_strength: float | np.ndarray = DEFAULT_PRIOR_STRENGTH,
                  min_share: float = 0.05) -> np.ndarray:
    """Vectorised :func:`nowcast`; ``morning_forecast`` may hold NaN (no forecast)."""
    s = np.asarray(sold_so_far, dtype=np.float64)
    p = np.clip(np.asarray(fraction_of_day_done, dtype=np.float64), 0.0, 1.0)
    f = np.asarray(morning_forecast, dtype=np.float64)
    a = np.maximum(np.asarray(prior_strength, dtype=np.float64), 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        run_rate = np.where(p > 0, s / p, 0.0)
        has_f = np.isfinite(f) & (f >= 0)
        f0 = np.where(has_f, f, 0.0)
        w = np.where(has_f, p * f0 / (p * f0 + a), 1.0)
        rate = np.where(has_f, w * run_rate + (1 - w) * f0,
                        np.where(p >= min_share, run_rate, 0.0))
    # Returns can leave S negative: nothing still to sell is negative.
    return s + (1 - p) * np.maximum(rate, 0.0)


def nowcast(sold_so_far: float, fraction_of_day_done: float, morning_forecast: float | None,
            *, prior_strength: float = DEFAULT_PRIOR_STRENGTH, min_share: float = 0.05) -> float:
    """Today's expected final total (see the module docstring for the blend)."""
    f = np.nan if morning_forecast is None else morning_forecast
    return float(nowcast_array(np.array([sold_so_far]), np.array([fraction_of_day_done]),
                               np.array([f]), prior_strength=prior_strength,
                               min_share=min_share)[0])


def fit_prior_strength(sold_so_far: np.ndarray, fraction_of_day_done: np.ndarray,
                       morning_forecast: np.ndarray, actual: np.ndarray, *,
                       grid: np.ndarray | None = None, max_rows: int = 200_000,
                       seed: int = 0) -> float:
    """The prior strength ``a`` that minimises the absolute error of past nowcasts.

    Fit on past days only. ``a`` is in units of sales: till lines come in lumps (one order
    of 50), far from Poisson, so the evidence in ``S`` is worth less than its units say; a
    fit on history measures that where a formula would assume it away. Rows beyond
    ``max_rows`` are sampled.
    """
    s, p, f, y = (np.asarray(v, dtype=np.float64) for v in
                  (sold_so_far, fraction_of_day_done, morning_forecast, actual))
    keep = np.isfinite(f) & np.isfinite(y)
    s, p, f, y = s[keep], p[keep], f[keep], y[keep]
    if s.size > max_rows:
        pick = np.random.default_rng(seed).choice(s.size, max_rows, replace=False)
        s, p, f, y = s[pick], p[pick], f[pick], y[pick]
    candidates = np.geomspace(0.1, 1e7, 57) if grid is None else np.asarray(grid, dtype=float)
    if s.size == 0:
        return DEFAULT_PRIOR_STRENGTH
    errors = [np.abs(nowcast_array(s, p, f, prior_strength=a) - y).sum() for a in candidates]
    return float(candidates[int(np.argmin(errors))])
