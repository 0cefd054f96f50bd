"""Calibrate the spread of protection-period demand on the forecast's own past errors.

The daily distributions are fitted to the forecast's quantiles and summed as if the days were
independent. Lumpy demand breaks that: a wholesale customer's order, a run of busy days, or a
forecast that misses the level for several days in a row make the sum of a window far more
spread than the sum of its days' variances. So each SKU's window variance is multiplied by a
factor: the realised squared errors of its past windows (actual sum - forecast mean) over the
variance the model gave them. Few windows make a noisy ratio, so each SKU's ratio is shrunk to
the ratio pooled over all SKUs, as if ``prior_windows`` windows at that pooled ratio were
added to its own. The daily distributions keep their shape; only the sum's variance grows (or,
for a forecast too wide, shrinks), and the negative binomial of the sum takes it from there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["variance_factor", "past_window_errors", "PRIOR_WINDOWS", "FACTOR_BOUNDS"]

PRIOR_WINDOWS = 8.0
"""Weight of the pooled ratio, in windows, against each SKU's own."""
FACTOR_BOUNDS = (0.5, 25.0)
"""A factor outside these is more likely a broken forecast or an outlier than a spread."""


def variance_factor(
    sq_errors: np.ndarray,
    model_var: np.ndarray,
    valid: np.ndarray,
    *,
    prior_windows: float = PRIOR_WINDOWS,
    bounds: tuple[float, float] = FACTOR_BOUNDS,
) -> np.ndarray:
    """Per SKU (rows), the factor that makes past windows' errors match the model's variance.

    ``sq_errors`` and ``model_var`` are (SKUs, windows); ``valid`` marks the windows known.
    A SKU with no known window gets the pooled ratio; with none anywhere, 1.
    """
    e = np.where(valid, sq_errors, 0.0)
    v = np.where(valid, model_var, 0.0)
    count = valid.sum(axis=1)
    e_sum, v_sum = e.sum(axis=1), v.sum(axis=1)
    total_v = v_sum.sum()
    pooled = e_sum.sum() / total_v if total_v > 0 else 1.0
    # A pseudo-window at the pooled ratio carries the SKU's own typical variance.
    v_typical = np.where(count > 0, v_sum / np.maximum(count, 1), 0.0)
    prior_v = prior_windows * v_typical
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (e_sum + pooled * prior_v) / (v_sum + prior_v)
    factor = np.where(np.isfinite(factor) & (v_sum + prior_v > 0), factor, pooled)
    return np.clip(factor, *bounds)


def past_window_errors(
    cumulative_demand: np.ndarray,
    window_mean: np.ndarray,
    window_var: np.ndarray,
    review_days: np.ndarray,
    length: np.ndarray,
    today: int,
    *,
    lookback: int = 56,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(squared errors, model variances, valid) of the windows forecast on past review days.

    ``cumulative_demand`` is (SKUs, days + 1), the running sum of actual demand with a leading
    0; ``window_mean``/``window_var`` (SKUs, days) what the forecast made of the window that
    starts the day after each review (NaN where no review); ``length`` per SKU. Only windows
    wholly known by the close of ``today`` and at most ``lookback`` days old count.
    """
    n = window_mean.shape[0]
    first = max(today - lookback, 0)
    days = np.arange(first, today + 1)
    rows = np.arange(n)[:, None]
    end = days[None, :] + 1 + length[:, None]
    valid = (end <= today + 1) & np.isfinite(window_mean[:, days]) & review_days[:, days]
    end = np.clip(end, 0, cumulative_demand.shape[1] - 1)
    actual = cumulative_demand[rows, end] - cumulative_demand[rows, days[None, :] + 1]
    m = np.nan_to_num(window_mean[:, days])
    v = np.nan_to_num(window_var[:, days])
    return (actual - m) ** 2, v, valid
