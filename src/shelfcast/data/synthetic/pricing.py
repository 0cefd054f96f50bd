"""Prices and promotions per item and day, and the demand multipliers they and the item's
life cycle cause.

Regular prices move in steps (mostly up, about once a year, on a Monday); promotions run
for one or two promo weeks (Wednesday to Tuesday) at a discount of 10-50 %. Demand answers
the price relative to the item's inflation-adjusted reference with a constant elasticity,
gets a display uplift on promotion, and dips for a week after (customers stocked up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from shelfcast.data.synthetic.catalog import Items, category_array

__all__ = ["ItemDays", "make_item_days", "INFLATION", "DISPLAY_UPLIFT"]

INFLATION = 0.03
"""Yearly drift of the reference price: a steady price loses demand slowly to inflation."""
DISPLAY_UPLIFT = 1.25
"""Extra demand on promotion beyond the price effect (end-of-aisle display, leaflet)."""
_DEPTHS = np.array([0.10, 0.15, 0.20, 0.25, 0.33, 0.50])
_DEPTH_P = np.array([0.15, 0.2, 0.25, 0.2, 0.12, 0.08])


@dataclass(frozen=True)
class ItemDays:
    price: np.ndarray
    """(items, days) the chain's shelf price (store price indexes apply on top)."""
    promo: np.ndarray
    """(items, days) 1.0 on promotion."""
    multiplier: np.ndarray
    """(items, days) demand multiplier: price, promotion, post-promotion dip, trend, life cycle."""


def _round_price(p: np.ndarray) -> np.ndarray:
    """Shelf prices end in 9: 2.49, 0.89."""
    return np.maximum(np.floor(p * 10) / 10 + 0.09, 0.19)


def make_item_days(rng: np.random.Generator, items: Items, start: date, n_days: int) -> ItemDays:
    n = len(items.ids)
    t = np.arange(n_days)
    # Regular price: steps at Monday week starts.
    week = (t + start.weekday()) // 7
    n_weeks = week[-1] + 1
    step = np.where(rng.random((n, n_weeks)) < 1.1 / 52,
                    np.exp(rng.normal(0.035, 0.05, (n, n_weeks))), 1.0)
    step[:, 0] = 1.0
    regular = _round_price(items.base_price[:, None] * np.cumprod(step, axis=1))[:, week]
    # Promotions: promo weeks start on Wednesdays; some run two weeks.
    pweek = (t + (start.weekday() - 2) % 7) // 7
    n_pweeks = pweek[-1] + 1
    rate = category_array("promo_rate")[items.category][:, None]
    starts = rng.random((n, n_pweeks)) < rate
    depth_w = np.where(starts, rng.choice(_DEPTHS, size=(n, n_pweeks), p=_DEPTH_P), 0.0)
    two = starts & (rng.random((n, n_pweeks)) < 0.3)
    depth_w[:, 1:] = np.maximum(depth_w[:, 1:], np.where(two[:, :-1], depth_w[:, :-1], 0.0))
    depth = depth_w[:, pweek]
    promo = (depth > 0).astype(np.float64)
    price = np.where(depth > 0, np.round(regular * (1 - depth), 2), regular)

    reference = items.base_price[:, None] * np.exp(INFLATION * t / 365.25)[None, :]
    mult = (price / reference) ** (-items.elasticity[:, None])
    mult *= np.where(promo > 0, DISPLAY_UPLIFT, 1.0)
    # Post-promotion dip: depth by category, fading with the days since the last promo day.
    last = np.maximum.accumulate(np.where(promo > 0, t[None, :], -10_000), axis=1)
    gap = t[None, :] - last
    dip = category_array("dip")[items.category][:, None]
    mult *= np.where((gap >= 1) & (gap <= 14), 1 - dip * np.exp(-(gap - 1) / 3.0), 1.0)
    # Trend and life cycle: a launch ramps up over weeks, a delisting runs down over six.
    mult *= np.exp(items.trend[:, None] * t[None, :] / 365.25)
    since = t[None, :] - items.launch[:, None]
    ramp = 1 - 0.85 * np.exp(-np.maximum(since, 0) / 14.0)
    mult *= np.where(items.launch[:, None] > 0, ramp, 1.0)
    until = items.end[:, None] - t[None, :]
    mult *= np.clip(0.4 + 0.6 * until / 42.0, 0.4, 1.0)
    return ItemDays(price, promo, mult)
