"""From frames to arrays: the inventory state with its defaults, and the forecast as a day matrix.

Everything downstream (policies, constraints, alerts, the simulation) works on the
:class:`SkuArrays` built here: one row per store-item of the inventory table, days counted from
the day after each SKU's ``as_of`` (day 0 is the first day an order placed now could be sold
from, were the lead time 0).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from shelfcast.config import Settings
from shelfcast.data.schema import DATE, FORECAST, ITEM, PRICE, SALES, STORE
from shelfcast.errors import DataValidationError, ShelfcastError
from shelfcast.replenish.demand import UPPER_QUANTILE_FROM, fit_daily_variance

__all__ = [
    "SkuArrays", "prepare_inputs", "forecast_matrix", "resolve_inventory",
    "forecast_quantile_levels", "latest_prices", "sales_baseline", "with_item_attributes",
]


@dataclass(frozen=True)
class SkuArrays:
    """The replenishment problem for n SKUs, as arrays (NaN = unknown where said)."""

    store_id: np.ndarray
    item_id: np.ndarray
    as_of: np.ndarray
    """datetime64[D]: the day of the count (at its close)."""
    on_hand: np.ndarray
    on_order: np.ndarray
    """Units on order that arrive by the time an order placed now would (the rest is ignored)."""
    on_order_day: np.ndarray
    """Day index (0 = as_of + 1) on which ``on_order`` arrives."""
    lead_time: np.ndarray
    review_period: np.ndarray
    service_level: np.ndarray
    pack_size: np.ndarray
    min_order: np.ndarray
    max_stock: np.ndarray
    """inf when there is no capacity limit."""
    unit_cost: np.ndarray
    """NaN when unknown."""
    price: np.ndarray
    """NaN when unknown."""
    shelf_life: np.ndarray
    """NaN for an item that does not expire."""
    mean: np.ndarray
    """(n, days): expected demand per day, day 0 = as_of + 1."""
    var: np.ndarray
    """(n, days): variance of each day's demand."""
    has_forecast: np.ndarray
    """False for SKUs absent from the forecast: no demand is expected for them."""
    tail_mean: np.ndarray
    """One day's demand after the matrix ends (its last week's mean), for long windows."""
    tail_var: np.ndarray
    window_var_factor: np.ndarray | None = None
    """Per SKU, the protection-period variance over the sum of its days' variances, calibrated
    on past forecast errors (``calibrate.py``); None: the days are taken as independent."""
    usual_rate: np.ndarray | None = None
    """Per SKU, units a day it usually sells (its last 4 weeks' sales; NaN unknown): a window
    forecast well above it gets the peak level (``peaks.py``); None: no peak rule."""

    @property
    def tail(self) -> tuple[np.ndarray, np.ndarray]:
        return self.tail_mean, self.tail_var

    @property
    def n(self) -> int:
        return int(self.on_hand.shape[0])

    def take(self, rows: np.ndarray) -> SkuArrays:
        """The same problem for a subset of SKUs."""
        return replace(self, **{
            f: None if getattr(self, f) is None else getattr(self, f)[rows]
            for f in self.__dataclass_fields__
        })


def forecast_quantile_levels(forecast: pl.DataFrame) -> dict[float, str]:
    """``{0.95: "q95", ...}`` for every quantile column of a forecast frame."""
    levels: dict[float, str] = {}
    for col in forecast.columns:
        if col.startswith("q") and len(col) > 1:
            try:
                level = float(col[1:]) / 100.0
            except ValueError:
                continue
            if 0 < level < 1:
                levels[level] = col
    return levels


def _column(df: pl.DataFrame, name: str, dtype: pl.DataType, default: object) -> pl.Expr:
    if name in df.columns:
        return pl.col(name).cast(dtype).fill_null(pl.lit(default, dtype=dtype)).alias(name)
    return pl.lit(default, dtype=dtype).alias(name)


def _check_inventory(inventory: pl.DataFrame) -> None:
    missing = [c for c in (STORE, ITEM, "on_hand") if c not in inventory.columns]
    if missing:
        raise DataValidationError(
            f"inventory: missing column(s) {missing}; replenishment needs store_id, item_id "
            "and on_hand",
            details={"file": "inventory", "missing": missing},
        )
    dup = inventory.group_by(STORE, ITEM).len().filter(pl.col("len") > 1)
    if dup.height:
        first = dup.row(0)
        raise DataValidationError(
            f"inventory: {dup.height} store-item pair(s) appear more than once "
            f"(first: store {first[0]!r}, item {first[1]!r})",
            details={"file": "inventory", "duplicates": dup.height},
        )
    neg = inventory.filter(pl.col("on_hand") < 0)
    if neg.height:
        raise DataValidationError(
            f"inventory: {neg.height} row(s) have negative on_hand "
            f"(first: store {neg[STORE][0]!r}, item {neg[ITEM][0]!r}, value {neg['on_hand'][0]})",
            details={"file": "inventory", "rows": neg.height},
        )


