"""The intraday profile: the share of a day's sales usually done by each time of day.

Learned from till lines by store and weekday. Each day counts once (the mean of the days'
cumulative shares), so one huge order does not bend a store's curve. A group with fewer than
``min_days`` days of history falls back to the store over all weekdays, then the chain on
that weekday, then the whole chain, then an even spread over the 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from shelfcast.data.schema import QUANTITY, STORE, TIMESTAMP
from shelfcast.data.transactions import local_day

__all__ = ["IntradayProfile", "intraday_profile", "DAY_MINUTES"]

DAY_MINUTES = 24 * 60
Key = tuple[str | None, int | None]  # (store or None for the chain, ISO weekday or None)


@dataclass(frozen=True)
class IntradayProfile:
    """Cumulative share done at each bin edge (0, res, 2 res, ..., 1440 minutes) per group.

    ``curves[(store, weekday)]``, ``curves[(store, None)]``, ``curves[(None, weekday)]``,
    ``curves[(None, None)]``: arrays of ``1440 / resolution + 1`` values from 0 to 1.
    ``days`` says how many days taught each curve.
    """

    resolution_minutes: int
    curves: dict[Key, np.ndarray] = field(default_factory=dict)
    days: dict[Key, int] = field(default_factory=dict)
    min_days: int = 8

    @property
    def edges(self) -> np.ndarray:
        return np.arange(0, DAY_MINUTES + 1, self.resolution_minutes, dtype=np.float64)

    def level(self, store_id: str, weekday: int) -> Key | None:
        """The group whose curve serves this store and weekday (None: the even spread)."""
        for key in ((store_id, weekday), (store_id, None), (None, weekday), (None, None)):
            if self.days.get(key, 0) >= self.min_days:
                return key
        return None

    def curve(self, store_id: str, weekday: int) -> np.ndarray:
        key = self.level(store_id, weekday)
        return self.edges / DAY_MINUTES if key is None else self.curves[key]

    def fraction_done(self, store_id: str, day: date, minute: float) -> float:
        """Expected share of ``day``'s sales done by ``minute`` (minutes after local midnight)."""
        curve = self.curve(store_id, day.isoweekday())
        return float(np.interp(min(max(minute, 0.0), DAY_MINUTES), self.edges, curve))


def _curves(shares: pl.DataFrame, by: list[str], nbins: int) -> tuple[dict, dict]:
    """Mean cumulative share per group of ``by`` (days with no sale in a bin count as 0)."""
    curves: dict[Key, np.ndarray] = {}
    days: dict[Key, int] = {}
    counts = shares.group_by(by or pl.lit(0)).agg(pl.struct(STORE, "day").n_unique().alias("n"))
    sums = shares.group_by([*by, "bin"]).agg(pl.col("share").sum())
    for row in counts.iter_rows(named=True):
        key = (row.get(STORE) if STORE in by else None, row.get("weekday") if "weekday" in by
               else None)
        days[key] = int(row["n"])
        curves[key] = np.zeros(nbins)
    for row in sums.iter_rows(named=True):
        key = (row.get(STORE) if STORE in by else None, row.get("weekday") if "weekday" in by
               else None)
        curves[key][int(row["bin"])] += row["share"] / days[key]
    for key, per_bin in curves.items():
        cumulative = np.concatenate([[0.0], np.cumsum(per_bin)])
        curves[key] = np.clip(cumulative / max(cumulative[-1], 1e-12), 0.0, 1.0)
    return curves, days


def intraday_profile(transactions: pl.DataFrame, *, time_zone: str = "UTC",
                     resolution_minutes: int = 15, min_days: int = 8) -> IntradayProfile:
    """Learn the profile from till lines (``timestamp`` aware, ``store_id``, ``quantity``).

    Returns are left out: the profile is the shape of selling through the day.
    """
    if DAY_MINUTES % resolution_minutes:
        raise ValueError(f"resolution_minutes must divide 1440, got {resolution_minutes}")
    nbins = DAY_MINUTES // resolution_minutes
    local = pl.col(TIMESTAMP).dt.convert_time_zone(time_zone)
    lines = (
        transactions.lazy()
        .filter(pl.col(QUANTITY) > 0)
        .select(
            pl.col(STORE),
            local_day(pl.col(TIMESTAMP), time_zone).alias("day"),
            ((local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32))
             // resolution_minutes).alias("bin"),
            pl.col(QUANTITY).cast(pl.Float64),
        )
        .group_by(STORE, "day", "bin").agg(pl.col(QUANTITY).sum())
        .with_columns(
            (pl.col(QUANTITY) / pl.col(QUANTITY).sum().over(STORE, "day")).alias("share"),
            pl.col("day").dt.weekday().alias("weekday"),
        )
        .collect()
    )
    curves: dict[Key, np.ndarray] = {}
    days: dict[Key, int] = {}
    for by in ([STORE, "weekday"], [STORE], ["weekday"], []):
        c, d = _curves(lines, by, nbins)
        curves.update(c)
        days.update(d)
    return IntradayProfile(resolution_minutes, curves, days, min_days)
