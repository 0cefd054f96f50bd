"""Reading one table file: every format, and files that are not what their name says."""

from __future__ import annotations

import gzip
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.read import read_raw, read_table, table_name
from shelfcast.data.tables import write_table
from shelfcast.errors import DataValidationError

SALES = pl.DataFrame({
    "date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 1)],
    "store_id": ["S1", "S1", "S2"],
    "item_id": ["I1", "I1", "I1"],
    "sales": [3.0, 0.0, 5.0],
    "price": [1.5, 1.5, 2.0],
})


def only_issue(issues: list, code: str):
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".xlsx", ".json", ".jsonl"])
def test_every_format_reads_to_the_same_typed_frame(tmp_path: Path, suffix: str) -> None:
    path = write_table(SALES, tmp_path / f"sales{suffix}")
    frame = read_table(path)
    expected = SALES.sort("store_id", "item_id", "date")
    assert frame.schema == expected.schema
    assert frame.equals(expected)


def test_table_name_strips_the_format_suffix() -> None:
    assert table_name("x/sales.csv.gz") == "sales"
    assert table_name("future.parquet") == "future"


def test_zero_byte_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(b"")
    frame, issues = read_raw(path)
    assert frame is None
    issue = only_issue(issues, "empty_file")
    assert issue.level == "error" and issue.file == "sales.csv"
    assert "0 bytes" in str(issue)


def test_header_only_is_an_error_for_sales_and_a_warning_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("date,store_id,item_id,sales\n")
    (tmp_path / "events.csv").write_text("date,event\n")
    _, issues = read_raw(tmp_path / "sales.csv")
    assert only_issue(issues, "no_rows").level == "error"
    frame, issues = read_raw(tmp_path / "events.csv")
    assert frame is not None and frame.height == 0
    assert only_issue(issues, "no_rows").level == "warning"


def test_csv_named_parquet_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "sales.parquet"
    path.write_text("date,store_id,item_id,sales\n2024-01-01,S1,I1,3\n")
    frame, issues = read_raw(path)
    issue = only_issue(issues, "wrong_format")
    assert frame is None
    assert "the name says Parquet but the content is text" in issue.message
    assert "rename it sales.csv" in issue.message


def test_parquet_named_csv_suggests_the_right_name(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    SALES.write_parquet(path)
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "a Parquet file" in issue.message and "sales.parquet" in issue.message


def test_binary_named_csv_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(b"\x00\x01\x02binary\x00junk" * 10)
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "binary data, not text" in issue.message


def test_gzip_named_csv_suggests_csv_gz(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(gzip.compress(b"date,store_id,item_id,sales\n2024-01-01,S1,I1,3\n"))
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "gzip-compressed" in issue.message and "sales.csv.gz" in issue.message


def test_csv_gz_that_is_plain_text_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv.gz"
    path.write_text("date,store_id,item_id,sales\n2024-01-01,S1,I1,3\n")
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "gzip-compressed CSV" in issue.message and "rename it sales.csv" in issue.message


def test_xlsx_that_is_not_a_zip_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "sales.xlsx"
    path.write_text("date,store_id\n")
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "the name says an Excel workbook but the content is text" in issue.message


def test_zip_without_a_workbook_named_xlsx_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "sales.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sales.csv", "date,store_id\n")
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "zip archive without one" in issue.message


def test_json_object_instead_of_records_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "sales.json"
    path.write_text('{"date": ["2024-01-01"], "sales": [1]}')
    issue = only_issue(read_raw(path)[1], "wrong_format")
    assert "not an array of records" in issue.message and ".jsonl" in issue.message


def test_text_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes("item_id,name\nI1,Café\n".encode("latin-1"))
    issue = only_issue(read_raw(path)[1], "bad_encoding")
    assert "0xE9" in issue.message and "UTF-8" in issue.message


def test_unparseable_csv_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date,store_id,item_id,sales\n2024-01-01,S1,I1,3,4,5\n")
    frame, issues = read_raw(path)
    assert frame is None
    assert "cannot be read as CSV" in only_issue(issues, "unreadable_file").message


def test_duplicate_column_names_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date,store_id,item_id,sales,sales\n2024-01-01,S1,I1,3,4\n")
    issue = only_issue(read_raw(path)[1], "duplicate_column")
    assert issue.level == "error" and "'sales'" in issue.message


def test_byte_order_mark_and_spaces_do_not_hide_a_column(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes("\ufeffdate, store_id ,item_id,sales\n2024-01-01,S1,I1,3\n".encode())
    frame, issues = read_raw(path)
    assert issues == []
    assert frame is not None and frame.columns == ["date", "store_id", "item_id", "sales"]


def test_csv_fast_path_types_numbers_and_falls_back_to_text_on_a_bad_value(
    tmp_path: Path,
) -> None:
    good, bad = tmp_path / "good" / "sales.csv", tmp_path / "bad" / "sales.csv"
    for path, value in ((good, "3"), (bad, "three")):
        path.parent.mkdir()
        path.write_text(f"date,store_id,item_id,sales\n2024-01-01,S1,I1,{value}\n")
    frame, _ = read_raw(good)
    assert frame is not None and frame.schema["sales"] == pl.Float64
    assert frame.schema["date"] == pl.Date
    frame, issues = read_raw(bad)
    assert issues == [] and frame is not None and frame.schema["sales"] == pl.String
    assert frame.schema["date"] == pl.Date  # only the column that failed is read as text


def test_day_first_dates_are_not_read_as_dates_by_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date,store_id,item_id,sales\n01/02/2024,S1,I1,3\n")
    with pytest.raises(DataValidationError) as info:
        read_table(path)
    assert "column 'date': not a date in 1 row" in info.value.message
    assert "expected a date as YYYY-MM-DD" in info.value.message
    assert "'01/02/2024'" in info.value.message


def test_excel_numeric_ids_become_strings_without_decimals(tmp_path: Path) -> None:
    frame = pl.DataFrame({"store_id": [17, 18], "region": ["north", "south"]})
    path = write_table(frame, tmp_path / "stores.xlsx")
    out = read_table(path)
    assert out["store_id"].to_list() == ["17", "18"]
    assert out.schema["store_id"] == pl.String


def test_read_table_lists_every_error_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date,store_id,item_id,sales,price\n"
                    "2024-01-01,S1,I1,-1,2\n2024-01-02,S1,I1,2,0\n2024-01-33,S1,I1,2,1\n")
    with pytest.raises(DataValidationError) as info:
        read_table(path)
    codes = sorted(i["code"] for i in info.value.details["issues"])
    assert codes == ["not_date", "out_of_range", "out_of_range"]
    assert info.value.message.startswith("3 errors in the data")


def test_bare_carriage_returns_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    path.write_bytes(b"store_id,type\rS1,A\rS2,B\r")
    issue = only_issue(read_raw(path)[1], "bad_line_endings")
    assert "carriage return" in issue.message


def test_windows_line_endings_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(b"date,store_id,item_id,sales\r\n2024-01-01,S1,I1,3\r\n")
    frame = read_table(path)
    assert frame["sales"].to_list() == [3.0] and frame["item_id"].to_list() == ["I1"]


def test_semicolon_separated_csv_is_named(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date;store_id;item_id;sales\n2024-01-01;S1;I1;3,5\n")
    issue = only_issue(read_raw(path)[1], "wrong_separator")
    assert "separated by ';'" in issue.message