def latest_prices(sales: pl.DataFrame | None) -> pl.DataFrame | None:
    """The latest known price per store and item, from ``sales``."""
    if sales is None or PRICE not in sales.columns:
        return None
    return (
        sales.filter(pl.col(PRICE).is_not_null() & (pl.col(PRICE) > 0))
        .sort(DATE)
        .group_by(STORE, ITEM)
        .agg(pl.col(PRICE).last().alias("price"))
    )


ITEM_ATTRIBUTES: tuple[tuple[str, pl.DataType], ...] = (
    ("pack_size", pl.Int64()), ("unit_cost", pl.Float64()), ("shelf_life_days", pl.Float64()),
)
"""Columns DATA_FORMAT.md lets the items table hold for every store: the inventory row wins
where it has a value, the items table fills its blanks, the settings' defaults the rest."""


def with_item_attributes(inventory: pl.DataFrame, items: pl.DataFrame | None) -> pl.DataFrame:
    """``inventory`` with blank pack sizes, unit costs and shelf lives taken from ``items``."""
    if items is None or ITEM not in items.columns:
        return inventory
    present = [(c, t) for c, t in ITEM_ATTRIBUTES if c in items.columns]
    if not present:
        return inventory
    attrs = items.select(pl.col(ITEM).cast(pl.String), *[pl.col(c) for c, _ in present])
    for col, dtype in present:
        # Items columns may have come in as text ("12"): a value that is not a number is
        # named, not silently dropped.
        typed = attrs[col].cast(dtype, strict=False) if attrs[col].dtype != dtype else attrs[col]
        bad = attrs.with_row_index("_row").filter(typed.is_null() & attrs[col].is_not_null())
        if bad.height:
            raise DataValidationError(
                f"items: column {col} has {bad.height} value(s) that are not numbers (first: "
                f"row {bad['_row'][0] + 1}, item {bad[ITEM][0]!r}, value {bad[col][0]!r}); "
                f"expected {'a whole number >= 1' if col == 'pack_size' else 'a number'}",
                details={"file": "items", "column": col, "rows": bad.height},
            )
        attrs = attrs.with_columns(typed.alias(col))
    attrs = attrs.unique(ITEM, keep="first").rename({c: f"_items_{c}" for c, _ in present})
    joined = inventory.with_columns(pl.col(ITEM).cast(pl.String)).join(
        attrs, on=ITEM, how="left")
    return joined.with_columns([
        (pl.coalesce(pl.col(c).cast(t), pl.col(f"_items_{c}")) if c in inventory.columns
         else pl.col(f"_items_{c}")).alias(c)
        for c, t in present
    ]).drop([f"_items_{c}" for c, _ in present])


