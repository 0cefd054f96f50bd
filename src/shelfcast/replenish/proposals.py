"""Order proposals and alerts as frames (the columns INTERFACES.md fixes), from a forecast.

``propose`` is what ``shelfcast replenish`` and the daily run call: forecast + inventory in,
``Proposals(orders, alerts)`` out. Lines with nothing to order are left out of ``orders``
unless a rule needs saying (a minimum order not placed, a target out of reach).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl

from shelfcast.config import Settings
from shelfcast.data.schema import ITEM, STORE
from shelfcast.replenish.constraints import Order, apply_constraints
from shelfcast.replenish.costs import CostModel
from shelfcast.replenish.demand import nb_quantile
from shelfcast.replenish.inputs import SkuArrays, prepare_inputs, sales_baseline
from shelfcast.replenish.policies import Need, Policy, policy_need
from shelfcast.replenish.projection import project_stockout
from shelfcast.replenish.reasons import AlertKind, driver_frame, reason_expr

__all__ = [
    "ORDER_COLUMNS",
    "ALERT_COLUMNS",
    "Proposals",
    "propose",
    "orders_frame",
    "alerts_frame",
]

ORDER_COLUMNS: tuple[str, ...] = (
    STORE, ITEM, "order_date", "quantity", "packs", "arrival_date",
    "projected_on_hand_at_arrival", "days_of_cover", "service_level", "reason",
)
ALERT_COLUMNS: tuple[str, ...] = (
    STORE, ITEM, "kind", "projected_stockout_date", "on_hand", "message",
)
EXCESS_COVER_DAYS = 28
"""Stock beyond the order-up-to level worth more than this many days of demand is excess."""


@dataclass(frozen=True)
class Proposals:
    orders: pl.DataFrame
    alerts: pl.DataFrame


def propose(
    forecast: pl.DataFrame,
    inventory: pl.DataFrame,
    *,
    settings: Settings | None = None,
    as_of: date | None = None,
    sales: pl.DataFrame | None = None,
    future: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
    items: pl.DataFrame | None = None,
    policy: Policy | str = Policy.RS,
    costs: CostModel | None = None,
    lot_days: int = 7,
    window_var_factor: pl.DataFrame | None = None,
) -> Proposals:
    """Order proposals and alerts for every SKU of ``inventory``.

    ``as_of`` fills blank ``as_of`` cells (the command passes the last day of ``sales``);
    ``sales`` gives prices and the recent level the reasons compare with; ``future`` (promo)
    and ``events`` name the driver of a change in demand; ``items`` fills blank pack sizes,
    unit costs and shelf lives. ``window_var_factor`` (``store_id, item_id,
    window_var_factor``, from ``calibrate.py`` on past forecast errors) widens the
    protection-period spread of lumpy SKUs; without it the days are taken as independent.
    """
    settings = settings or Settings()
    costs = costs or CostModel()
    policy = Policy(policy)
    sku = prepare_inputs(
        forecast, inventory, settings=settings, default_as_of=as_of, sales=sales, items=items,
        extra_days=0 if policy is Policy.RS else lot_days,
    )
    if window_var_factor is not None:
        sku = replace(sku, window_var_factor=_factor_per_sku(sku, window_var_factor))
    if sales is not None:
        sku = replace(sku, usual_rate=_usual_rate(sku, sales))
    need = policy_need(sku, policy, lot_days=lot_days)
    order = apply_constraints(sku, need, costs=costs)
    return Proposals(
        orders=orders_frame(sku, need, order, policy=policy, sales=sales, future=future,
                            events=events),
        alerts=alerts_frame(sku, need, order),
    )


def _factor_per_sku(sku: SkuArrays, factors: pl.DataFrame) -> np.ndarray:
    """The calibration factor of each SKU in row order (1 where the frame has none)."""
    keys = pl.DataFrame({STORE: _ids(sku.store_id), ITEM: _ids(sku.item_id)})
    joined = keys.join(
        factors.select(pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String),
                       pl.col("window_var_factor").cast(pl.Float64)),
        on=[STORE, ITEM], how="left", maintain_order="left",
    )
    return joined["window_var_factor"].fill_null(1.0).fill_nan(1.0).to_numpy()


def _usual_rate(sku: SkuArrays, sales: pl.DataFrame) -> np.ndarray:
    """Each SKU's mean daily sales over the last 4 weeks of ``sales`` in row order (NaN where
    it has none: the peak rule then stands aside)."""
    keys = pl.DataFrame({STORE: _ids(sku.store_id), ITEM: _ids(sku.item_id)})
    base = sales_baseline(sales.with_columns(pl.col(STORE).cast(pl.String),
                                             pl.col(ITEM).cast(pl.String)), keys)
    if base is None:
        return np.full(sku.n, np.nan)
    joined = keys.join(base, on=[STORE, ITEM], how="left", maintain_order="left")
    return joined["baseline"].cast(pl.Float64).fill_null(np.nan).to_numpy()


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype("datetime64[D]")).cast(pl.Date)


def _ids(values: np.ndarray) -> pl.Series:
    return pl.Series(values.tolist(), dtype=pl.String)


def orders_frame(
    sku: SkuArrays,
    need: Need,
    order: Order,
    *,
    policy: Policy = Policy.RS,
    sales: pl.DataFrame | None = None,
    future: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The orders file's rows for SKUs with something to order or to say."""
    keep = (order.quantity > 0) | order.unreachable | order.min_order_skipped
    rows = np.flatnonzero(keep)
    s = sku.take(rows)
    protection = s.lead_time + s.review_period
    order_date = s.as_of + np.timedelta64(1, "D")
    arrival = order_date + s.lead_time.astype("timedelta64[D]")
    qty = order.quantity[rows]
    at_arrival = need.at_arrival[rows]
    daily = need.protection_mean[rows] / protection
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(daily > 0, (at_arrival + qty) / daily, np.nan)
    df = pl.DataFrame({
        STORE: _ids(s.store_id), ITEM: _ids(s.item_id),
        "order_date": _dates(order_date), "quantity": qty, "packs": order.packs[rows],
        "arrival_date": _dates(arrival),
        "projected_on_hand_at_arrival": np.round(at_arrival, 2),
        "days_of_cover": np.round(cover, 1),
        "service_level": np.round(order.achieved_service[rows], 4),
        # what the reason needs
        "target": need.target[rows], "target_level": s.service_level,
        "cycle_level": s.service_level if need.level is None else need.level[rows],
        "lot_width": np.zeros(rows.size) if need.lot_width is None else need.lot_width[rows],
        "protection_days": protection, "protection_mean": need.protection_mean[rows],
        "daily": daily, "max_stock": s.max_stock, "shelf_life": s.shelf_life,
        "pack_size": s.pack_size, "min_order": s.min_order,
        "capped_by_stock": order.capped_by_stock[rows],
        "capped_by_shelf_life": order.capped_by_shelf_life[rows],
        "rounded": order.rounded[rows], "rounded_up": order.rounded_up[rows],
        "min_order_raised": order.min_order_raised[rows],
        "min_order_skipped": order.min_order_skipped[rows],
        "unreachable": order.unreachable[rows],
        "start": _dates(order_date),
        "end": _dates(order_date + (protection - 1).astype("timedelta64[D]")),
    }, strict=False).with_columns(pl.col("days_of_cover").fill_nan(None))
    if s.usual_rate is not None:
        df = df.with_columns(pl.Series("baseline", s.usual_rate).fill_nan(None))
    df = _with_drivers(df, sales, future, events)
    return df.with_columns(
        pl.col("quantity").cast(pl.Float64), pl.col("packs").cast(pl.Int64),
        reason_expr(policy is not Policy.SQ).alias("reason"),
    ).select(ORDER_COLUMNS)


