"""The Live page's HTML chart and tables (``shelfcast.dashboard.html_parts``): what they show,
on one scale, with the data escaped."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from shelfcast.dashboard.html_parts import cell, store_progress, table
from tests.dashboard.html_read import as_number, read


def _widths(row_markup: str) -> list[float]:
    return [float(w) for w in re.findall(r"width:([0-9.]+)%", row_markup)]


def test_each_store_is_a_row_in_store_order_with_its_numbers() -> None:
    stores = pd.DataFrame({"store_id": ["S2", "S1", "S3"], "units": [50.0, 100.0, 0.0],
                           "nowcast_today": [80.0, 150.0, 20.0],
                           "forecast_today": [90.0, 200.0, np.nan]})
    rows = read(store_progress(stores)).stores
    assert [r["data-store"] for r in rows] == ["S1", "S2", "S3"]
    assert [float(r["data-units"]) for r in rows] == [100.0, 50.0, 0.0]
    assert [float(r["data-nowcast"]) for r in rows] == [150.0, 80.0, 20.0]
    assert [r["data-forecast"] for r in rows] == ["200.0", "90.0", ""]  # S3: none published
    assert rows[0]["title"] == "S1: 100 sold so far; nowcast 150; forecast 200"
    assert rows[2]["title"] == "S3: 0 sold so far; nowcast 20"


def test_the_bars_share_one_scale_the_largest_number() -> None:
    stores = pd.DataFrame({"store_id": ["A", "B"], "units": [50.0, 100.0],
                           "nowcast_today": [100.0, 150.0], "forecast_today": [200.0, 100.0]})
    markup = store_progress(stores)
    a, b = markup.split('class="sc-store"')[1:]
    # nowcast bar, sold bar; the scale is the largest of all (A's forecast, 200)
    assert _widths(a) == [50.0, 25.0]
    assert _widths(b) == [75.0, 50.0]
    assert "left:calc(100.00% - 1px)" in a and "left:calc(50.00% - 1px)" in b  # the ticks
    assert "scale: 0 to 200 units" in markup


def test_a_day_without_forecasts_or_sales_draws_no_empty_bars() -> None:
    only_sold = store_progress(pd.DataFrame({"store_id": ["A"], "units": [3.0]}))
    (row,) = read(only_sold).stores
    assert row["data-nowcast"] == "" and row["data-forecast"] == ""
    assert _widths(only_sold) == [100.0]  # the sold bar alone, no tick
    assert "calc(" not in only_sold
    nothing_sold = store_progress(pd.DataFrame({"store_id": ["A"], "units": [0.0]}))
    assert _widths(nothing_sold) == []  # no zero-width bars, no division by a zero scale
    assert store_progress(pd.DataFrame(columns=["store_id", "units"])) == ""


def test_data_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    markup = store_progress(pd.DataFrame({"store_id": [evil], "units": [1.0]}))
    assert "<script>" not in markup
    assert read(markup).stores[0]["data-store"] == evil  # shown as text, read back intact
    cells = table(pd.DataFrame({"item_id": [evil], "units": [1.0]}))
    assert "<script>" not in cells
    assert read(cells).rows == [[evil, "1"]]


def test_a_table_shows_every_row_with_numbers_formatted_and_right_aligned() -> None:
    frame = pd.DataFrame({"store_id": ["S1", "S2"], "units": [1234.0, 0.5],
                          "lines": np.array([12000, 3], dtype=np.int64),
                          "nowcast_today": [np.nan, 2.0], "kind": ["low_stock", None]})
    read_back = read(table(frame))
    assert read_back.header == ["store_id", "units", "lines", "nowcast_today", "kind"]
    # A column's numbers alike: 2 decimals unless all are whole.
    assert read_back.rows == [["S1", "1,234.00", "12,000", "", "low_stock"],
                              ["S2", "0.50", "3", "2", ""]]
    assert as_number(read_back.rows[0][2]) == 12000
    markup = table(frame)
    assert markup.count('<th style="text-align:right">') == 3  # units, lines, nowcast
    assert table(frame.iloc[:0]).count("<tr>") == 1  # the header alone


def test_cell_text() -> None:
    assert cell(None) == "" and cell(math.nan) == "" and cell(pd.NA) == ""
    assert cell(np.int64(1_234_567)) == "1,234,567"
    assert cell(2.0) == "2" and cell(-1.239) == "-1.24"
    assert cell(2.0, decimals=2) == "2.00" and cell(2.456, decimals=0) == "2"
    assert cell(True) == "True" and cell("2024-01-01") == "2024-01-01"
