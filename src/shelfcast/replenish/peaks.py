"""The service level of a protection period forecast well above the SKU's usual rate.

Stock cannot be sent back. What an order-up-to level holds beyond a window's expected demand
(its safety stock) is sold, when the window's demand falls short, at the SKU's usual rate,
so it waits (S - expected) / usual rate days. For an ordinary window that is about a cycle;
for a window forecast at rho times the usual rate (a wholesale customer's expected order, a
promotion) the safety stock is about sqrt(rho) times larger (a count's spread grows with the
square root of its mean) and waits that much longer. Spending stock where it buys the most
service per unit held means taking the same stockout risk per day of stock held, not per
cycle: the window's risk is ``(1 - target) * sqrt(rho)`` (rho >= 1; ordinary and slow windows
keep the target). Peak windows are few, so the SKU's cycle service over time stays near its
target, while the stock that would sit for weeks after a peak is not bought.

Measured on Online Retail (wholesale lumps, 90-day replay, same forecasts): at the 95 % target
the cycle service level went from 0.949 to 0.940 and the average stock from 63,250 to 45,570
units; the inventory saving against the textbook at equal fill rate, 13.3 % at worst before,
is 18.1-38.7 % at every comparable point (10 targets for both methods).
Before it, 33,500 of the 77,500 units of average position sat above the day's order-up-to
level, left by peaks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PEAK_EXPONENT", "LEVEL_FLOOR", "peak_level"]

PEAK_EXPONENT = 0.5
"""Risk grows with rho to this power: the growth of a count's spread with its mean."""
LEVEL_FLOOR = 0.5
"""Never below the median of the window's demand."""


def peak_level(
    level: np.ndarray,
    window_mean: np.ndarray,
    usual_rate: np.ndarray,
    window_days: np.ndarray,
) -> np.ndarray:
    """The service level per SKU for its window: ``level`` where the window's expected demand
    is at most the usual rate over its days (or the rate is unknown, NaN, or 0), else
    ``1 - (1 - level) * rho ** PEAK_EXPONENT``, never below ``LEVEL_FLOOR`` nor above ``level``."""
    level = np.broadcast_to(np.asarray(level, dtype=np.float64), window_mean.shape)
    usual = usual_rate * window_days
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(usual > 0, window_mean / usual, 1.0)
    rho = np.where(np.isfinite(rho), np.maximum(rho, 1.0), 1.0)
    peak = 1.0 - (1.0 - level) * rho**PEAK_EXPONENT
    return np.minimum(np.maximum(peak, LEVEL_FLOOR), level)
