"""The one stockout projection: the daily run (count at the close) and live (demand left today)."""

from __future__ import annotations

from datetime import date

import numpy as np

from shelfcast.replenish.projection import project_stockout

TODAY = date(2026, 11, 20)


def test_stock_that_lasts_projects_no_stockout() -> None:
    out = project_stockout([10.0], [0.0], np.array([[3.0, 3.0, 3.0]]), today=TODAY)
    assert np.isnat(out[0])


def test_first_day_demand_exceeds_stock_is_the_stockout_date() -> None:
    out = project_stockout([10.0], 0.0, np.array([[4.0, 4.0, 4.0]]), today=TODAY)
    assert out[0] == np.datetime64("2026-11-23")


def test_live_demand_left_today_can_empty_the_shelf_today() -> None:
    out = project_stockout(np.array([2.0, 5.0]), np.array([3.0, 3.0]),
                           np.array([[1.0], [3.0]]), today=TODAY)
    assert out.tolist() == [TODAY, date(2026, 11, 21)]


def test_deliveries_on_their_way_count_from_their_day() -> None:
    demand = np.array([[4.0, 4.0, 4.0]] * 2)
    receipts = np.array([[0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    out = project_stockout([5.0, 5.0], 0.0, demand, today=TODAY, receipts=receipts)
    assert np.isnat(out[0])
    assert out[1] == np.datetime64("2026-11-22")


def test_nan_days_are_beyond_the_window_and_one_call_serves_many_skus() -> None:
    demand = np.array([[1.0, np.nan, np.nan], [1.0, 1.0, 5.0]])
    out = project_stockout([1.0, 3.0], [0.0, 0.0], demand,
                           today=np.array(["2026-11-20", "2026-11-21"], dtype="datetime64[D]"))
    assert np.isnat(out[0]) and out[1] == np.datetime64("2026-11-24")
