"""Publish the replenishment frames (``shelfcast.replenish.proposals``) into the database:
order proposals replace the rows of the same store, item and order date (one bulk upsert);
alerts replace the active alerts of the stores and items they cover (those are marked
resolved, then the new ones are inserted in one bulk insert)."""

from __future__ import annotations

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shelfcast.data.schema import ITEM, STORE
from shelfcast.errors import DataValidationError
from shelfcast.server.core.bulk import frame_upsert
from shelfcast.server.orders.models import Alert, OrderProposal

__all__ = ["orders_publish", "alerts_publish", "ORDER_FIELDS", "ALERT_FIELDS"]

ORDER_FIELDS = (STORE, ITEM, "order_date", "quantity", "packs", "arrival_date",
                "projected_on_hand_at_arrival", "days_of_cover", "service_level", "reason")
ALERT_FIELDS = (STORE, ITEM, "kind", "projected_stockout_date", "on_hand", "message")
_ROWS_PER_CONDITION = 500  # (store, item) pairs per OR-clause: SQLite's expression depth


def _require(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(f"the {what} frame lacks column(s) {missing}",
                                  details={"missing": missing, "expected": list(columns)})


def orders_publish(*, orders: pl.DataFrame) -> int:
    """Upsert order proposals keyed by (store, item, order_date); returns the rows sent."""
    _require(orders, ORDER_FIELDS, "orders")
    frame = orders.select(
        pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String),
        pl.col("order_date").cast(pl.Date),
        pl.col("quantity").cast(pl.Float64), pl.col("packs").cast(pl.Int64),
        pl.col("arrival_date").cast(pl.Date),
        pl.col("projected_on_hand_at_arrival").cast(pl.Float64),
        # Infinite cover (no demand expected) is stored as unknown: JSON has no infinity.
        pl.when(pl.col("days_of_cover").cast(pl.Float64).is_infinite()).then(None)
        .otherwise(pl.col("days_of_cover").cast(pl.Float64)).alias("days_of_cover"),
        pl.col("service_level").cast(pl.Float64),
        pl.col("reason").cast(pl.String).fill_null(""),
        pl.lit(timezone.now()).alias("created_at"),
    ).unique(subset=[STORE, ITEM, "order_date"], keep="last")
    with transaction.atomic():
        return frame_upsert(model=OrderProposal, frame=frame,
                            unique=[STORE, ITEM, "order_date"])


def alerts_publish(*, alerts: pl.DataFrame, covered: pl.DataFrame | None = None) -> int:
    """Resolve the active alerts of the (store, item) pairs in ``covered`` (by default those
    of ``alerts``), then insert ``alerts`` as the active ones; returns the alerts inserted.

    Pass the SKUs replenishment looked at as ``covered``, so an alert that no longer holds
    is resolved even when that SKU raises none this time.
    """
    _require(alerts, ALERT_FIELDS, "alerts")
    pairs = (covered if covered is not None else alerts).select(
        pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String)).unique()
    rows = alerts.select(ALERT_FIELDS).to_dicts()
    with transaction.atomic():
        for start in range(0, pairs.height, _ROWS_PER_CONDITION):
            condition = Q()
            for store, item in pairs.slice(start, _ROWS_PER_CONDITION).iter_rows():
                condition |= Q(store_id=store, item_id=item)
            Alert.objects.filter(condition, is_active=True).update(is_active=False)
        Alert.objects.bulk_create([
            Alert(store_id=r[STORE], item_id=r[ITEM], kind=r["kind"],
                  projected_stockout_date=r["projected_stockout_date"],
                  on_hand=float(r["on_hand"]), message=r["message"]) for r in rows
        ])
    return len(rows)
