"""The chain's calendar: public holidays and events, their effects by category, closures.

Effects are multipliers on demand, shaped in days before and after each event (the
Christmas run-up and the lull after it, chocolate before Easter, the payday bump). They
are built per occurrence (a handful a year), then applied as whole (category, day)
arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from shelfcast.data.schema import DATE, EVENT, STORE
from shelfcast.data.synthetic.catalog import CATEGORIES, STORE_TYPES

__all__ = ["Calendar", "make_calendar", "easter"]

_CAT = {c.name: k for k, c in enumerate(CATEGORIES)}


def easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True)
class Calendar:
    day_effect: np.ndarray
    """(categories, days) demand multipliers of chain-wide events."""
    store_effect: np.ndarray
    """(stores, days) demand multipliers of store-specific local events."""
    open: np.ndarray
    """(stores, days) 1.0 open, 0.0 closed."""
    events: pl.DataFrame


def _occurrences(start: date, n_days: int) -> list[tuple[str, date]]:
    end = start + timedelta(days=n_days - 1)
    out: list[tuple[str, date]] = []
    for year in range(start.year, end.year + 1):
        e = easter(year)
        nov1 = date(year, 11, 1)
        thanksgiving = nov1 + timedelta(days=(3 - nov1.weekday()) % 7 + 21)
        out += [
            ("new_year", date(year, 1, 1)),
            ("valentines_day", date(year, 2, 14)),
            ("good_friday", e - timedelta(days=2)),
            ("easter", e),
            ("easter_monday", e + timedelta(days=1)),
            ("halloween", date(year, 10, 31)),
            ("black_friday", thanksgiving + timedelta(days=1)),
            ("christmas_eve", date(year, 12, 24)),
            ("christmas", date(year, 12, 25)),
            ("boxing_day", date(year, 12, 26)),
            ("new_years_eve", date(year, 12, 31)),
        ]
        for month in range(1, 13):  # payday: the last weekday of the month
            last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            while last.weekday() >= 5:
                last -= timedelta(days=1)
            out.append(("payday", last))
    return sorted((name, d) for name, d in out if start <= d <= end)


def _window(effect: np.ndarray, t: int, rows: slice | list[int], values: dict[int, float]) -> None:
    """Multiply ``effect[rows, t + offset]`` by each value, skipping days off the span."""
    for offset, value in values.items():
        if 0 <= t + offset < effect.shape[1]:
            effect[rows, t + offset] *= value


def _cats(*names: str) -> list[int]:
    return [_CAT[n] for n in names]


def make_calendar(
    rng: np.random.Generator, start: date, n_days: int, history_days: int, store_ids: np.ndarray,
    store_kind: np.ndarray,
) -> Calendar:
    n_cat, n_stores = len(CATEGORIES), len(store_ids)
    eff = np.ones((n_cat, n_days))
    is_open = np.ones((n_stores, n_days))
    all_ = slice(None)
    sweets = _cats("confectionery")
    rows: list[tuple[date, str, str | None]] = []
    for name, d in _occurrences(start, n_days):
        t = (d - start).days
        rows.append((d, name, None))
        if name == "christmas":
            is_open[:, t] = 0.0
            _window(eff, t, all_, {-7: 1.15, -6: 1.2, -5: 1.25, -4: 1.3, -3: 1.4, -2: 1.5,
                                   -1: 1.35, 2: 0.85, 3: 0.85, 4: 0.88, 5: 0.9})
            _window(eff, t, _cats("meat", "alcohol", "confectionery", "snacks"),
                    {-5: 1.3, -4: 1.4, -3: 1.5, -2: 1.6, -1: 1.3})
        elif name == "boxing_day":
            _window(eff, t, all_, {0: 0.6})
        elif name == "new_years_eve":
            _window(eff, t, all_, {0: 1.1})
            _window(eff, t, _cats("alcohol"), {-1: 1.5, 0: 2.4})
        elif name == "new_year":
            _window(eff, t, all_, {0: 0.55, 1: 0.9})
        elif name == "easter":
            is_open[store_kind == STORE_TYPES.index("hyper"), t] = 0.0  # Sunday trading laws
            _window(eff, t, all_, {-3: 1.15, -2: 1.2, -1: 1.3, 0: 0.6})
            _window(eff, t, sweets, {k: 1.0 + 0.15 * (11 + k) for k in range(-10, 0)})
        elif name == "good_friday":
            _window(eff, t, _cats("fresh_produce", "meat", "bakery"), {0: 1.15})
        elif name == "easter_monday":
            _window(eff, t, all_, {0: 0.8})
        elif name == "valentines_day":
            _window(eff, t, sweets + _cats("alcohol"), {-1: 1.4, 0: 1.8})
        elif name == "halloween":
            _window(eff, t, sweets, {-3: 1.3, -2: 1.5, -1: 1.8, 0: 2.2})
        elif name == "black_friday":
            _window(eff, t, all_, {0: 1.12, 1: 1.05})
            _window(eff, t, _cats("household", "personal_care"), {0: 1.6, 1: 1.2})
        elif name == "payday":
            _window(eff, t, all_, {0: 1.1, 1: 1.08, 2: 1.04})
            _window(eff, t, _cats("alcohol", "meat"), {0: 1.1, 1: 1.1})
    # Local events: a few a year per store (a fair, a match); crowds want drinks and snacks.
    store_eff = np.ones((n_stores, n_days))
    for s in range(n_stores):  # a handful of stores, a handful of events each
        n_local = rng.poisson(3.0 * n_days / 365.0)
        for t in np.sort(rng.integers(0, n_days, n_local)):
            kind = "local_festival" if rng.random() < 0.6 else "football_match"
            rows.append((start + timedelta(days=int(t)), kind, str(store_ids[s])))
            lift = 1.3 if kind == "local_festival" else 1.15
            _window(store_eff, int(t), [s], {-1: 1.05, 0: lift})
    # Unplanned closures (a refit, a power cut): in the history only, about one a year a store.
    n_closed = rng.poisson(history_days / 365.0, n_stores)
    for s in np.flatnonzero(n_closed):
        days = rng.integers(0, history_days, n_closed[s])
        is_open[s, days] = 0.0
    events = pl.DataFrame(
        rows, schema={DATE: pl.Date, EVENT: pl.String, STORE: pl.String}, orient="row"
    ).sort(DATE, EVENT, STORE, nulls_last=False)
    return Calendar(eff, store_eff, is_open, events)
