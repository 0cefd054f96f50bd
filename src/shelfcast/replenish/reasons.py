"""Why an order line is what it is: stable codes for programs, a short sentence for people."""

from __future__ import annotations

from enum import StrEnum

import polars as pl

__all__ = ["ReasonCode", "AlertKind", "reason_expr", "driver_frame"]


class ReasonCode(StrEnum):
    """The parts a reason is made of (a line may have several, in this order)."""

    ORDER_UP_TO = "order_up_to"
    REORDER_POINT = "reorder_point"
    DEMAND_CHANGE = "demand_change"
    CAPPED_MAX_STOCK = "capped_max_stock"
    CAPPED_SHELF_LIFE = "capped_shelf_life"
    ROUNDED_TO_PACKS = "rounded_to_packs"
    ROUNDED_UP_FOR_TARGET = "rounded_up_for_target"
    MIN_ORDER_RAISED = "min_order_raised"
    MIN_ORDER_SKIPPED = "min_order_skipped"
    SERVICE_UNREACHABLE = "service_unreachable"


class AlertKind(StrEnum):
    LOW_STOCK = "low_stock"
    PROJECTED_STOCKOUT = "projected_stockout"
    EXCESS_STOCK = "excess_stock"
    SERVICE_UNREACHABLE = "service_unreachable"
    """An addition to INTERFACES.md's three kinds: the rules leave the target out of reach."""


UPLIFT_SHOWN = 0.25
"""A demand change is worth a word when it is at least 25 % either way."""


def _num(col: str, decimals: int = 0) -> pl.Expr:
    return pl.col(col).round(decimals).cast(pl.Int64 if decimals == 0 else pl.Float64).cast(
        pl.String
    )


def _pct(col: str) -> pl.Expr:
    return (pl.col(col) * 100).round(0).cast(pl.Int64).cast(pl.String)


def reason_expr(policy_is_up_to: bool) -> pl.Expr:
    """The reason sentence from the columns :func:`shelfcast.replenish.proposals` assembles."""
    main = (
        pl.concat_str(
            pl.lit("order up to "), _num("target"), pl.lit(" ("), _pct("cycle_level"),
            pl.lit(" % of "), pl.col("protection_days").cast(pl.String),
            pl.lit("-day demand"),
            # Lowered for packs: the target holds over the cycles a pack's surplus covers.
            pl.when(pl.col("lot_width") > 0)
            .then(pl.lit(" over the cycles a pack covers")).otherwise(pl.lit("")),
            pl.lit(", expected "), _num("protection_mean"), pl.lit(")"),
        )
        if policy_is_up_to
        else pl.concat_str(
            pl.lit("below reorder point "), _num("target"), pl.lit(" ("), _pct("target_level"),
            pl.lit(" % of "), pl.col("protection_days").cast(pl.String),
            pl.lit("-day demand)"),
        )
    )
    sign = pl.when(pl.col("uplift") >= 0).then(pl.lit("+")).otherwise(pl.lit("-"))
    size = pl.concat_str(sign, (pl.col("uplift").abs() * 100).round(0).cast(pl.Int64).cast(
        pl.String), pl.lit(" % expected"))
    change = (
        pl.when(pl.col("uplift").abs() < UPLIFT_SHOWN)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("promo_date").is_not_null())
        .then(pl.concat_str(pl.lit("promo from "), pl.col("promo_date").cast(pl.String),
                            pl.lit(", "), size))
        .when(pl.col("event_name").is_not_null())
        .then(pl.concat_str(pl.col("event_name"), pl.lit(" on "),
                            pl.col("event_date").cast(pl.String), pl.lit(", "), size))
        .otherwise(pl.concat_str(pl.lit("demand "), size.str.replace(" expected", ""),
                                 pl.lit(" on the last 4 weeks")))
    )
    parts = [
        change,
        main,
        pl.when(pl.col("capped_by_stock")).then(
            pl.concat_str(pl.lit("capped by shelf capacity "), _num("max_stock"))),
        pl.when(pl.col("capped_by_shelf_life")).then(
            pl.concat_str(pl.lit("capped to what sells within its "), _num("shelf_life"),
                          pl.lit("-day shelf life"))),
        pl.when(pl.col("rounded_up")).then(
            pl.concat_str(pl.lit("rounded up to "), _num("packs"), pl.lit(" pack(s) of "),
                          _num("pack_size"), pl.lit(" to keep the "), _pct("target_level"),
                          pl.lit(" % target")))
        .when(pl.col("rounded")).then(
            pl.concat_str(pl.lit("rounded to "), _num("packs"), pl.lit(" pack(s) of "),
                          _num("pack_size"))),
        pl.when(pl.col("min_order_raised")).then(
            pl.concat_str(pl.lit("raised to the minimum order "), _num("quantity"))),
        pl.when(pl.col("min_order_skipped")).then(
            pl.concat_str(pl.lit("below the minimum order "), _num("min_order"),
                          pl.lit(" and not worth it: nothing ordered"))),
        pl.when(pl.col("unreachable")).then(
            pl.concat_str(pl.lit("target "), _pct("target_level"),
                          pl.lit(" % unreachable within the caps, gives "),
                          _pct("service_level"), pl.lit(" %"))),
    ]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)


def driver_frame(
    windows: pl.DataFrame, future: pl.DataFrame | None, events: pl.DataFrame | None
) -> pl.DataFrame:
    """Per SKU, the first promo day and the first event in its protection window.

    ``windows`` has ``store_id, item_id, start, end`` (dates, inclusive).
    """
    out = windows.select("store_id", "item_id")
    if future is not None and "promo" in future.columns:
        promo = (
            future.filter(pl.col("promo") > 0)
            .select("date", "store_id", "item_id")
            .join(windows, on=["store_id", "item_id"], how="inner")
            .filter(pl.col("date").is_between(pl.col("start"), pl.col("end")))
            .group_by("store_id", "item_id")
            .agg(pl.col("date").min().alias("promo_date"))
        )
        out = out.join(promo, on=["store_id", "item_id"], how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Date).alias("promo_date"))
    if events is not None and events.height and {"date", "event"} <= set(events.columns):
        ev = events.select(
            "date", "event",
            (pl.col("store_id") if "store_id" in events.columns
             else pl.lit(None, dtype=pl.String).alias("store_id")),
        ).filter(pl.col("date").is_between(windows["start"].min(), windows["end"].max()))
        # Chain-wide events (blank store) apply to every store's window.
        per_store = windows.join(ev.filter(pl.col("store_id").is_not_null()),
                                 on="store_id", how="inner")
        chain = windows.join(ev.filter(pl.col("store_id").is_null()).drop("store_id"),
                             how="cross")
        hits = (
            pl.concat([per_store.select(chain.columns), chain], how="vertical_relaxed")
            .filter(pl.col("date").is_between(pl.col("start"), pl.col("end")))
            .sort("date")
            .group_by("store_id", "item_id")
            .agg(pl.col("event").first().alias("event_name"),
                 pl.col("date").first().alias("event_date"))
        )
        out = out.join(hits, on=["store_id", "item_id"], how="left")
    for col, dtype in (("event_name", pl.String), ("event_date", pl.Date)):
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(col))
    return out
