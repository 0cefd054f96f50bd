"""Every rule of DATA_FORMAT.md: each test writes a small bad file and reads the report.

The messages must name the file, the column, how many rows, the first row numbers (data
rows from 1, the header not counted) and values, and what was expected.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.issues import rows_issue
from shelfcast.data.load import validate_folder
from shelfcast.data.report import MAX_EXAMPLES, Issue, ValidationReport
from shelfcast.data.validate import SPIKE_FACTOR, validate_tables

HEADER = "date,store_id,item_id,sales"


def folder(tmp_path: Path, **tables: str) -> Path:
    """A dataset folder with one CSV per keyword: ``sales="..."`` -> sales.csv."""
    for name, text in tables.items():
        (tmp_path / f"{name}.csv").write_text(text.strip() + "\n")
    return tmp_path


def days(n: int, *, store: str = "S1", item: str = "I1", start: int = 1, extra: str = "",
         sales: int = 2) -> str:
    """n lines of a series, January 2024 from ``start`` on."""
    return "\n".join(
        f"2024-01-{d:02d},{store},{item},{sales}{extra}" for d in range(start, start + n)
    )


def only(report: ValidationReport, code: str, file: str | None = None) -> Issue:
    found = [i for i in report.issues if i.code == code and (file is None or i.file == file)]
    assert len(found) == 1, [str(i) for i in report.issues]
    return found[0]


def codes(report: ValidationReport) -> set[str]:
    return {i.code for i in report.issues}


# -- sales ------------------------------------------------------------------------------------


def test_a_valid_folder_has_no_errors(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales=f"{HEADER}\n{days(5)}"))
    assert report.ok and report.issues == []
    assert report.tables == {"sales": 5}


def test_missing_required_columns_are_named_with_the_columns_found(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales="date,store,item_id,qty\n2024-01-01,S1,I1,3"))
    issue = only(report, "missing_column")
    assert issue.level == "error" and issue.file == "sales.csv"
    assert issue.values == ("store_id", "sales")
    assert "found: date, store, item_id, qty" in issue.message
    assert "date, store_id, item_id, sales" in issue.expected


def test_non_numeric_sales_name_rows_and_values(tmp_path: Path) -> None:
    text = f"{HEADER}\n{days(3)}\n2024-01-04,S1,I1,abc\n2024-01-05,S1,I1,1,5\n2024-01-06,S1,I1,x"
    report = validate_folder(folder(tmp_path, sales=text.replace("1,5", '"1,5"')))
    issue = only(report, "not_number")
    assert (issue.file, issue.column, issue.count) == ("sales.csv", "sales", 3)
    assert issue.rows == (4, 5, 6)
    assert issue.values == ("abc", "1,5", "x")
    assert issue.expected == "a number"
    assert "not a number in 3 rows" in str(issue)
    assert "blank_value" not in codes(report)  # a bad value is reported once, not as blank


def test_nan_and_infinite_sales_are_not_numbers(tmp_path: Path) -> None:
    text = f"{HEADER}\n2024-01-01,S1,I1,nan\n2024-01-02,S1,I1,inf\n2024-01-03,S1,I1,1"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "not_number")
    assert issue.rows == (1, 2)


def test_dates_that_do_not_parse_are_errors_but_midnight_datetimes_are_dates(
    tmp_path: Path,
) -> None:
    text = (f"{HEADER}\n2024-01-01T00:00:00,S1,I1,1\n2024-01-02 00:00:00Z,S1,I1,1\n"
            "2024-01-03T10:30:00,S1,I1,1\n03/01/2024,S1,I1,1\n2024-02-30,S1,I1,1")
    report = validate_folder(folder(tmp_path, sales=text))
    issue = only(report, "not_date")
    assert (issue.column, issue.count, issue.rows) == ("date", 3, (3, 4, 5))
    assert issue.values == ("2024-01-03T10:30:00", "03/01/2024", "2024-02-30")
    assert "YYYY-MM-DD" in issue.expected


def test_negative_sales_are_errors(tmp_path: Path) -> None:
    text = f"{HEADER}\n{days(2)}\n2024-01-03,S1,I1,-2\n2024-01-04,S1,I1,-1.5"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "out_of_range")
    assert str(issue) == ("sales.csv, column 'sales': negative sales in 2 rows (rows 3, 4; "
                          "values -2.0, -1.5); expected units sold >= 0")


def test_price_must_be_positive(tmp_path: Path) -> None:
    text = f"{HEADER},price\n{days(2, extra=',1.5')}\n2024-01-03,S1,I1,2,0\n2024-01-04,S1,I1,2,-1"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "out_of_range")
    assert (issue.column, issue.count, issue.rows) == ("price", 2, (3, 4))
    assert issue.values == (0.0, -1.0)
    assert issue.expected == "a price > 0"


def test_open_and_stockout_must_be_0_or_1(tmp_path: Path) -> None:
    text = (f"{HEADER},open,stockout\n2024-01-01,S1,I1,2,1,0\n2024-01-02,S1,I1,2,2,0\n"
            "2024-01-03,S1,I1,2,yes,1\n2024-01-04,S1,I1,2,1,0.5")
    report = validate_folder(folder(tmp_path, sales=text))
    flags = sorted((i for i in report.errors if i.code == "not_flag"), key=lambda i: i.column)
    assert [(i.column, i.rows, i.values) for i in flags] == [
        ("open", (2, 3), ("2", "yes")), ("stockout", (4,), (0.5,)),
    ]
    assert flags[0].expected == "0 or 1"


def test_sales_on_a_closed_day_are_errors(tmp_path: Path) -> None:
    text = f"{HEADER},open\n2024-01-01,S1,I1,2,1\n2024-01-02,S1,I1,0,0\n2024-01-03,S1,I1,4,0"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "sales_on_closed_day")
    assert (issue.column, issue.rows, issue.values) == ("sales", (3,), (4.0,))
    assert "open = 0" in issue.message


def test_duplicate_keys_name_both_rows(tmp_path: Path) -> None:
    text = f"{HEADER}\n{days(3)}\n2024-01-02,S1,I1,7\n{days(1, item='I2')}\n2024-01-01,S1,I2,1"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "duplicate_key")
    assert issue.count == 2
    assert issue.rows == (4, 6)
    assert issue.values == ("2024-01-02 / S1 / I1", "2024-01-01 / S1 / I2")
    assert "(date, store_id, item_id)" in issue.message
    assert "row 4 repeats row 2" in issue.message


def test_duplicate_keys_are_found_in_an_unsorted_file_too(tmp_path: Path) -> None:
    text = f"{HEADER}\n2024-01-02,S2,I1,1\n2024-01-01,S1,I1,1\n2024-01-02,S2,I1,5"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "duplicate_key")
    assert issue.rows == (3,) and "row 3 repeats row 1" in issue.message


def test_quotes_at_most_max_examples_rows_but_counts_all(tmp_path: Path) -> None:
    bad = "\n".join(f"2024-01-{d:02d},S1,I1,-1" for d in range(1, 13))
    issue = only(validate_folder(folder(tmp_path, sales=f"{HEADER}\n{bad}")), "out_of_range")
    assert issue.count == 12
    assert issue.rows == tuple(range(1, MAX_EXAMPLES + 1))
    assert len(issue.values) == MAX_EXAMPLES
    assert "12 rows" in str(issue) and "rows 1, 2, 3, 4, 5, ...;" in str(issue)


def test_all_errors_of_a_file_come_in_one_report(tmp_path: Path) -> None:
    text = (f"{HEADER},price\n2024-01-01,S1,I1,-1,2\n2024-01-0x,S1,I1,1,2\n"
            "2024-01-03,S1,I1,1,0\n2024-01-04,,I1,1,2")
    report = validate_folder(folder(tmp_path, sales=text))
    assert {(i.code, i.column) for i in report.errors} == {
        ("out_of_range", "sales"), ("not_date", "date"), ("out_of_range", "price"),
        ("blank_value", "store_id"),
    }


def test_blank_required_values_are_errors_and_blank_covariates_warnings(tmp_path: Path) -> None:
    text = f"{HEADER},price\n2024-01-01,S1,I1,,2\n2024-01-02,S1,I1,1,\n2024-01-03,S1,,1,2"
    report = validate_folder(folder(tmp_path, sales=text))
    blanks = {(i.column, i.level, i.rows) for i in report.issues if i.code == "blank_value"}
    assert blanks == {("sales", "error", (1,)), ("item_id", "error", (3,)),
                      ("price", "warning", (2,))}


def test_extra_numeric_columns_are_covariates_and_text_ones_are_dropped(tmp_path: Path) -> None:
    text = (f"{HEADER},flyer,holiday\n2024-01-01,S1,I1,1,0,\n2024-01-02,S1,I1,1,1,xmas\n"
            "2024-01-03,S1,I1,1,0,")
    report = validate_folder(folder(tmp_path, sales=text))
    assert report.ok
    issue = only(report, "non_numeric_column")
    assert (issue.level, issue.column, issue.rows, issue.values) == (
        "warning", "holiday", (2,), ("xmas",))
    assert "ignored" in issue.message and "events" in issue.message


# -- warnings ----------------------------------------------------------------------------------


def test_series_silent_for_eight_weeks_at_the_end_are_reported() -> None:
    span = pl.date_range(date(2024, 1, 1), date(2024, 4, 30), eager=True)
    live = pl.DataFrame({"date": span, "store_id": "S1", "item_id": "I1", "sales": 1.0})
    march = pl.col("date") >= date(2024, 3, 1)
    dead = live.with_columns(item_id=pl.lit("I2"), sales=pl.when(march).then(0.0).otherwise(1.0))
    _, report = validate_tables({"sales": pl.concat([live, dead])}, files={"sales": "sales.csv"})
    issue = only(report, "stale_series")
    assert issue.level == "warning" and issue.count == 1
    assert issue.values == ("S1 / I2 (last sale 2024-02-29)",)
    assert "1 of 2 series" in issue.message


def test_days_missing_inside_a_series_are_a_note_not_an_error(tmp_path: Path) -> None:
    text = f"{HEADER}\n{days(2)}\n{days(3, start=6)}"
    report = validate_folder(folder(tmp_path, sales=text))
    assert report.ok and report.issues == []
    assert any("1 of 1 series miss days" in n and "3 days in all" in n for n in report.notes)


def test_a_day_far_above_the_usual_is_a_warning(tmp_path: Path) -> None:
    spike = int(SPIKE_FACTOR * 2) + 1
    text = f"{HEADER}\n{days(9)}\n2024-01-10,S1,I1,{spike}\n{days(9, start=11)}"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "sales_spike")
    assert (issue.level, issue.rows, issue.values) == ("warning", (10,), (float(spike),))


# -- future -----------------------------------------------------------------------------------


SALES_WITH_PRICE = f"{HEADER},price\n{days(5, extra=',1.5')}\n{days(5, item='I2', extra=',2')}"


def test_future_needs_its_key_columns(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales=SALES_WITH_PRICE,
                                    future="date,store_id,price\n2024-01-06,S1,1.5"))
    issue = only(report, "missing_column", "future.csv")
    assert issue.values == ("item_id",)


def test_future_must_not_hold_sales_or_stockout(tmp_path: Path) -> None:
    report = validate_folder(folder(
        tmp_path, sales=SALES_WITH_PRICE,
        future="date,store_id,item_id,price,sales,stockout\n2024-01-06,S1,I1,1.5,3,0"))
    issue = only(report, "outcome_in_future")
    assert issue.values == ("sales", "stockout") and "not known in advance" in issue.message


def test_future_covariates_must_match_sales(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales=SALES_WITH_PRICE,
                                    future="date,store_id,item_id,promo\n2024-01-06,S1,I1,1"))
    assert only(report, "missing_covariate").values == ("price",)
    extra = only(report, "extra_covariate")
    assert extra.values == ("promo",) and "price" in extra.expected


def test_future_covariates_must_have_values(tmp_path: Path) -> None:
    future = ("date,store_id,item_id,price\n2024-01-06,S1,I1,1.5\n2024-01-07,S1,I1,\n"
              "2024-01-06,S1,I2,")
    issue = only(validate_folder(folder(tmp_path, sales=SALES_WITH_PRICE, future=future)),
                 "blank_value")
    assert (issue.level, issue.file, issue.column) == ("error", "future.csv", "price")
    assert issue.rows == (2, 3)
    assert "known for every day to forecast" in issue.expected


def test_future_dates_must_come_after_the_last_sales_date(tmp_path: Path) -> None:
    future = ("date,store_id,item_id,price\n2024-01-06,S1,I1,1.5\n2024-01-05,S1,I1,1.5\n"
              "2024-01-02,S1,I2,2")
    issue = only(validate_folder(folder(tmp_path, sales=SALES_WITH_PRICE, future=future)),
                 "future_not_after_sales")
    assert (issue.column, issue.rows) == ("date", (2, 3))
    assert issue.values == ("2024-01-05", "2024-01-02")
    assert issue.expected == "dates after 2024-01-05"


def test_future_series_unknown_in_sales_are_errors(tmp_path: Path) -> None:
    future = "date,store_id,item_id,price\n2024-01-06,S1,I1,1.5\n2024-01-06,S9,I1,1.5"
    issue = only(validate_folder(folder(tmp_path, sales=SALES_WITH_PRICE, future=future)),
                 "unknown_series")
    assert (issue.level, issue.rows, issue.values) == ("error", (2,), ("S9 / I1",))


def test_valid_future_is_restricted_to_the_columns_of_sales_and_sorted() -> None:
    sales = pl.DataFrame({"date": [date(2024, 1, 1)] * 2, "store_id": ["S1", "S1"],
                          "item_id": ["I2", "I1"], "sales": [1.0, 2.0], "price": [1.0, 2.0]})
    future = pl.DataFrame({"item_id": ["I2", "I1"], "price": ["1.0", "2"], "store_id": ["S1", "S1"],
                           "date": ["2024-01-02", "2024-01-02"]})
    typed, report = validate_tables({"sales": sales, "future": future})
    assert report.ok
    assert typed["future"].columns == ["date", "store_id", "item_id", "price"]
    assert typed["future"]["item_id"].to_list() == ["I1", "I2"]
    assert typed["sales"]["item_id"].to_list() == ["I1", "I2"]


# -- the other tables --------------------------------------------------------------------------


def test_rows_for_stores_or_items_unknown_in_sales_are_warnings(tmp_path: Path) -> None:
    report = validate_folder(folder(
        tmp_path, sales=f"{HEADER}\n{days(3)}",
        events="date,event,store_id\n2024-01-01,new_year,\n2024-01-02,fair,S7",
        stores="store_id,region\nS1,north\nS2,south",
        items="item_id,category\nI1,dairy\nI3,bakery",
        weather="date,store_id,temp_max\n2024-01-01,S1,4.5\n2024-01-01,S8,3",
        inventory="store_id,item_id,on_hand\nS1,I1,4\nS1,I5,1",
        transactions=("transaction_id,timestamp,store_id,item_id,quantity\n"
                      "t1,2024-01-03T10:00:00+00:00,S1,I1,1\nt2,2024-01-03T11:00:00Z,S1,I9,1"),
    ))
    assert report.ok, [str(e) for e in report.errors]
    found = {(i.file, i.rows, i.values) for i in report.issues if i.code == "unknown_key"}
    assert found == {
        ("events.csv", (2,), ("S7",)), ("stores.csv", (2,), ("S2",)),
        ("items.csv", (2,), ("I3",)), ("weather.csv", (2,), ("S8",)),
        ("inventory.csv", (2,), ("S1 / I5",)), ("transactions.csv", (2,), ("S1 / I9",)),
    }
    assert all(i.level == "warning" for i in report.issues if i.code == "unknown_key")


@pytest.mark.parametrize(("column", "bad", "expected"), [
    ("on_hand", "-1", "a number >= 0"),
    ("on_order", "-3", "a number >= 0"),
    ("service_level", "1.5", "strictly between 0 and 1"),
    ("service_level", "0", "strictly between 0 and 1"),
    ("pack_size", "0", "a whole number >= 1"),
    ("lead_time_days", "-1", "a whole number >= 0"),
    ("review_period_days", "0", "a whole number >= 1"),
    ("min_order", "-5", "a number >= 0"),
    ("max_stock", "-1", "a number >= 0"),
])
def test_inventory_values_out_of_range(
    tmp_path: Path, column: str, bad: str, expected: str,
) -> None:
    good = {"on_hand": "4", "on_order": "0", "service_level": "0.95", "pack_size": "6",
            "lead_time_days": "2", "review_period_days": "1", "min_order": "0", "max_stock": "50"}
    header = "store_id,item_id," + ",".join(good)
    row = ",".join({**good, column: bad}.values())
    report = validate_folder(folder(tmp_path, sales=f"{HEADER}\n{days(3)}\n{days(3, item='I2')}",
                                    inventory=f"{header}\nS1,I1,{','.join(good.values())}\nS1,I2,{row}"))
    issue = only(report, "out_of_range")
    assert (issue.file, issue.column, issue.rows) == ("inventory.csv", column, (2,))
    assert issue.values == (float(bad),)
    assert expected in issue.expected


def test_inventory_lead_time_must_be_a_whole_number(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales=f"{HEADER}\n{days(3)}",
                                    inventory="store_id,item_id,on_hand,lead_time_days\nS1,I1,3,1.5"))
    issue = only(report, "not_integer")
    assert (issue.column, issue.rows, issue.values) == ("lead_time_days", (1,), (1.5,))


TX_HEADER = "transaction_id,timestamp,store_id,item_id,quantity,unit_price"


def test_transaction_timestamps_need_a_time_zone(tmp_path: Path) -> None:
    tx = (f"{TX_HEADER}\nt1,2024-01-03T10:00:00+01:00,S1,I1,1,2\nt2,2024-01-03 10:05:00,S1,I1,1,2\n"
          "t3,yesterday,S1,I1,1,2")
    report = validate_folder(folder(tmp_path, sales=f"{HEADER}\n{days(3)}", transactions=tx))
    issue = only(report, "not_timestamp")
    assert (issue.column, issue.rows, issue.values) == ("timestamp", (2,), ("2024-01-03 10:05:00",))
    assert "without a time zone" in issue.message
    assert "not a date-time at all in 1 row" in issue.message
    assert "time zone" in issue.expected


def test_transaction_ids_repeated_with_other_content_conflict(tmp_path: Path) -> None:
    tx = (f"{TX_HEADER}\nt1,2024-01-03T10:00:00Z,S1,I1,1,2\nt1,2024-01-03T10:00:00Z,S1,I1,1,2\n"
          "t2,2024-01-03T10:00:00Z,S1,I1,1,2\nt2,2024-01-03T10:00:00Z,S1,I1,3,2\nt3,2024-01-03T11:00:00Z,S1,I1,1,-2")
    report = validate_folder(folder(tmp_path, sales=f"{HEADER}\n{days(3)}", transactions=tx))
    conflict = only(report, "conflicting_transaction")
    assert (conflict.rows, conflict.values) == ((3, 4), ("t2", "t2"))
    repeated = only(report, "repeated_transaction")
    assert (repeated.level, repeated.rows) == ("warning", (2,))
    price = only(report, "out_of_range")
    assert (price.column, price.rows, price.values) == ("unit_price", (5,), (-2.0,))


def test_exact_duplicate_transactions_are_dropped_and_counted() -> None:
    tx = pl.DataFrame({"transaction_id": ["a", "a", "b"], "timestamp": ["2024-01-01T10:00:00Z"] * 3,
                       "store_id": "S1", "item_id": "I1", "quantity": [1.0, 1.0, 2.0]})
    typed, report = validate_tables({"transactions": tx}, cross_checks=False)
    assert report.ok and typed["transactions"]["transaction_id"].to_list() == ["a", "b"]
    assert typed["transactions"].schema["timestamp"] == pl.Datetime("us", "UTC")
    assert only(report, "repeated_transaction").count == 1


def test_keyed_tables_reject_duplicate_keys(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales=f"{HEADER}\n{days(3)}",
                                    stores="store_id,region\nS1,north\nS1,south"))
    issue = only(report, "duplicate_key")
    assert (issue.file, issue.rows, issue.values) == ("stores.csv", (2,), ("S1",))


# -- frames from other sources (Parquet, Excel, the upload API) ----------------------------------


def test_typed_frames_are_checked_too() -> None:
    sales = pl.DataFrame({
        "date": [datetime(2024, 1, 1), datetime(2024, 1, 2, 13, 0)], "store_id": [1, 1],
        "item_id": [10.0, 10.0], "sales": [1, 2], "open": [True, True],
    })
    typed, report = validate_tables({"sales": sales}, files={"sales": "sales.parquet"})
    issue = only(report, "not_date")
    assert (issue.file, issue.rows) == ("sales.parquet", (2,))
    assert typed["sales"].schema == pl.Schema({
        "date": pl.Date, "store_id": pl.String, "item_id": pl.String, "sales": pl.Float64,
        "open": pl.Float64})
    assert typed["sales"]["item_id"].to_list() == ["10", "10"]


def test_rows_issue_counts_everything_and_quotes_the_first_rows() -> None:
    mask = pl.Series([False, True, True, False, True])
    issue = rows_issue(mask, pl.Series([0, 1, 2, 3, 4]), level="error", code="x", file="f.csv",
                       column="c", message="bad in {rows}")
    assert issue is not None
    assert (issue.count, issue.rows, issue.values, issue.message) == (3, (2, 3, 5), (1, 2, 4),
                                                                     "bad in 3 rows")
    assert rows_issue(pl.Series([False]), None, level="error", code="x", file="f",
                      column=None, message="") is None


def test_rows_with_a_blank_key_do_not_stop_the_other_checks(tmp_path: Path) -> None:
    text = f"{HEADER}\n{days(2)}\n2024-01-02,S1,I1,5\n,S1,I1,1"
    report = validate_folder(folder(tmp_path, sales=text,
                                    inventory="store_id,item_id,on_hand\nS1,I1,2\nS3,I1,2"))
    assert only(report, "blank_value").rows == (4,)
    assert only(report, "duplicate_key").rows == (3,)
    assert only(report, "unknown_key").values == ("S3 / I1",)


def test_without_sales_the_other_tables_are_checked_alone(tmp_path: Path) -> None:
    report = validate_folder(folder(tmp_path, sales="day,store_id\n2024-01-01,S1",
                                    stores="store_id\nS1\nS1"))
    assert {i.code for i in report.errors} == {"missing_column", "duplicate_key"}
    assert any("not checked against sales" in n for n in report.notes)


def test_a_frame_for_an_unknown_table_is_noted() -> None:
    _, report = validate_tables({"promotions": pl.DataFrame({"a": [1]})},
                                files={"promotions": "promotions.csv"})
    assert report.ok and report.notes == [
        "promotions.csv: not a table of the dataset folder; ignored"]


def test_sales_come_back_sorted_like_a_string_sort_and_unsorted_on_request() -> None:
    ids = ["S10", "S2", "s1", "S1", "Z", "a"]
    span = pl.date_range(date(2024, 1, 1), date(2024, 1, 4), eager=True)
    sales = pl.DataFrame({"store_id": ids}).join(pl.DataFrame({"item_id": ["I2", "I10"]}),
                                                 how="cross").join(
        pl.DataFrame({"date": span}), how="cross").with_columns(sales=pl.lit(1.0))
    shuffled = sales.sample(fraction=1.0, shuffle=True, seed=3)
    typed, report = validate_tables({"sales": shuffled})
    assert report.ok
    assert typed["sales"].equals(shuffled.select(typed["sales"].columns).sort(
        "store_id", "item_id", "date"))
    as_given, _ = validate_tables({"sales": shuffled}, sort=False)
    assert as_given["sales"]["store_id"].to_list() == shuffled["store_id"].to_list()


def test_typed_timestamps_need_a_zone_and_are_kept_in_utc() -> None:
    stamps = [datetime(2024, 1, 3, 10), datetime(2024, 1, 3, 11)]
    tx = pl.DataFrame({"transaction_id": ["a", "b"], "timestamp": stamps, "store_id": "S1",
                       "item_id": "I1", "quantity": [1.0, 2.0]})
    _, report = validate_tables({"transactions": tx}, cross_checks=False)
    issue = only(report, "timestamp_without_time_zone")
    assert (issue.count, issue.rows) == (2, (1, 2))
    zoned = tx.with_columns(pl.col("timestamp").dt.replace_time_zone("Europe/Paris"))
    typed, report = validate_tables({"transactions": zoned}, cross_checks=False)
    assert report.ok
    assert typed["transactions"]["timestamp"].to_list()[0] == datetime(
        2024, 1, 3, 9, tzinfo=typed["transactions"]["timestamp"].to_list()[0].tzinfo)
    assert typed["transactions"].schema["timestamp"] == pl.Datetime("us", "UTC")


def test_blank_strings_count_as_blank_not_as_bad_values() -> None:
    sales = pl.DataFrame({"date": ["2024-01-01", "2024-01-02"], "store_id": "S1",
                          "item_id": "I1", "sales": ["", "x"]})
    _, report = validate_tables({"sales": sales})
    assert only(report, "blank_value").rows == (1,)
    assert only(report, "not_number").rows == (2,)


def test_empty_string_ids_are_blank() -> None:
    sales = pl.DataFrame({"date": ["2024-01-01", "2024-01-02"], "store_id": ["S1", ""],
                          "item_id": "I1", "sales": [1.0, 2.0]})
    _, report = validate_tables({"sales": sales})
    issue = only(report, "blank_value")
    assert (issue.column, issue.rows) == ("store_id", (2,))


def test_a_repeated_key_in_a_sorted_file_names_its_twin(tmp_path: Path) -> None:
    text = f"{HEADER}\n{days(2)}\n2024-01-02,S1,I1,9\n{days(2, item='I2')}"
    issue = only(validate_folder(folder(tmp_path, sales=text)), "duplicate_key")
    assert issue.rows == (3,) and "row 3 repeats row 2" in issue.message
