"""The intraday profile (by store and weekday, with fallbacks) and the business clock."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from shelfcast.live.clock import business_today, minute_of_day, tomorrow
from shelfcast.live.profile import intraday_profile


def _lines(store: str, days: list[date], hours: list[int], quantity: float = 1.0) -> list[dict]:
    return [{"timestamp": datetime(d.year, d.month, d.day, h, 30, tzinfo=UTC),
             "store_id": store, "quantity": quantity} for d in days for h in hours]


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"timestamp": pl.Datetime("us", "UTC"),
                                      "store_id": pl.String, "quantity": pl.Float64})


MONDAYS = [date(2024, 1, 1) + timedelta(weeks=k) for k in range(10)]
TUESDAYS = [d + timedelta(days=1) for d in MONDAYS]


def test_share_done_follows_the_store_and_weekday() -> None:
    # S1 sells at 8:30 and 9:30 on Mondays, at 18:30 and 19:30 on Tuesdays.
    profile = intraday_profile(_frame(_lines("S1", MONDAYS, [8, 9]) + _lines("S1", TUESDAYS,
                                                                           [18, 19])))
    monday, tuesday = date(2024, 6, 3), date(2024, 6, 4)
    assert profile.level("S1", 1) == ("S1", 1)
    assert profile.fraction_done("S1", monday, 9 * 60) == pytest.approx(0.5)
    assert profile.fraction_done("S1", monday, 12 * 60) == pytest.approx(1.0)
    assert profile.fraction_done("S1", tuesday, 12 * 60) == pytest.approx(0.0)
    assert profile.fraction_done("S1", tuesday, 0) == 0.0


def test_each_day_counts_once_whatever_its_volume() -> None:
    big_morning = _lines("S1", MONDAYS[:1], [8], quantity=1000.0)
    rest = _lines("S1", MONDAYS[1:], [20])
    profile = intraday_profile(_frame(big_morning + _lines("S1", MONDAYS[:1], [20]) + rest))
    # Day 1: 1000 of 1001 units done by 12:00; the nine others: nothing. Mean ~0.1, not ~1.
    assert profile.fraction_done("S1", date(2024, 6, 3), 12 * 60) == pytest.approx(1000 / 1001 / 10)


def test_thin_groups_fall_back_to_store_then_chain_then_even() -> None:
    rows = _lines("S1", MONDAYS, [8]) + _lines("S1", TUESDAYS[:2], [20]) \
        + _lines("S2", MONDAYS[:3], [22])
    profile = intraday_profile(_frame(rows), min_days=5)
    assert profile.level("S1", 2) == ("S1", None)     # 2 Tuesdays: the store's curve
    assert profile.level("S2", 1) == (None, 1)        # 3 days of S2: the chain's Mondays
    assert profile.level("S3", 3) == (None, None)     # no Wednesday anywhere: the chain
    empty = intraday_profile(_frame([]))
    assert empty.level("S1", 1) is None
    assert empty.fraction_done("S1", date(2024, 6, 3), 6 * 60) == pytest.approx(0.25)


def test_profile_is_in_the_chains_time_zone_and_ignores_returns() -> None:
    rows = _lines("S1", MONDAYS, [7]) + _lines("S1", MONDAYS, [3], quantity=-1.0)
    profile = intraday_profile(_frame(rows), time_zone="Europe/Berlin")  # 07:30 UTC = 08:30
    assert profile.fraction_done("S1", date(2024, 6, 3), 8 * 60) == pytest.approx(0.0)
    assert profile.fraction_done("S1", date(2024, 6, 3), 9 * 60) == pytest.approx(1.0)


def test_resolution_must_divide_the_day() -> None:
    with pytest.raises(ValueError, match="divide 1440"):
        intraday_profile(_frame([]), resolution_minutes=7)


def test_business_today_is_event_time_then_after_the_last_sales_day() -> None:
    assert business_today(latest_transaction_day=date(2011, 12, 9),
                          last_sales_day=date(2024, 1, 1)) == date(2011, 12, 9)
    assert business_today(latest_transaction_day=None,
                          last_sales_day=date(2024, 1, 1)) == date(2024, 1, 2)
    assert business_today(latest_transaction_day=None, last_sales_day=None) is None
    assert business_today(latest_transaction_day=date(2011, 1, 1), last_sales_day=None,
                          override=date(2020, 5, 5)) == date(2020, 5, 5)
    assert tomorrow(date(2024, 2, 28)) == date(2024, 2, 29)


def test_minute_of_day_is_local() -> None:
    moment = datetime(2024, 7, 1, 8, 15, 30, tzinfo=UTC)
    assert minute_of_day(moment, "Europe/London") == pytest.approx(9 * 60 + 15.5)
    with pytest.raises(ValueError, match="time-zone-aware"):
        minute_of_day(datetime(2024, 7, 1, 8), "UTC")
