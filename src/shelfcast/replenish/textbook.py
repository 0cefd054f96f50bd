"""The textbook replenishment method of BENCHMARKS.md, on a dense demand matrix.

Forecast: the mean of the last 4 same weekdays. Safety stock: z(service level) x sigma x
sqrt(L + R), sigma the standard deviation of the last 8 weeks' one-day-ahead errors of that
forecast. Order up to: expected demand over L + R plus the safety stock, minus the inventory
position; then the same rules (packs, minimum order, capacity, shelf life) as shelfcast.
Everything is arrays: ``history`` is (SKUs, days), day ``t`` known at the close of ``t``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from shelfcast.replenish.demand import window_moments
from shelfcast.replenish.inputs import SkuArrays
from shelfcast.replenish.policies import Need

__all__ = ["weekday_mean_forecast", "one_day_ahead_sigma", "textbook_need"]

WEEKS = 4
ERROR_WEEKS = 8


def weekday_mean_forecast(history: np.ndarray, t: int, horizon: int, *, weeks: int = WEEKS) -> (
    np.ndarray
):
    """(SKUs, horizon): for day ``t + j`` (j = 1..horizon), the mean of the last ``weeks``
    same weekdays known at the close of ``t``. Days before the history count as missing."""
    n = history.shape[0]
    out = np.empty((n, horizon))
    for j in range(1, horizon + 1):
        first_back = -(-j // 7)  # the nearest same weekday on or before t
        idx = t + j - 7 * (first_back + np.arange(weeks))
        idx = idx[idx >= 0]
        out[:, j - 1] = history[:, idx].mean(axis=1) if idx.size else 0.0
    return out


def one_day_ahead_sigma(history: np.ndarray, t: int, *, weeks: int = WEEKS,
                        error_weeks: int = ERROR_WEEKS) -> np.ndarray:
    """Std of the one-day-ahead errors of the weekday mean over the last ``error_weeks`` weeks
    up to ``t``; days whose forecast lacks a full ``weeks`` of history are left out."""
    days = np.arange(max(t - 7 * error_weeks + 1, 7 * weeks), t + 1)
    if days.size < 2:
        return np.zeros(history.shape[0])
    lags = days[:, None] - 7 * np.arange(1, weeks + 1)[None, :]
    forecast = history[:, lags].mean(axis=2)
    errors = history[:, days] - forecast
    return errors.std(axis=1, ddof=1)


def textbook_need(sku: SkuArrays, sigma: np.ndarray) -> Need:
    """Order-up-to S = expected demand over L + R + z sigma sqrt(L + R), per SKU.

    ``sku.mean`` holds the weekday-mean forecast; ``sigma`` the one-day-ahead error std.
    """
    protection = sku.lead_time + sku.review_period
    pm, _ = window_moments(sku.mean, sku.var, 0, protection)
    lm, _ = window_moments(sku.mean, sku.var, 0, sku.lead_time)
    pv = sigma**2 * protection
    z = special.ndtri(sku.service_level)
    target = pm + z * np.sqrt(pv)
    position = sku.on_hand + sku.on_order
    raw = np.where(pm > 0, np.maximum(target - position, 0.0), 0.0)
    return Need(
        target=target,
        position=position,
        raw=raw,
        protection_mean=pm,
        protection_var=np.maximum(pv, 1e-12),
        lead_mean=lm,
        lead_var=sigma**2 * sku.lead_time,
        at_arrival=np.maximum(position - lm, 0.0),
    )
