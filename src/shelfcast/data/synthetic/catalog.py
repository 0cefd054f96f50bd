"""The chain's static side: the categories and their behaviour, the stores, the items.

Each category carries the parameters the demand model uses (weekly profile, yearly
season, weather response, promotion habits, price elasticity) and the replenishment
attributes its items inherit (shelf life, lead time, pack sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shelfcast.data.schema import ITEM, STORE

__all__ = [
    "Category", "CATEGORIES", "STORE_TYPES", "REGIONS", "Stores", "Items", "WEEKLY_STRENGTH",
    "make_stores", "make_items", "category_array",
]


@dataclass(frozen=True)
class Category:
    name: str
    department: str
    log_rate: float
    """Mean of log(units per day) of an item in an average store."""
    weekly: tuple[float, ...]
    """Monday..Sunday multipliers (normalised to mean 1)."""
    yearly_amp: float
    """Amplitude of the yearly cycle in log units, beyond what weather explains."""
    yearly_peak: int
    """Day of the year of the yearly peak."""
    temp_beta: float = 0.0
    """d log(demand) / d temp_max (per degree C), around ``temp_ref``."""
    temp_ref: float = 15.0
    rain_beta: float = 0.0
    """d log(demand) / d precip_mm, on top of the store-wide rain effect."""
    promo_rate: float = 0.06
    """Probability that a promotion starts in a given week."""
    elasticity: float = 1.8
    dip: float = 0.2
    """Depth of the post-promotion dip (pantry loading), decaying over about a week."""
    price: float = 2.5
    shelf_life: float = 365.0
    lead_time: int = 2
    review: int = 2
    service: float = 0.95
    packs: tuple[int, ...] = (6, 12)


_GROCERY = (0.88, 0.84, 0.90, 0.96, 1.18, 1.36, 0.88)
CATEGORIES: tuple[Category, ...] = (
    Category("fresh_produce", "fresh", 1.3, (0.92, 0.86, 0.92, 0.96, 1.16, 1.34, 0.84), 0.10, 190,
             promo_rate=0.08, elasticity=1.4, dip=0.05, price=1.6, shelf_life=7, lead_time=1,
             review=1, service=0.93, packs=(1, 5, 10)),
    Category("bakery", "fresh", 1.2, (0.90, 0.85, 0.88, 0.92, 1.10, 1.45, 0.90), 0.05, 350,
             promo_rate=0.04, elasticity=1.2, dip=0.0, price=1.4, shelf_life=3, lead_time=1,
             review=1, service=0.90, packs=(1, 6)),
    Category("dairy", "fresh", 1.1, _GROCERY, 0.04, 30, promo_rate=0.07, elasticity=1.6, dip=0.10,
             price=1.3, shelf_life=14, lead_time=1, review=1, service=0.97, packs=(6, 12)),
    Category("meat", "fresh", 0.5, (0.85, 0.80, 0.85, 0.95, 1.25, 1.40, 0.90), 0.12, 200,
             promo_rate=0.07, elasticity=2.0, dip=0.15, price=5.5, shelf_life=5, lead_time=1,
             review=1, service=0.93, packs=(1, 4)),
    Category("frozen", "grocery", 0.1, _GROCERY, 0.05, 20, promo_rate=0.08, elasticity=2.2,
             dip=0.25, price=3.2, shelf_life=180, lead_time=3, review=3, packs=(6, 12)),
    Category("ice_cream", "frozen", 0.2, (0.80, 0.80, 0.85, 0.92, 1.12, 1.45, 1.25), 0.10, 200,
             temp_beta=0.08, temp_ref=18.0, rain_beta=-0.02, promo_rate=0.06, elasticity=2.0,
             dip=0.20, price=3.8, shelf_life=365, lead_time=3, review=3, packs=(6, 12)),
    Category("cold_drinks", "beverages", 0.9, (0.85, 0.85, 0.88, 0.95, 1.20, 1.40, 1.00), 0.08, 200,
             temp_beta=0.045, temp_ref=18.0, promo_rate=0.09, elasticity=2.4, dip=0.25, price=1.5,
             shelf_life=270, lead_time=2, review=2, packs=(6, 12, 24)),
    Category("soup", "grocery", -0.1, _GROCERY, 0.10, 15, temp_beta=-0.05, temp_ref=12.0,
             rain_beta=0.01, promo_rate=0.05, elasticity=1.8, dip=0.30, price=1.9, shelf_life=540,
             lead_time=3, review=3, packs=(6, 12, 24)),
    Category("snacks", "grocery", 0.6, (0.80, 0.80, 0.85, 0.95, 1.35, 1.40, 0.85), 0.05, 355,
             promo_rate=0.10, elasticity=2.3, dip=0.20, price=1.8, shelf_life=180, lead_time=2,
             review=2, packs=(12, 24)),
    Category("confectionery", "grocery", 0.3, _GROCERY, 0.05, 350, promo_rate=0.08,
             elasticity=2.0, dip=0.20, price=1.6, shelf_life=300, lead_time=3, review=3,
             packs=(12, 24)),
    Category("alcohol", "beverages", 0.3, (0.60, 0.60, 0.70, 0.90, 1.60, 1.85, 0.75), 0.08, 355,
             temp_beta=0.01, temp_ref=15.0, promo_rate=0.07, elasticity=2.5, dip=0.30, price=7.5,
             shelf_life=720, lead_time=3, review=7, packs=(6, 12)),
    Category("household", "non_food", -0.4, (1.00, 0.95, 0.95, 1.00, 1.05, 1.20, 0.85), 0.02, 100,
             promo_rate=0.05, elasticity=1.6, dip=0.35, price=3.4, shelf_life=1095, lead_time=4,
             review=7, service=0.95, packs=(6, 12)),
    Category("personal_care", "non_food", -0.6, (1.00, 0.95, 0.95, 1.00, 1.05, 1.20, 0.85), 0.02,
             100, promo_rate=0.05, elasticity=1.5, dip=0.35, price=4.2, shelf_life=1095,
             lead_time=4, review=7, service=0.95, packs=(6, 12)),
)

WEEKLY_STRENGTH = 0.5
"""The weekly tuples give each category's shape; their product with the store type's week is
shrunk by this much towards flat, so a chain's week is as flat as real store traffic
(Favorita: Saturday 16.5 %, the lowest weekday 13 %; see benchmarks/RESULTS.md)."""

STORE_TYPES: tuple[str, ...] = ("hyper", "super", "express")
# Hypermarkets take the weekend car trips; express stores the weekday commuters.
TYPE_WEEKLY = np.array([
    (0.92, 0.90, 0.92, 0.96, 1.08, 1.30, 0.92),
    (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    (1.08, 1.08, 1.08, 1.06, 1.02, 0.88, 0.80),
])
TYPE_SIZE = np.array([7500.0, 2200.0, 350.0])  # median sales floor, m2
TYPE_PRICE_INDEX = np.array([0.98, 1.0, 1.06])  # convenience costs more
REGIONS: tuple[str, ...] = ("north", "south", "east", "west")
REGION_TEMP = np.array([11.5, 17.0, 13.5, 14.0])  # mean temp_max, C
REGION_WET = np.array([0.42, 0.28, 0.33, 0.45])  # share of wet days

BRANDS: tuple[str, ...] = (
    "own_label", "own_label_premium", "acme", "brightfield", "northway", "sunvale", "crestmoor",
    "bluepeak", "goldleaf", "harvest_co",
)


@dataclass(frozen=True)
class Stores:
    ids: np.ndarray
    region: np.ndarray
    kind: np.ndarray
    """Index into STORE_TYPES."""
    size: np.ndarray
    scale: np.ndarray
    """Demand multiplier of the store (size and a store's own pull)."""
    trend: np.ndarray
    """Log growth per year."""
    opened: np.ndarray
    """Day index on which the store opened (0: before the span)."""
    table: pl.DataFrame


@dataclass(frozen=True)
class Items:
    ids: np.ndarray
    category: np.ndarray
    """Index into CATEGORIES."""
    log_rate: np.ndarray
    dispersion: np.ndarray
    """Negative binomial size parameter k: variance = mu + mu^2 / k."""
    elasticity: np.ndarray
    base_price: np.ndarray
    unit_cost: np.ndarray
    pack_size: np.ndarray
    shelf_life: np.ndarray
    trend: np.ndarray
    launch: np.ndarray
    """First day index the item sells (0: before the span)."""
    end: np.ndarray
    """Last day index the item sells (beyond the history: still listed)."""
    table: pl.DataFrame


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{k:0{width}d}" for k in range(1, n + 1)], dtype=object)


def make_stores(rng: np.random.Generator, n: int, days: int) -> Stores:
    region = np.arange(n) % len(REGIONS)
    rng.shuffle(region)
    kind = rng.choice(len(STORE_TYPES), size=n, p=[0.2, 0.5, 0.3])
    kind[0] = 1  # a supermarket always, so small chains have a typical store
    size = np.round(TYPE_SIZE[kind] * rng.lognormal(0.0, 0.25, n), -1)
    scale = (size / TYPE_SIZE[1]) ** 0.6 * rng.lognormal(0.0, 0.15, n)
    trend = rng.normal(0.02, 0.04, n)
    opened = np.zeros(n, dtype=np.int64)
    if n >= 4:  # one newer store: its series start later than the others'
        opened[-1] = int(days * rng.uniform(0.25, 0.5))
    ids = _ids("S", n, 2)
    table = pl.DataFrame({
        STORE: pl.Series(ids, dtype=pl.String),
        "region": pl.Series(np.array(REGIONS, dtype=object)[region], dtype=pl.String),
        "type": pl.Series(np.array(STORE_TYPES, dtype=object)[kind], dtype=pl.String),
        "size": pl.Series(size, dtype=pl.Float64),
    })
    return Stores(ids, region, kind, size, scale, trend, opened, table)


def category_array(name: str) -> np.ndarray:
    return np.array([getattr(c, name) for c in CATEGORIES])


def make_items(rng: np.random.Generator, n: int, days: int) -> Items:
    n_cat = len(CATEGORIES)
    # Every category once (from 13 items) before the rest are drawn: a small chain has ice cream.
    weights = np.array([1.4, 0.9, 1.2, 0.8, 1.0, 0.5, 0.8, 0.5, 1.1, 0.9, 1.0, 1.0, 0.9])
    category = np.concatenate([
        rng.permutation(n_cat)[: min(n, n_cat)],
        rng.choice(n_cat, size=max(n - n_cat, 0), p=weights / weights.sum()),
    ])
    log_rate = category_array("log_rate")[category] + rng.normal(0.0, 1.25, n)
    # Slow items are more over-dispersed (lumpy) than fast ones.
    dispersion = np.clip(1.2 * np.exp(0.55 * log_rate) * rng.lognormal(0.0, 0.3, n), 0.3, 25.0)
    elasticity = category_array("elasticity")[category] * rng.lognormal(0.0, 0.2, n)
    base_price = category_array("price")[category] * rng.lognormal(0.0, 0.35, n)
    base_price = np.maximum(np.floor(base_price * 10) / 10 + 0.09, 0.29)
    unit_cost = np.round(base_price * rng.uniform(0.55, 0.75, n), 2)
    packs = [CATEGORIES[c].packs for c in category]
    pack_size = np.array([p[k % len(p)] for p, k in zip(packs, rng.integers(0, 12, n))])
    shelf_life = category_array("shelf_life")[category] * rng.uniform(0.8, 1.2, n)
    shelf_life = np.maximum(np.round(shelf_life), 1.0)
    trend = rng.normal(0.0, 0.12, n)
    # Life cycles: most items span the history, some launch within it, some are delisted.
    launch = np.zeros(n, dtype=np.int64)
    end = np.full(n, np.iinfo(np.int64).max // 4, dtype=np.int64)
    if days >= 120:
        new = rng.random(n) < 0.18
        launch[new] = rng.integers(30, days - 60, new.sum())
        gone = (rng.random(n) < 0.10) & ~new
        end[gone] = rng.integers(int(days * 0.3), days - 30, gone.sum())
    ids = _ids("I", n, 4)
    cats = np.array([c.name for c in CATEGORIES], dtype=object)
    depts = np.array([c.department for c in CATEGORIES], dtype=object)
    brand = np.array(BRANDS, dtype=object)[
        np.minimum(rng.geometric(0.3, n) - 1, len(BRANDS) - 1)
    ]
    table = pl.DataFrame({
        ITEM: pl.Series(ids, dtype=pl.String),
        "category": pl.Series(cats[category], dtype=pl.String),
        "department": pl.Series(depts[category], dtype=pl.String),
        "brand": pl.Series(brand, dtype=pl.String),
        "pack_size": pl.Series(pack_size, dtype=pl.Int64),
        "unit_cost": pl.Series(unit_cost, dtype=pl.Float64),
        "shelf_life_days": pl.Series(shelf_life, dtype=pl.Float64),
    })
    return Items(ids, category, log_rate, dispersion, elasticity, base_price, unit_cost,
                 pack_size, shelf_life, trend, launch, end, table)