def resolve_inventory(
    inventory: pl.DataFrame,
    *,
    settings: Settings,
    default_as_of: date,
    sales: pl.DataFrame | None = None,
    items: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The inventory table with every column present, typed, and defaults filled in (the
    items table's pack size, unit cost and shelf life, then the settings), plus the latest
    ``price`` from ``sales`` (NaN when unknown)."""
    _check_inventory(inventory)
    inventory = with_item_attributes(inventory, items)
    inv = inventory.select(
        pl.col(STORE).cast(pl.String),
        pl.col(ITEM).cast(pl.String),
        _column(inventory, "as_of", pl.Date, default_as_of),
        pl.col("on_hand").cast(pl.Float64).fill_null(0.0),
        _column(inventory, "on_order", pl.Float64, 0.0),
        _column(inventory, "lead_time_days", pl.Int64, settings.lead_time_days),
        _column(inventory, "review_period_days", pl.Int64, settings.review_period_days),
        _column(inventory, "service_level", pl.Float64, settings.service_level),
        _column(inventory, "pack_size", pl.Int64, 1),
        _column(inventory, "min_order", pl.Float64, 0.0),
        _column(inventory, "max_stock", pl.Float64, float("inf")),
        _column(inventory, "unit_cost", pl.Float64, float("nan")),
        _column(inventory, "shelf_life_days", pl.Float64, float("nan")),
        (
            pl.col("next_arrival_date").cast(pl.Date)
            if "next_arrival_date" in inventory.columns
            else pl.lit(None, dtype=pl.Date).alias("next_arrival_date")
        ),
    ).with_columns(
        pl.col("next_arrival_date").fill_null(
            pl.col("as_of") + pl.duration(days=pl.col("lead_time_days"))
        ),
        pl.col("pack_size").clip(lower_bound=1),
        pl.col("review_period_days").clip(lower_bound=1),
        pl.col("lead_time_days").clip(lower_bound=0),
    )
    bad_sl = inv.filter((pl.col("service_level") <= 0) | (pl.col("service_level") >= 1))
    if bad_sl.height:
        raise DataValidationError(
            f"inventory: {bad_sl.height} row(s) have a service_level outside (0, 1) "
            f"(first: {bad_sl['service_level'][0]} for store {bad_sl[STORE][0]!r}, "
            f"item {bad_sl[ITEM][0]!r})",
            details={"file": "inventory", "rows": bad_sl.height},
        )
    prices = latest_prices(sales)
    if prices is not None:
        inv = inv.join(prices, on=[STORE, ITEM], how="left")
    else:
        inv = inv.with_columns(pl.lit(None, dtype=pl.Float64).alias("price"))
    inv = inv.with_columns(pl.col("price").fill_null(float("nan")))

    return inv


def prepare_inputs(
    forecast: pl.DataFrame,
    inventory: pl.DataFrame,
    *,
    settings: Settings,
    default_as_of: date | None = None,
    sales: pl.DataFrame | None = None,
    items: pl.DataFrame | None = None,
    extra_days: int = 0,
) -> SkuArrays:
    """The arrays for every SKU of ``inventory``, with settings filling what the table leaves out.

    ``default_as_of`` is the count day where ``as_of`` is blank (the command passes the last
    day of ``sales``; without it, the day before the forecast starts). The day matrix covers
    the protection period (lead time + review period) of every SKU plus ``extra_days``, and,
    as far as the forecast goes, the shelf life of perishables after arrival; longer windows
    (shelf lives, lots) continue at the rate of the forecast's last week (``tail``).
    """
    missing = [c for c in (DATE, STORE, ITEM, FORECAST) if c not in forecast.columns]
    if missing:
        raise DataValidationError(
            f"forecast: missing column(s) {missing}",
            details={"file": "forecast", "missing": missing},
        )
    if default_as_of is None:
        if forecast.height == 0:
            raise ShelfcastError("the forecast is empty and the inventory gives no as_of date")
        default_as_of = forecast[DATE].min() - timedelta(days=1)  # type: ignore[operator]

    inv = resolve_inventory(inventory, settings=settings, default_as_of=default_as_of,
                            sales=sales, items=items)
    lead = inv["lead_time_days"].to_numpy()
    review = inv["review_period_days"].to_numpy()
    shelf = inv["shelf_life_days"].to_numpy()
    protection = lead + review
    shelf_end = np.where(np.isfinite(shelf), lead + np.nan_to_num(shelf), 0).astype(np.int64)
    n = inv.height
    # The matrix goes as far as some SKU needs it and the forecast reaches (never shorter
    # than the protection period, which the forecast must cover).
    reach = _forecast_reach(forecast, inv)
    days = int(max(protection.max(initial=1) + extra_days,
                   min(shelf_end.max(initial=0), reach)))

    mean_m, var_m, has_forecast = forecast_matrix(
        forecast, inv.select(STORE, ITEM, "as_of"), days=days
    )
    _check_horizon(mean_m, has_forecast, protection, inv)
    mean_m, var_m, tail_m, tail_v = _extend_tail(mean_m, var_m, has_forecast)

    as_of = inv["as_of"].to_numpy().astype("datetime64[D]")
    arrival_day = (
        inv["next_arrival_date"].to_numpy().astype("datetime64[D]") - as_of
    ).astype(np.int64) - 1
    on_order = inv["on_order"].to_numpy()
    # On order that comes after an order placed now would is no help for this cycle.
    on_order = np.where(arrival_day <= lead, on_order, 0.0)
    return SkuArrays(
        store_id=inv[STORE].to_numpy(),
        item_id=inv[ITEM].to_numpy(),
        as_of=as_of,
        on_hand=inv["on_hand"].to_numpy().astype(np.float64),
        on_order=on_order.astype(np.float64),
        on_order_day=np.maximum(arrival_day, 0),
        lead_time=lead.astype(np.int64),
        review_period=review.astype(np.int64),
        service_level=inv["service_level"].to_numpy(),
        pack_size=inv["pack_size"].to_numpy().astype(np.float64),
        min_order=inv["min_order"].to_numpy(),
        max_stock=inv["max_stock"].to_numpy(),
        unit_cost=inv["unit_cost"].to_numpy(),
        price=inv["price"].to_numpy(),
        shelf_life=shelf,
        mean=np.where(has_forecast[:, None], mean_m, 0.0),
        var=np.where(has_forecast[:, None], var_m, 0.0),
        has_forecast=has_forecast,
        tail_mean=np.where(has_forecast, tail_m, 0.0),
        tail_var=np.where(has_forecast, tail_v, 0.0),
    )


def forecast_matrix(
    forecast: pl.DataFrame, keys: pl.DataFrame, *, days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, var, has_forecast): the forecast as (SKUs, days) matrices, NaN where absent.

    ``keys`` has ``store_id, item_id, as_of``, one row per SKU in the order wanted; day 0 is
    ``as_of + 1``. Each day's variance is fitted to its upper quantiles on the long frame,
    before scattering.
    """
    # Only the upper quantiles inform the variance: the others are not even read.
    levels = {lv: c for lv, c in forecast_quantile_levels(forecast).items()
              if lv >= UPPER_QUANTILE_FROM}
    n = keys.height
    fc = (
        forecast.select(
            pl.col(DATE).cast(pl.Date),
            pl.col(STORE).cast(pl.String),
            pl.col(ITEM).cast(pl.String),
            pl.col(FORECAST).cast(pl.Float64),
            *[pl.col(c).cast(pl.Float64) for c in levels.values()],
        )
        .join(keys.with_row_index("_row"), on=[STORE, ITEM], how="inner")
        .with_columns(((pl.col(DATE) - pl.col("as_of")).dt.total_days() - 1).alias("_day"))
        .filter((pl.col("_day") >= 0) & (pl.col("_day") < days))
    )
    rows = fc["_row"].to_numpy().astype(np.int64)
    day = fc["_day"].to_numpy().astype(np.int64)
    mu = np.maximum(np.nan_to_num(fc[FORECAST].to_numpy()), 0.0)
    var = fit_daily_variance(
        mu, {lv: np.maximum(np.nan_to_num(fc[c].to_numpy()), 0.0) for lv, c in levels.items()}
    )
    mean_m = np.full((n, days), np.nan)
    var_m = np.full((n, days), np.nan)
    mean_m[rows, day] = mu
    var_m[rows, day] = var
    has_forecast = np.zeros(n, dtype=bool)
    has_forecast[rows] = True
    return mean_m, var_m, has_forecast


def _forecast_reach(forecast: pl.DataFrame, inv: pl.DataFrame) -> int:
    """How many days after the earliest ``as_of`` the forecast goes."""
    if forecast.height == 0:
        return 0
    last = forecast[DATE].max()
    first = inv["as_of"].min()
    return max(int((last - first).days), 0)  # type: ignore[operator]


def _check_horizon(
    mean: np.ndarray, has_forecast: np.ndarray, protection: np.ndarray, inv: pl.DataFrame
) -> None:
    """Every forecast SKU must have its whole protection period forecast."""
    days = np.arange(mean.shape[1])
    needed = days[None, :] < protection[:, None]
    gap = (np.isnan(mean) & needed).any(axis=1) & has_forecast
    if gap.any():
        bad = np.flatnonzero(gap)
        first = inv.row(int(bad[0]), named=True)
        raise DataValidationError(
            f"forecast: {bad.size} SKU(s) lack forecast days within their protection period "
            f"(lead time + review period after as_of); first: store {first[STORE]!r}, item "
            f"{first[ITEM]!r}, as_of {first['as_of']}, needs "
            f"{first['lead_time_days'] + first['review_period_days']} days",
            details={"file": "forecast", "skus": int(bad.size)},
        )


def _extend_tail(
    mean: np.ndarray, var: np.ndarray, has_forecast: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Days after the forecast's last day take its last week's mean; that rate is the tail."""
    missing = np.isnan(mean) & has_forecast[:, None]
    known = ~np.isnan(mean)
    # The last 7 known days per row: rank the known days from the end.
    rank_from_end = np.cumsum(known[:, ::-1], axis=1)[:, ::-1]
    last_week = known & (rank_from_end <= 7)
    count = np.maximum(last_week.sum(axis=1), 1)
    fill_m = np.where(last_week, mean, 0.0).sum(axis=1) / count
    fill_v = np.where(last_week, var, 0.0).sum(axis=1) / count
    if missing.any():
        mean = np.where(missing, fill_m[:, None], mean)
        var = np.where(missing, fill_v[:, None], var)
    return mean, var, fill_m, fill_v


def sales_baseline(sales: pl.DataFrame | None, inventory_keys: pl.DataFrame, days: int = 28) -> (
    pl.DataFrame | None
):
    """Mean daily sales over the last ``days`` of ``sales`` per SKU (for the reasons' uplift)."""
    if sales is None or sales.height == 0:
        return None
    last = sales[DATE].max()
    return (
        sales.filter(pl.col(DATE) > pl.lit(last) - pl.duration(days=days))
        .group_by(STORE, ITEM)
        .agg((pl.col(SALES).sum() / days).alias("baseline"))
        .join(inventory_keys, on=[STORE, ITEM], how="semi")
    )
