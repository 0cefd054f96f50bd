"""Till lines -> daily sales: the local day, netted returns, the quantity-weighted price."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from shelfcast.data.transactions import daily_sales_from_transactions, finish_daily, partial_daily
from shelfcast.errors import DataValidationError

UTC = UTC


def _tx(rows: list[tuple[datetime, str, str, float, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "timestamp": pl.Datetime("us", "UTC"),
            "store_id": pl.String,
            "item_id": pl.String,
            "quantity": pl.Float64,
            "unit_price": pl.Float64,
        },
        orient="row",
    )


def test_a_line_belongs_to_the_local_calendar_day_of_the_chain() -> None:
    # 23:30 UTC on 1 July is 1:30 on 2 July in Berlin (summer time, UTC+2), and still
    # 1 July in New York.
    tx = _tx([(datetime(2024, 7, 1, 23, 30, tzinfo=UTC), "S1", "A", 2.0, 1.0)])
    berlin = daily_sales_from_transactions(tx, time_zone="Europe/Berlin").sales
    new_york = daily_sales_from_transactions(tx, time_zone="America/New_York").sales
    assert berlin["date"].to_list() == [date(2024, 7, 2)]
    assert new_york["date"].to_list() == [date(2024, 7, 1)]


def test_returns_are_netted_and_a_day_they_outweigh_counts_as_zero() -> None:
    day1, day2 = datetime(2024, 3, 1, 10, tzinfo=UTC), datetime(2024, 3, 2, 10, tzinfo=UTC)
    tx = _tx(
        [
            (day1, "S1", "A", 5.0, 2.0),
            (day1, "S1", "A", -2.0, 2.0),  # net 3
            (day2, "S1", "A", 1.0, 2.0),
            (day2, "S1", "A", -4.0, 2.0),  # net -3 -> 0
            (day2, "S1", "B", -1.0, 9.0),  # a return alone -> 0
        ]
    )
    result = daily_sales_from_transactions(tx)
    sales = {(r["item_id"], r["date"]): r["sales"] for r in result.sales.iter_rows(named=True)}
    assert sales == {
        ("A", date(2024, 3, 1)): 3.0,
        ("A", date(2024, 3, 2)): 0.0,
        ("B", date(2024, 3, 2)): 0.0,
    }
    assert result.negative_days == 2
    assert result.lines == 5


def test_price_is_the_quantity_weighted_price_of_priced_sales() -> None:
    t = datetime(2024, 3, 1, 12, tzinfo=UTC)
    tx = _tx(
        [
            (t, "S1", "A", 3.0, 1.0),
            (t, "S1", "A", 1.0, 5.0),  # (3*1 + 1*5) / 4 = 2
            (t, "S1", "A", 2.0, 0.0),  # free: no say in the price
            (t, "S1", "A", -1.0, 100.0),  # a return: no say either
            (t, "S1", "B", -1.0, 3.0),
        ]
    )  # no priced sale: null
    out = daily_sales_from_transactions(tx).sales.sort("item_id")
    assert out["price"].to_list() == [2.0, None]
    assert out["sales"].to_list() == [5.0, 0.0]


def test_the_frame_contract_of_the_result() -> None:
    tx = _tx([(datetime(2024, 3, 1, 12, tzinfo=UTC), "S1", "A", 3.0, None)]).drop("unit_price")
    out = daily_sales_from_transactions(tx).sales
    assert out.schema == pl.Schema(
        {"date": pl.Date, "store_id": pl.String, "item_id": pl.String, "sales": pl.Float64}
    )


def test_chunks_combine_to_the_same_days_as_the_whole() -> None:
    t = datetime(2024, 3, 1, 12, tzinfo=UTC)
    tx = _tx([(t, "S1", "A", 5.0, 2.0), (t, "S1", "A", -7.0, 2.0), (t, "S1", "A", 1.0, 4.0)])
    whole = daily_sales_from_transactions(tx)
    parts = finish_daily(
        [partial_daily(tx[:1]), partial_daily(tx[1:2]), partial_daily(tx[2:])], lines=3
    )
    assert parts.sales.equals(whole.sales)
    assert parts.negative_days == whole.negative_days == 1  # 5 - 7 + 1 < 0


def test_a_naive_timestamp_is_refused_with_its_type() -> None:
    tx = pl.DataFrame(
        {
            "timestamp": [datetime(2024, 3, 1, 12)],
            "store_id": ["S1"],
            "item_id": ["A"],
            "quantity": [1.0],
        }
    )
    with pytest.raises(DataValidationError, match="time zone"):
        daily_sales_from_transactions(tx)


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataValidationError, match=r"\['quantity'\]"):
        daily_sales_from_transactions(
            pl.DataFrame({"timestamp": [], "store_id": [], "item_id": []})
        )
