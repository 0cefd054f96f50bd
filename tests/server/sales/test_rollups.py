"""The sales roll-ups (``StoreDaySales``, ``ItemDaySales``) kept by ``dataset_load``, and the
reads that use them: the same answers as summing the daily rows, with revenue; the live
read's top items and per-store nowcast."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from django.utils import timezone

from shelfcast.data.dataset import Dataset
from shelfcast.live.nowcast import nowcast
from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.jobs.services import dataset_load
from shelfcast.server.sales.models import ItemDaySales, StoreDaySales
from shelfcast.server.sales.rollups import sales_rollups_refresh

START = date(2024, 1, 1)  # a Monday
DAYS = 10
ITEMS = pl.DataFrame({"item_id": ["I1", "I2", "I3"], "category": ["dairy", "bakery", "dairy"]})


def _sales(scale: float = 1.0, days: range = range(DAYS)) -> pl.DataFrame:
    rows = [{"date": START + timedelta(days=d), "store_id": store, "item_id": item,
             "sales": scale * (1 + d + 10 * i + 100 * s),
             # I3 has no price: revenue counts the priced rows only
             "price": None if item == "I3" else 2.0 + i}
            for s, store in enumerate(["S1", "S2"]) for i, item in enumerate(["I1", "I2", "I3"])
            for d in days]
    return pl.DataFrame(rows, schema_overrides={"price": pl.Float64})


@pytest.fixture
def loaded(db) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    sales = _sales()
    dataset_load(dataset=Dataset(sales=sales, items=ITEMS))
    return sales


def _store_rollup() -> dict[tuple[str, date], tuple[float, float | None]]:
    return {(r.store_id, r.date): (r.sales, r.revenue) for r in StoreDaySales.objects.all()}


def test_loading_sales_fills_the_rollups_with_the_daily_sums(loaded) -> None:  # type: ignore[no-untyped-def]
    per_store = loaded.group_by("store_id", "date").agg(
        pl.col("sales").sum(), (pl.col("sales") * pl.col("price")).sum().alias("revenue"))
    assert _store_rollup() == {(r["store_id"], r["date"]): (r["sales"], r["revenue"])
                               for r in per_store.iter_rows(named=True)}
    items = {(r.item_id, r.date): (r.sales, r.revenue) for r in ItemDaySales.objects.all()}
    assert len(items) == 3 * DAYS
    assert items[("I2", START)] == (11.0 + 111.0, 3.0 * (11.0 + 111.0))
    assert items[("I3", START)] == (21.0 + 121.0, None)  # no price known: no revenue


def test_a_reload_of_some_days_replaces_their_rollups_only(loaded) -> None:  # type: ignore[no-untyped-def]
    before = _store_rollup()
    dataset_load(dataset=Dataset(sales=_sales(scale=2.0, days=range(3, 5)), items=ITEMS))
    after = _store_rollup()
    for (store, day), (sales, _) in after.items():
        changed = START + timedelta(days=3) <= day <= START + timedelta(days=4)
        assert sales == (2 * before[(store, day)][0] if changed else before[(store, day)][0])


def test_a_refresh_drops_the_rollups_of_days_without_sales(loaded) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.sales.models import DailySales

    DailySales.objects.filter(date=START).delete()
    sales_rollups_refresh(date_from=START, date_to=START)
    assert not StoreDaySales.objects.filter(date=START).exists()
    assert not ItemDaySales.objects.filter(date=START).exists()
    assert StoreDaySales.objects.filter(date=START + timedelta(days=1)).count() == 2
    with pytest.raises(ValueError, match="date_to 2024-01-01 is before date_from 2024-01-02"):
        sales_rollups_refresh(date_from=START + timedelta(days=1), date_to=START)


def _truth(sales: pl.DataFrame, key: str, **where: list[str]) -> dict[str, float]:
    frame = sales.join(ITEMS, on="item_id")
    for column, values in where.items():
        frame = frame.filter(pl.col(column).is_in(values))
    return dict(frame.group_by(key).agg(pl.col("sales").sum()).iter_rows())


@pytest.mark.parametrize(("group", "key", "where"), [
    ("store", "store_id", {}),                                 # the store roll-up
    ("store", "store_id", {"category": ["dairy"]}),            # daily rows: a category
    ("item", "item_id", {}),                                   # the item roll-up
    ("item", "item_id", {"store_id": ["S2"]}),                 # daily rows: a store
    ("category", "category", {}),                              # the item roll-up, joined
    ("category", "category", {"store_id": ["S1"]}),            # daily rows: a store
    ("category", "category", {"item_id": ["I1", "I2"]}),       # the item roll-up, narrowed
])
def test_sums_per_group_match_the_daily_rows(client_for, loaded, group, key, where) -> None:  # type: ignore[no-untyped-def]
    viewer = client_for("viewer")
    params = {k: ",".join(v) for k, v in where.items()}
    top = viewer.get("/api/sales/top/", {"group": group, **params}).json()["results"]
    assert {r[key]: r["sales"] for r in top} == _truth(loaded, key, **where)
    assert [r["sales"] for r in top] == sorted((r["sales"] for r in top), reverse=True)
    monthly = viewer.get("/api/sales/", {"by": "month", "group": group, **params}).json()
    assert {r[key]: r["sales"] for r in monthly["results"]} == _truth(loaded, key, **where)


def test_top_sellers_carry_revenue(client_for, loaded) -> None:  # type: ignore[no-untyped-def]
    viewer = client_for("viewer")
    day = {"date_from": "2024-01-01", "date_to": "2024-01-01"}
    items = {r["item_id"]: r for r in viewer.get("/api/sales/top/", day).json()["results"]}
    assert items["I1"]["revenue"] == pytest.approx(2.0 * (1 + 101))
    assert items["I3"]["revenue"] is None
    in_store = viewer.get("/api/sales/top/", {**day, "store_id": "S1"}).json()["results"]
    assert {r["item_id"]: r["revenue"] for r in in_store} == {"I1": 2.0, "I2": 33.0, "I3": None}
    stores = viewer.get("/api/sales/top/", {**day, "group": "store"}).json()["results"]
    assert {r["store_id"]: r["revenue"] for r in stores} == {"S1": 2.0 + 33.0,
                                                            "S2": 2.0 * 101 + 3.0 * 111}


def _post_lines(client_for, lines: list[tuple[str, str, str, float]]) -> None:  # type: ignore[no-untyped-def]
    body = {"transactions": [{"transaction_id": f"t{k}", "timestamp": ts, "store_id": s,
                              "item_id": i, "quantity": q}
                             for k, (ts, s, i, q) in enumerate(lines)]}
    answer = client_for("till").post("/api/transactions/", body, format="json").json()
    assert answer["accepted"] == len(lines)


def test_live_top_items_and_store_nowcasts(client_for, loaded) -> None:  # type: ignore[no-untyped-def]
    day = START + timedelta(days=DAYS)
    _post_lines(client_for, [(f"{day}T09:00:00Z", "S1", "I1", 2),
                             (f"{day}T10:00:00Z", "S1", "I2", 5),
                             (f"{day}T12:00:00Z", "S2", "I1", 3)])
    for store, item, forecast in [("S1", "I1", 8.0), ("S1", "I3", 4.0), ("S2", "I2", 6.0)]:
        PublishedForecast.objects.create(store_id=store, item_id=item, date=day,
                                         forecast=forecast, quantiles={},
                                         published_at=timezone.now())
    viewer = client_for("viewer")
    top = viewer.get("/api/live/", {"order": "units", "page_size": 2}).json()
    assert [(r["store_id"], r["item_id"], r["units"]) for r in top["results"]] == [
        ("S1", "I2", 5.0), ("S2", "I1", 3.0)]
    assert top["count"] == 3
    plain = viewer.get("/api/live/").json()["stores"]
    assert plain == [{"store_id": "S1", "lines": 2, "units": 7.0},
                     {"store_id": "S2", "lines": 1, "units": 3.0}]

    stores = viewer.get("/api/live/", {"nowcast": "true"}).json()["stores"]
    # No history to learn a profile from: an even day; 12:00 UTC is the clock (half the day).
    share = 0.5
    expected = {
        "S1": nowcast(2, share, 8.0) + nowcast(5, share, None) + nowcast(0, share, 4.0),
        "S2": nowcast(3, share, None) + nowcast(0, share, 6.0),
    }
    assert [(r["store_id"], r["lines"], r["units"]) for r in stores] == [
        ("S1", 2, 7.0), ("S2", 1, 3.0)]
    assert {r["store_id"]: r["nowcast_today"] for r in stores} == pytest.approx(expected)
    assert {r["store_id"]: r["forecast_today"] for r in stores} == {"S1": 12.0, "S2": 6.0}
    # A store with a forecast and no line yet is listed with 0 units.
    PublishedForecast.objects.create(store_id="S2", item_id="I3", date=day, forecast=1.0,
                                     quantiles={}, published_at=timezone.now())
    s2_only = viewer.get("/api/live/", {"nowcast": "true", "item_id": "I3"}).json()["stores"]
    assert s2_only == [
        {"store_id": "S1", "lines": 0, "units": 0.0, "nowcast_today": pytest.approx(
            nowcast(0, share, 4.0)), "forecast_today": 4.0},
        {"store_id": "S2", "lines": 0, "units": 0.0, "nowcast_today": pytest.approx(
            nowcast(0, share, 1.0)), "forecast_today": 1.0}]
    assert viewer.get("/api/live/", {"order": "biggest"}).json()["details"]["order"]


def test_a_closed_business_day_reaches_the_rollups(db, settings, live_model_version) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.catalog.services import items_upsert, stores_upsert
    from shelfcast.server.forecasts.serving import live_model
    from shelfcast.server.live.close import day_close_forget, days_close
    from shelfcast.server.sales.services import transactions_ingest

    settings.SHELFCAST_LIVE_INLINE = False  # the close is called below, not by a round
    day_close_forget()
    model = live_model()
    assert model is not None
    # The catalog holds the model's series: the close publishes the morning forecast of each.
    stores_upsert(ids={s for s, _ in model.online.series} | {"S01"})
    items = sorted({i for _, i in model.online.series} | {"I0001"})
    items_upsert(ids=set(items), items=pl.DataFrame({"item_id": items,
                                                     "category": ["dairy"] * len(items)}))
    day = model.first_day
    transactions_ingest(lines=[
        {"transaction_id": f"close{k}", "timestamp": f"{day.isoformat()}T{h}:00:00Z",
         "store_id": "S01", "item_id": "I0001", "quantity": q}
        for k, (h, q) in enumerate([("09", 5), ("10", -1), ("17", 3)])])
    assert days_close(today=day + timedelta(days=1)) == [day]
    assert [(r.store_id, r.sales) for r in StoreDaySales.objects.filter(date=day)] == [
        ("S01", 7.0)]
    assert [(r.item_id, r.sales) for r in ItemDaySales.objects.filter(date=day)] == [
        ("I0001", 7.0)]
    day_close_forget()
