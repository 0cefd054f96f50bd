"""Daily weather per store: a yearly temperature cycle by region, persistent anomalies shared
within a region (weather systems are wide), wet days with gamma-distributed rain.

The future days come from the same process: the table plays the part of a weather
forecast for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from shelfcast.data.schema import DATE, STORE
from shelfcast.data.synthetic.catalog import REGION_TEMP, REGION_WET, REGIONS
from shelfcast.data.synthetic.noise import ar1

__all__ = ["Weather", "make_weather"]


@dataclass(frozen=True)
class Weather:
    temp: np.ndarray
    """(stores, days) temp_max in C."""
    precip: np.ndarray
    """(stores, days) precipitation in mm."""
    table: pl.DataFrame


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sd: float) -> np.ndarray:
    """AR(1) rows with stationary standard deviation ``sd``, started in their stationary state."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), shape)
    eps[:, 0] = rng.normal(0.0, sd, shape[0])
    return ar1(eps, phi)


def make_weather(
    rng: np.random.Generator, start: date, n_days: int, store_ids: np.ndarray, region: np.ndarray
) -> Weather:
    n_stores = len(store_ids)
    doy = (np.datetime64(start, "D") + np.arange(n_days) - np.datetime64(f"{start.year}-01-01"))
    season = np.cos(2 * np.pi * (doy.astype(np.int64) - 200) / 365.25)  # peaks mid July
    regional = _ar1(rng, (len(REGIONS), n_days), 0.8, 3.0)
    local = _ar1(rng, (n_stores, n_days), 0.5, 0.8)
    temp = REGION_TEMP[region][:, None] + 8.5 * season[None, :] + regional[region] + local
    # Wet days: more in winter; a region's stores mostly share them.
    p_wet = np.clip(REGION_WET[region][:, None] - 0.08 * season[None, :], 0.05, 0.95)
    u = 0.75 * rng.random((len(REGIONS), n_days))[region] + 0.25 * rng.random((n_stores, n_days))
    # Map the blended uniform back to roughly uniform so p_wet stays the share of wet days.
    u = np.where(u < 0.25, u**2 / 0.375, np.where(u < 0.75, (u - 0.125) / 0.75,
                 1 - (1 - u) ** 2 / 0.375))
    wet = u < p_wet
    precip = np.where(wet, rng.gamma(0.8, 6.0, (n_stores, n_days)), 0.0)
    temp, precip = np.round(temp, 1), np.round(precip, 1)
    table = pl.DataFrame({
        DATE: pl.Series(np.tile(np.datetime64(start, "D") + np.arange(n_days), n_stores)),
        STORE: pl.Series(store_ids, dtype=pl.String).gather(np.repeat(np.arange(n_stores), n_days)),
        "temp_max": pl.Series(temp.ravel(), dtype=pl.Float64),
        "precip_mm": pl.Series(precip.ravel(), dtype=pl.Float64),
    }).with_columns(pl.col(DATE).cast(pl.Date))
    return Weather(temp, precip, table)
