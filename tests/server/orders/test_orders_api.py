"""``GET /api/orders/`` and ``GET /api/alerts/``: the files' columns, filters, roles."""

from __future__ import annotations

from datetime import date

from shelfcast.server.orders.models import Alert, OrderProposal


def test_order_proposals(client_for, catalog) -> None:  # type: ignore[no-untyped-def]
    for day in (date(2024, 3, 1), date(2024, 3, 2)):
        OrderProposal.objects.create(
            store_id="S1", item_id="I1", order_date=day, quantity=24, packs=2,
            arrival_date=date(2024, 3, 4), projected_on_hand_at_arrival=3.0, days_of_cover=4.5,
            service_level=0.95, reason="below reorder point")
    viewer = client_for("viewer")
    body = viewer.get("/api/orders/", {"date_to": "2024-03-01"}).json()
    assert body["results"] == [{
        "store_id": "S1", "item_id": "I1", "order_date": "2024-03-01", "quantity": 24.0,
        "packs": 2, "arrival_date": "2024-03-04", "projected_on_hand_at_arrival": 3.0,
        "days_of_cover": 4.5, "service_level": 0.95, "reason": "below reorder point"}]
    assert client_for("till").get("/api/orders/").status_code == 403


def test_active_alerts_newest_first(client_for, catalog) -> None:  # type: ignore[no-untyped-def]
    Alert.objects.create(store_id="S1", item_id="I1", kind="low_stock", on_hand=1.0,
                         message="1 left", is_active=False)
    Alert.objects.create(store_id="S2", item_id="I2", kind="projected_stockout", on_hand=2.0,
                         projected_stockout_date=date(2024, 3, 3), message="out on 3 March")
    viewer = client_for("viewer")
    active = viewer.get("/api/alerts/").json()["results"]
    assert [(a["store_id"], a["kind"], a["projected_stockout_date"]) for a in active] == [
        ("S2", "projected_stockout", "2024-03-03")]
    everything = viewer.get("/api/alerts/", {"include_resolved": "true"}).json()
    assert everything["count"] == 2
    assert viewer.get("/api/alerts/", {"store_id": "S1"}).json()["count"] == 0
