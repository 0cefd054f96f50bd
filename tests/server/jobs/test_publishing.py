"""Publishing frames: forecasts and orders replace the rows of their keys; alerts replace the
active alerts of the SKUs covered."""

from __future__ import annotations

from datetime import date

import polars as pl

from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.forecasts.publishing import forecast_publish
from shelfcast.server.orders.models import Alert, OrderProposal
from shelfcast.server.orders.publishing import alerts_publish, orders_publish


def _forecast(value: float) -> pl.DataFrame:
    return pl.DataFrame({
        "date": [date(2024, 3, 1), date(2024, 3, 2)], "store_id": ["S1", "S1"],
        "item_id": ["I1", "I1"], "forecast": [value, value + 1],
        "q10": [0.0, 0.0], "q90": [value * 2, value * 2]})


def test_a_forecast_replaces_the_rows_it_covers(catalog, live_model_version) -> None:  # type: ignore[no-untyped-def]
    assert forecast_publish(forecast=_forecast(3.0), model_version=None) == 2
    assert forecast_publish(forecast=_forecast(5.0).head(1), model_version=live_model_version) == 1
    rows = {r.date: r for r in PublishedForecast.objects.all()}
    assert len(rows) == 2
    first = rows[date(2024, 3, 1)]
    assert (first.forecast, first.quantiles, first.model_version.version) == (
        5.0, {"q10": 0.0, "q90": 10.0}, live_model_version)
    assert rows[date(2024, 3, 2)].forecast == 4.0 and rows[date(2024, 3, 2)].model_version is None


def test_orders_upsert_and_alerts_replace_the_active_ones(catalog) -> None:  # type: ignore[no-untyped-def]
    orders = pl.DataFrame({
        "store_id": ["S1", "S2"], "item_id": ["I1", "I2"],
        "order_date": [date(2024, 3, 1)] * 2, "quantity": [12.0, 0.0], "packs": [1, 0],
        "arrival_date": [date(2024, 3, 3)] * 2, "projected_on_hand_at_arrival": [2.0, 9.0],
        "days_of_cover": [3.0, float("inf")], "service_level": [0.95, 0.95],
        "reason": ["low", "enough"]})
    assert orders_publish(orders=orders) == 2
    assert orders_publish(orders=orders.with_columns(pl.lit(24.0).alias("quantity"))) == 2
    assert sorted(OrderProposal.objects.values_list("item_id", "quantity", "days_of_cover")) == [
        ("I1", 24.0, 3.0), ("I2", 24.0, None)]
    alerts = pl.DataFrame({
        "store_id": ["S1"], "item_id": ["I1"], "kind": ["low_stock"],
        "projected_stockout_date": [None], "on_hand": [1.0], "message": ["1 left"]},
        schema_overrides={"projected_stockout_date": pl.Date})
    covered = pl.DataFrame({"store_id": ["S1", "S2"], "item_id": ["I1", "I2"]})
    Alert.objects.create(store_id="S2", item_id="I2", kind="low_stock", on_hand=0, message="old")
    Alert.objects.create(store_id="S2", item_id="I3", kind="low_stock", on_hand=0, message="keep")
    assert alerts_publish(alerts=alerts, covered=covered) == 1
    assert alerts_publish(alerts=alerts, covered=covered) == 1  # again: still one active
    active = sorted(Alert.objects.filter(is_active=True).values_list("item_id", "message"))
    assert active == [("I1", "1 left"), ("I3", "keep")]
