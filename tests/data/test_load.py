"""The dataset folder -> Dataset: finding the tables, the typed contract, errors raised."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.load import find_tables, load_dataset, validate_folder
from shelfcast.data.schema import KEYS, SALES_RESERVED
from shelfcast.data.tables import write_table
from shelfcast.errors import DatasetNotFoundError, DataValidationError

SALES = pl.DataFrame({
    "date": [date(2024, 1, 2), date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 3)],
    "store_id": ["S1", "S1", "S0", "S1"],
    "item_id": ["I1", "I1", "I1", "I1"],
    "sales": [3.0, 1.0, 2.0, 4.0],
    "price": [1.0, 1.0, 2.0, 1.0],
})


def test_the_generated_chain_loads_typed_per_the_contract(chain_dir: Path) -> None:
    dataset = load_dataset(chain_dir)
    assert dataset.report.ok
    sales = dataset.sales
    assert sales.schema["date"] == pl.Date
    assert sales.schema["store_id"] == pl.String and sales.schema["item_id"] == pl.String
    assert all(sales.schema[c] == pl.Float64 for c in sales.columns if c not in KEYS)
    assert sales.equals(sales.sort("store_id", "item_id", "date"))
    assert dataset.future is not None
    assert dataset.future.columns == list(KEYS) + [
        c for c in sales.columns if c not in SALES_RESERVED]
    assert dataset.transactions is not None
    assert dataset.transactions.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert dataset.inventory is not None
    for column in ("lead_time_days", "review_period_days", "pack_size"):
        if column in dataset.inventory.columns:
            assert dataset.inventory.schema[column] == pl.Int64
    assert dataset.source == chain_dir
    assert set(dataset.report.tables) >= {"sales", "future", "inventory", "transactions"}


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".xlsx", ".json", ".jsonl"])
def test_a_table_is_found_with_any_allowed_suffix(tmp_path: Path, suffix: str) -> None:
    write_table(SALES, tmp_path / f"sales{suffix}")
    dataset = load_dataset(tmp_path)
    assert dataset.sales["store_id"].to_list() == ["S0", "S1", "S1", "S1"]
    assert dataset.sales["date"].to_list()[1:] == [date(2024, 1, d) for d in (1, 2, 3)]
    assert dataset.report.tables == {"sales": 4}


def test_two_files_for_one_table_are_an_error(tmp_path: Path) -> None:
    write_table(SALES, tmp_path / "sales.csv")
    write_table(SALES, tmp_path / "sales.parquet")
    report = validate_folder(tmp_path)
    (issue,) = report.errors
    assert issue.code == "duplicate_table"
    assert issue.values == ("sales.csv", "sales.parquet")
    assert "which one is meant" in issue.message


def test_unknown_files_are_noted_and_ignored(tmp_path: Path) -> None:
    write_table(SALES, tmp_path / "sales.csv")
    (tmp_path / "README.txt").write_text("notes")
    (tmp_path / "promotions.csv").write_text("a,b\n1,2\n")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "archive").mkdir()
    report = validate_folder(tmp_path)
    assert report.ok and report.issues == []
    assert report.notes == [
        "README.txt: not a table of the dataset folder, ignored",
        "archive/: a folder, ignored",
        "promotions.csv: not a table of the dataset folder, ignored",
    ]


def test_misnamed_table_files_get_a_hint(tmp_path: Path) -> None:
    write_table(SALES, tmp_path / "sales.csv")
    (tmp_path / "Future.csv").write_text("date,store_id,item_id\n")
    (tmp_path / "events.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    tables, report = find_tables(tmp_path)
    assert set(tables) == {"sales"}
    hints = {i.file: i for i in report.warnings}
    assert "rename it future.csv" in hints["Future.csv"].message
    assert hints["events.xls"].code == "unsupported_format"


def test_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match="no such folder"):
        validate_folder(tmp_path / "nope")
    (tmp_path / "file.csv").write_text("x")
    with pytest.raises(DatasetNotFoundError, match="not a folder"):
        load_dataset(tmp_path / "file.csv")


def test_a_missing_sales_table_is_reported_and_raised(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("date,event\n2024-01-01,new_year\n")
    report = validate_folder(tmp_path)
    assert [i.code for i in report.errors] == ["missing_table"]
    assert "found: events.csv" in report.errors[0].message
    with pytest.raises(DatasetNotFoundError, match="required table 'sales'"):
        load_dataset(tmp_path)


def test_load_raises_one_error_listing_every_problem(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        "date,store_id,item_id,sales\n2024-01-01,S1,I1,-1\n2024-01-01,S1,I1,2\n")
    (tmp_path / "future.csv").write_text("date,store_id,item_id,sales\n2024-01-01,S1,I1,1\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    issues = info.value.details["issues"]
    assert [(i["file"], i["code"]) for i in issues] == [
        ("sales.csv", "out_of_range"), ("sales.csv", "duplicate_key"),
        ("future.csv", "outcome_in_future"), ("future.csv", "future_not_after_sales"),
    ]
    assert info.value.message.startswith("4 errors in the data:")


def test_warnings_stay_in_the_dataset_report(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        "date,store_id,item_id,sales,note\n2024-01-01,S1,I1,1,a\n2024-01-02,S1,I1,2,b\n")
    (tmp_path / "events.csv").write_text("date,event\n")
    dataset = load_dataset(tmp_path)
    assert {i.code for i in dataset.report.warnings} == {"non_numeric_column", "no_rows"}
    assert dataset.sales.columns == ["date", "store_id", "item_id", "sales"]
    assert dataset.events is None


def test_a_broken_optional_table_fails_the_load_with_its_file_named(
    chain_dir: Path, tmp_path: Path,
) -> None:
    folder = tmp_path / "chain"
    shutil.copytree(chain_dir, folder)
    for old in folder.glob("inventory.*"):
        old.unlink()
    (folder / "inventory.csv").write_text("store_id,item_id,on_hand\nS1,I1,-4\n")
    report = validate_folder(folder)
    assert [(i.file, i.column) for i in report.errors] == [("inventory.csv", "on_hand")]


def test_the_chain_as_csv_loads_to_the_same_frames_as_parquet(
    chain_tables: dict[str, pl.DataFrame], chain_dir: Path, tmp_path: Path,
) -> None:
    from shelfcast.data.generate import write_chain

    as_csv = load_dataset(write_chain(chain_tables, tmp_path / "csv", fmt="csv"))
    as_parquet = load_dataset(chain_dir)
    for table in ("sales", "future", "inventory", "items", "weather", "events"):
        left, right = getattr(as_csv, table), getattr(as_parquet, table)
        assert left is not None and right is not None, table
        assert left.schema == right.schema, table
        assert left.equals(right), table
    assert as_csv.transactions is not None and as_parquet.transactions is not None
    assert as_csv.transactions.equals(as_parquet.transactions)