def _with_drivers(
    df: pl.DataFrame,
    sales: pl.DataFrame | None,
    future: pl.DataFrame | None,
    events: pl.DataFrame | None,
) -> pl.DataFrame:
    """Uplift against the last 4 weeks' sales, and the promo or event behind it."""
    keys = df.select(STORE, ITEM)
    # The orders frame has it already where propose() took the usual rate (the peak rule).
    if "baseline" not in df.columns:
        base = sales_baseline(sales, keys)
        df = (df.join(base, on=[STORE, ITEM], how="left") if base is not None
              else df.with_columns(pl.lit(None, dtype=pl.Float64).alias("baseline")))
    df = df.with_columns(
        pl.when(pl.col("baseline") > 0)
        .then(pl.col("daily") / pl.col("baseline") - 1.0)
        .otherwise(0.0)
        .alias("uplift")
    )
    drivers = driver_frame(df.select(STORE, ITEM, "start", "end"), future, events)
    return df.join(drivers, on=[STORE, ITEM], how="left")


def alerts_frame(sku: SkuArrays, need: Need, order: Order) -> pl.DataFrame:
    """Projected stockouts, low stock, excess stock and unreachable targets."""
    lead_days = int(sku.lead_time.max(initial=0))
    day = np.arange(lead_days)
    window = day[None, :] < sku.lead_time[:, None]
    # Demand per day at the service-level quantile, until an order placed now could arrive.
    # Only the days before each SKU's own arrival (lead times differ): the quantile is the
    # costliest step of the alerts, so the days after it are not computed at all.
    daily_q = np.full((sku.n, lead_days), np.nan)
    if lead_days:
        daily_q[window] = nb_quantile(
            np.broadcast_to(sku.service_level[:, None], (sku.n, lead_days))[window],
            sku.mean[:, :lead_days][window], sku.var[:, :lead_days][window],
        )
    receipts = np.zeros((sku.n, lead_days))
    early = (sku.on_order > 0) & (sku.on_order_day < sku.lead_time)
    receipts[np.flatnonzero(early), sku.on_order_day[early]] = sku.on_order[early]
    stockout = project_stockout(sku.on_hand, 0.0, daily_q, today=sku.as_of, receipts=receipts)
    projected = ~np.isnat(stockout)

    pm = need.protection_mean
    daily = pm / np.maximum(sku.lead_time + sku.review_period, 1)
    safety = need.target - pm
    low = ~projected & (pm > 0) & (sku.on_hand < safety)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(daily > 0, (sku.on_hand - need.target) / daily, np.inf)
    excess = (sku.on_hand > 0) & (cover > EXCESS_COVER_DAYS)
    next_arrival = sku.as_of + (1 + sku.lead_time).astype("timedelta64[D]")

    # One frame of every SKU's facts; each kind of alert is a filter and a message expression.
    facts = pl.DataFrame({
        STORE: _ids(sku.store_id), ITEM: _ids(sku.item_id),
        "on_hand": sku.on_hand, "stockout": _dates(stockout), "arrival": _dates(next_arrival),
        "safety": safety, "daily": daily, "level": sku.service_level,
        "achieved": order.achieved_service,
        "projected": projected, "low": low, "excess": excess, "unreachable": order.unreachable,
    })

    def whole(col: str) -> pl.Expr:
        return pl.col(col).round(0).cast(pl.Int64).cast(pl.String)

    def pct(col: str) -> pl.Expr:
        return (pl.col(col) * 100).round(0).cast(pl.Int64).cast(pl.String)

    kinds = [
        ("projected", AlertKind.PROJECTED_STOCKOUT, pl.col("stockout"), pl.concat_str(
            pl.lit("stock runs out on "), pl.col("stockout").cast(pl.String),
            pl.lit(", before a delivery ordered now could arrive on "),
            pl.col("arrival").cast(pl.String))),
        ("low", AlertKind.LOW_STOCK, None, pl.concat_str(
            pl.lit("on hand "), whole("on_hand"), pl.lit(" is below the safety stock "),
            whole("safety"))),
        ("excess", AlertKind.EXCESS_STOCK, None, pl.when(pl.col("daily") > 0).then(
            pl.concat_str(pl.lit("on hand covers "),
                          (pl.col("on_hand") / pl.col("daily")).round(0).cast(pl.Int64)
                          .cast(pl.String), pl.lit(" days of expected demand")))
            .otherwise(pl.lit("no demand expected for this item"))),
        ("unreachable", AlertKind.SERVICE_UNREACHABLE, None, pl.concat_str(
            pl.lit("target "), pct("level"),
            pl.lit(" % unreachable within shelf capacity, shelf life and packs; best allowed "
                   "order gives "), pct("achieved"), pl.lit(" %"))),
    ]
    frames = [
        facts.filter(pl.col(flag)).select(
            STORE, ITEM, pl.lit(kind.value).alias("kind"),
            (date_col if date_col is not None else pl.lit(None, dtype=pl.Date))
            .alias("projected_stockout_date"),
            "on_hand", message.alias("message"),
        )
        for flag, kind, date_col, message in kinds
    ]
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={
            STORE: pl.String, ITEM: pl.String, "kind": pl.String,
            "projected_stockout_date": pl.Date, "on_hand": pl.Float64, "message": pl.String,
        })
    return pl.concat(frames, how="vertical_relaxed").select(ALERT_COLUMNS)
