"""The day close: once the business clock passes a day's end, the completed day's totals go
through the live model's ``Forecaster.update`` and the new day's morning forecast comes from
the rolled model. Real model (the session's small trained version), real ingest, inline
refresh."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from shelfcast.forecast.forecaster import Forecaster
from shelfcast.forecast.online import OnlinePredictor
from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast
from shelfcast.server.forecasts.serving import live_model
from shelfcast.server.live.close import day_close_forget, days_close
from shelfcast.server.sales.models import DailySales
from shelfcast.server.sales.services import transactions_ingest

from tests.server.live.layer import chain_catalog, ingest_service, live_caches_forget

STORES = ["S01", "S02"]
ITEMS = ["I0001", "I0002", "I0003", "I0004", "I0099"]  # I0099: new, unknown to the model


@pytest.fixture
def ingest(db, settings, live_model_version, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.SHELFCAST_LIVE_INLINE = True
    live_caches_forget()
    chain_catalog(STORES, ITEMS)
    post = ingest_service(django_capture_on_commit_callbacks, "c")
    yield post
    day_close_forget()


def test_the_completed_day_goes_through_update_and_publishes_the_morning(ingest) -> None:  # type: ignore[no-untyped-def]
    model = live_model()
    assert model is not None
    day = model.first_day  # the model's own "today": the first day after its sales
    ingest([(f"{day.isoformat()}T09:00:00Z", "S01", "I0001", 5),
            (f"{day.isoformat()}T17:00:00Z", "S01", "I0001", 2),
            (f"{day.isoformat()}T11:00:00Z", "S02", "I0003", 4),
            (f"{day.isoformat()}T12:00:00Z", "S02", "I0003", -1),  # a return
            (f"{day.isoformat()}T13:00:00Z", "S02", "I0099", 6)])
    # The day is still open: nothing closed, the model is where it was.
    assert not DailySales.objects.exists()
    assert live_model().first_day == day  # type: ignore[union-attr]

    nxt = day + timedelta(days=1)
    ingest([(f"{nxt.isoformat()}T08:00:00Z", "S01", "I0002", 1)])  # the clock passes midnight
    assert sorted(DailySales.objects.values_list("store_id", "item_id", "date", "sales")) == [
        ("S01", "I0001", day, 7.0), ("S02", "I0003", day, 3.0), ("S02", "I0099", day, 6.0)]
    rolled = live_model()
    assert rolled is not None and rolled.online.last_date == day and rolled.first_day == nxt

    # The same roll done by hand: the saved model updated with the day (missing = 0 sales).
    path = ModelVersion.objects.get(version=rolled.version).path
    by_hand = Forecaster.load(path).update(pl.DataFrame(
        {"date": [day] * 3, "store_id": ["S01", "S02", "S02"],
         "item_id": ["I0001", "I0003", "I0099"], "sales": [7.0, 3.0, 6.0]}))
    online = OnlinePredictor(by_hand)
    series = sorted(online.series, key=online.series.get)
    expected = online.predict(pl.Series([online.series[k] for k in series]).to_numpy(),
                              pl.Series([1] * len(series)).to_numpy(), contributions=False)
    published = {(p.store_id, p.item_id): p for p in PublishedForecast.objects.filter(date=nxt)}
    assert set(published) == set(series)
    for key, mean in zip(series, expected.mean.tolist(), strict=True):
        assert published[key].forecast == pytest.approx(mean, rel=1e-6)
        assert published[key].model_version.version == rolled.version
    # Closing again changes nothing: the day has its daily sales.
    assert days_close(today=nxt) == []


def test_without_a_live_model_no_day_is_closed(db, settings, catalog,  # type: ignore[no-untyped-def]
                                               django_capture_on_commit_callbacks) -> None:
    from shelfcast.server.forecasts.serving import live_model_invalidate

    settings.SHELFCAST_LIVE_INLINE = True
    live_model_invalidate()
    day_close_forget()
    for k, stamp in enumerate(("2024-03-04T10:00:00Z", "2024-03-05T10:00:00Z")):
        with django_capture_on_commit_callbacks(execute=True):
            transactions_ingest(lines=[{"transaction_id": f"n{k}", "timestamp": stamp,
                                        "store_id": "S1", "item_id": "I1", "quantity": 2}])
    # The clock passed 2024-03-04, but there is no model to roll forward: the totals stay.
    assert live_model() is None
    assert not DailySales.objects.exists()
    assert days_close(today=date(2024, 3, 5)) == []
