"""The one stockout projection, shared by the daily run, the order proposals and the live alerts.

Given the stock now, the demand still expected today (the live nowcast; 0 in the daily run,
whose count is at the close) and the demand of each following day at the service-level
quantile until the next delivery could arrive, it says on which day stock first fails to meet
demand, or that it does not. Deliveries already on their way can be added day by day. Arrays,
one row per SKU, so one call serves one SKU (the live path) or a million (the daily run).
"""

from __future__ import annotations

from datetime import date

import numpy as np

__all__ = ["NO_STOCKOUT", "project_stockout"]

NO_STOCKOUT = np.datetime64("NaT", "D")
"""What :func:`project_stockout` returns for a SKU whose stock lasts."""


def project_stockout(
    on_hand: np.ndarray | float,
    remaining_today: np.ndarray | float,
    daily_demand: np.ndarray,
    *,
    today: date | np.datetime64 | np.ndarray,
    receipts: np.ndarray | None = None,
) -> np.ndarray:
    """The projected stockout date per SKU (``datetime64[D]``), ``NaT`` when stock lasts.

    Parameters
    ----------
    on_hand : units in stock now (at the close of ``today`` in the daily run), shape (n,).
    remaining_today : demand still expected today after ``on_hand`` was counted, shape (n,);
        0 when the count is at the close.
    daily_demand : shape (n, k): demand on day ``today + 1 + j`` at the service-level quantile,
        for the days before the next possible arrival; NaN beyond a SKU's own window.
    today : the day of the count, one for all or one per SKU.
    receipts : optional, shape (n, k): units already ordered that arrive at the start of day
        ``today + 1 + j`` (before that day's sales).

    A stockout is the first day on which demand exceeds the stock available that day; when
    that is today (``remaining_today > on_hand``), the date is ``today``.
    """
    stock = np.atleast_1d(np.asarray(on_hand, dtype=np.float64))
    n = stock.shape[0]
    left_today = stock - np.broadcast_to(np.asarray(remaining_today, dtype=np.float64), (n,))
    demand = np.asarray(daily_demand, dtype=np.float64).reshape(n, -1)
    coming = (
        np.zeros_like(demand)
        if receipts is None
        else np.nan_to_num(np.asarray(receipts, dtype=np.float64).reshape(n, -1))
    )
    # Stock left at the end of each day; until the first shortfall nothing was lost, so a
    # plain running sum is exact up to the day that matters.
    running = left_today[:, None] + np.cumsum(coming - np.nan_to_num(demand), axis=1)
    short = running < 0
    if demand.shape[1]:
        first = np.where(short.any(axis=1), short.argmax(axis=1) + 1, -1)
    else:
        first = np.full(n, -1)
    first = np.where(left_today < 0, 0, first)
    start = np.broadcast_to(np.asarray(today, dtype="datetime64[D]"), (n,))
    out = np.where(first >= 0, start + first.astype("timedelta64[D]"), NO_STOCKOUT)
    return out.astype("datetime64[D]")
