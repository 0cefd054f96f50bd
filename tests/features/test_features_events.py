from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from shelfcast.errors import ConfigurationError
from shelfcast.features.events import event_calendar, event_features


def test_events_table_and_country_holidays_with_days_before_and_after() -> None:
    events = pl.DataFrame(
        {"date": [date(2024, 1, 10), date(2024, 1, 12)], "event": ["Big Sale", "Local Fair"],
         "store_id": [None, "S2"]},
        schema={"date": pl.Date, "event": pl.String, "store_id": pl.String},
    )
    start, end = date(2023, 12, 20), date(2024, 1, 20)
    cal = event_calendar(events, country="GB", start=start, end=end)
    assert {"christmas_day", "big_sale", "local_fair"} <= set(cal["event"])
    feats = event_features(cal, ["S1", "S2"], start, end)
    s1 = {r["date"]: r for r in feats.filter(pl.col("store_id") == "S1").iter_rows(named=True)}
    assert s1[date(2023, 12, 25)]["event"] == "christmas_day"
    assert s1[date(2023, 12, 23)]["next_event"] == "christmas_day"
    assert s1[date(2023, 12, 23)]["days_to_event"] == 2.0
    assert s1[date(2024, 1, 11)]["last_event"] == "big_sale"
    assert s1[date(2024, 1, 11)]["days_since_event"] == 1.0
    assert s1[date(2024, 1, 12)]["event"] is None  # S2's fair is not S1's
    s2 = feats.filter(pl.col("store_id") == "S2", pl.col("date") == date(2024, 1, 12))
    assert s2["event"].item() == "local_fair"


def test_unknown_country_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="ZZ"):
        event_calendar(None, country="ZZ", start=date(2024, 1, 1), end=date(2024, 2, 1))
