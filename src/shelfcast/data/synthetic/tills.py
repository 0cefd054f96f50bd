"""Till lines for the last days of sales: the units of each store, item and day split into
lines of mostly 1-3 units, timed by the store's intraday profile, with a few returns.

The lines of a (store, item, day) sum exactly to that day's sales: a return (-1) is
balanced by one more unit sold on the same day, so the tables agree.
"""

from __future__ import annotations

import numpy as np

from shelfcast.data.synthetic.catalog import STORE_TYPES

__all__ = ["INTRADAY_CDF", "OPENING_HOURS", "till_lines"]

# Opening hours (local), Monday-Saturday and Sunday, by store type.
OPENING_HOURS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "hyper": ((8.0, 22.0), (10.0, 16.0)),
    "super": ((7.0, 22.0), (10.0, 16.0)),
    "express": ((6.0, 23.0), (8.0, 22.0)),
}
NEW_LINE = 0.62
"""Probability that the next unit goes on a new line: line sizes are geometric, mean 1.6."""
RETURN_SHARE = 0.012
"""Share of (store, item, day) cells with a returned unit."""


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((h - centre) / width) ** 2)


def _profiles() -> np.ndarray:
    """(types * 7, 1440) cumulative share of a day's lines by minute, by store type and weekday."""
    h = (np.arange(1440) + 0.5) / 60.0
    out = np.zeros((len(STORE_TYPES) * 7, 1440))
    for k, kind in enumerate(STORE_TYPES):
        for dow in range(7):
            (o, c) = OPENING_HOURS[kind][1 if dow == 6 else 0]
            if dow < 5:  # lunch break and after-work peaks
                rate = 0.5 + 1.0 * _bump(h, 12.6, 0.8) + 1.6 * _bump(h, 17.8, 1.3)
                if kind == "express":  # commuters: breakfast and the way home
                    rate += 0.8 * _bump(h, 8.0, 0.6) + 0.6 * _bump(h, 18.3, 0.8)
            elif dow == 5:  # Saturday: one broad late-morning hump
                rate = 0.4 + 1.6 * _bump(h, 12.0, 2.4) + 0.3 * _bump(h, 17.0, 1.5)
            else:
                rate = 0.4 + 1.2 * _bump(h, 12.5, 1.8)
            rate = np.where((h >= o) & (h < c), rate, 0.0)
            out[k * 7 + dow] = np.cumsum(rate) / rate.sum()
    return out


INTRADAY_CDF = _profiles()
_OFFSET_CDF = (INTRADAY_CDF + np.arange(INTRADAY_CDF.shape[0])[:, None]).ravel()


def _minutes(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """Minute of the day for each line, drawn from its profile by inverse CDF (all at once:
    the profiles are stacked with an offset so one sorted array serves them all)."""
    u = rng.random(len(profile)) + profile
    idx = np.searchsorted(_OFFSET_CDF, u, side="left")
    return np.clip(idx - profile * 1440, 0, 1439)


def till_lines(
    rng: np.random.Generator, qty: np.ndarray, kind: np.ndarray, dow: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each cell's ``qty`` (> 0) units into till lines.

    ``kind`` and ``dow`` are the store type and weekday of each cell. Returns, per line, the
    cell index, the quantity and the second of the day.
    """
    qty = qty.astype(np.int64)
    n_cells = len(qty)
    unit_cell = np.repeat(np.arange(n_cells), qty)
    first_unit = np.cumsum(qty) - qty
    new = rng.random(len(unit_cell)) < NEW_LINE
    new[first_unit] = True
    line_of_unit = np.cumsum(new) - 1
    line_cell = unit_cell[new]
    line_qty = np.bincount(line_of_unit).astype(np.float64)
    # Returns: one unit back on a later line, one more unit sold on the cell's first line.
    ret = np.flatnonzero(rng.random(n_cells) < RETURN_SHARE)
    line_qty[line_of_unit[first_unit[ret]]] += 1.0
    cell = np.concatenate([line_cell, ret])
    quantity = np.concatenate([line_qty, np.full(len(ret), -1.0)])
    profile = kind[cell] * 7 + dow[cell]
    second = _minutes(rng, profile) * 60 + rng.integers(0, 60, len(cell))
    return cell, quantity, second
