"""Imports of the three example mappings on small files in the real data sets' layouts,
the errors that name source, column, rows and values, and the SQL path (SQLite and a real
PostgreSQL server)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
import yaml

from shelfcast.config import Settings
from shelfcast.data.ingest import REPORT_FILE, ImportReport, ingest, ingest_sql
from shelfcast.data.load import validate_folder
from shelfcast.data.mapping import parse_mapping
from shelfcast.errors import DataValidationError, MappingError, ShelfcastError
from tests.plugins.retail_slices import OR_KEPT_DAYS, online_retail_rows, write_myanmar

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
UTC = Settings()


def _dropped(report: ImportReport) -> dict[str, int]:
    return {d.reason: d.count for d in report.dropped}


def _sales(out: Path) -> pl.DataFrame:
    return pl.read_parquet(out / "sales.parquet")


def test_online_retail_example(online_retail_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = ingest(EXAMPLES / "online_retail.yaml", [online_retail_dir], out, settings=UTC)

    assert report.rows_read == {"lines": 34}
    dropped = _dropped(report)
    assert dropped["cancellation (invoice number starts with C)"] == 1
    assert dropped["not a product (postage, fees, manual entries, vouchers, bad debt)"] == 1
    assert dropped["stock adjustment (negative quantity outside a cancellation)"] == 1
    assert dropped["free line (unit price 0)"] == 1
    assert dropped["series with fewer than 20 days with sales"] == 3  # France's 3 daily rows
    # Nothing silently dropped: every source line is kept or counted.
    kept_lines = 34 - report.dropped_total("sales")
    assert kept_lines == OR_KEPT_DAYS + 2 + 3

    sales = _sales(out)
    assert sales["store_id"].unique().to_list() == ["United Kingdom"]
    assert sales.height == OR_KEPT_DAYS
    first, last = sales.row(0, named=True), sales.row(-1, named=True)
    assert (first["sales"], first["price"]) == (10.0, pytest.approx((6 * 2.55 + 4 * 3.05) / 10))
    # The 23:30 line (London summer time) stays on its local day: 6 + 1 units.
    assert last["sales"] == 7.0
    assert report.time_zone == "Europe/London"

    events = pl.read_parquet(out / "events.parquet")
    assert set(events["event"]) == {"no_trading"}
    assert all(d.weekday() >= 5 for d in events["date"])  # the weekends inside the span
    assert events["store_id"].null_count() == events.height
    items = pl.read_parquet(out / "items.parquet")
    assert items.to_dicts() == [
        {"item_id": "85123A", "description": "WHITE HANGING HEART T-LIGHT HOLDER"}
    ]
    # The last 28 days' kept lines: 20 weekdays' lines from 8 March on, and the 23:30 one.
    tx = pl.read_parquet(out / "transactions.parquet")
    assert tx.height == 21 and tx["transaction_id"].is_unique().all()
    assert tx.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert tx.columns == [
        "transaction_id",
        "timestamp",
        "store_id",
        "item_id",
        "quantity",
        "unit_price",
    ]
    assert tx["transaction_id"][0] == "550005/85123A"
    assert report.rows_written == {
        "sales": OR_KEPT_DAYS,
        "transactions": 21,
        "events": events.height,
        "stores": 1,
        "items": 1,
    }
    assert validate_folder(out).ok


def test_favorita_example(favorita_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = ingest(EXAMPLES / "favorita.yaml", [favorita_dir], out, settings=UTC)

    assert report.rows_read == {"stores": 4, "traffic": 14, "holidays": 5}
    sales = _sales(out)
    assert sales.height == 14 and set(sales["item_id"]) == {"total"}
    assert sales.filter(store_id="3", date=date(2013, 1, 3))["sales"].item() == 3003.0

    events = pl.read_parquet(out / "events.parquet")
    got = {(e["date"], e["event"], e["store_id"]) for e in events.iter_rows(named=True)}
    assert got == {
        (date(2013, 1, 1), "Primer dia del ano", None),  # national: every store
        (date(2013, 1, 4), "Traslado Fundacion de Quito", "1"),  # local: Quito's stores
        (date(2013, 1, 4), "Traslado Fundacion de Quito", "2"),
        (date(2013, 1, 3), "Provincializacion de Guayas", "3"),  # regional: Guayas
    }
    dropped = _dropped(report)
    assert dropped["transferred to another day"] == 1
    assert dropped["no store of sales in its scope"] == 1  # Cuenca has no store in sales
    assert dropped["store_id not in sales"] == 1
    stores = pl.read_parquet(out / "stores.parquet")
    assert stores["store_id"].to_list() == ["1", "2", "3"]
    assert stores.schema["cluster"] == pl.Float64 and stores.schema["city"] == pl.String
    assert validate_folder(out).ok


def test_favorita_with_oil_as_a_covariate_and_future(favorita_dir: Path, tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "favorita_oil.yaml").read_text())
    raw["future"]["days"] = 3
    out = tmp_path / "out"
    report = ingest(parse_mapping(raw), [favorita_dir], out, settings=UTC)
    oil = _sales(out).filter(store_id="1").sort("date")["oil_price"].to_list()
    # 1 January takes the first known price; Saturday 5 January the Friday's.
    assert oil == [93.14, 93.14, 92.97, 93.12, 93.12]
    future = pl.read_parquet(out / "future.parquet")
    assert future.columns == ["date", "store_id", "item_id", "oil_price"]
    assert future.filter(store_id="2").select("date", "oil_price").rows() == [
        (date(2013, 1, 6), 93.12),
        (date(2013, 1, 7), 93.20),
        (date(2013, 1, 8), 93.21),
    ]
    assert future.height == 9 and report.rows_read["oil"] == 6
    assert validate_folder(out).ok

    raw["future"]["days"] = 4  # 9 January: past the last oil price, unknown
    with pytest.raises(
        DataValidationError,
        match=r"future: covariate 'oil_price' has no value for 1 of "
        r"the 4 days to forecast \(from 2013-01-09",
    ):
        ingest(parse_mapping(raw), [favorita_dir], tmp_path / "out2")


def test_myanmar_example(myanmar_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = ingest(
        EXAMPLES / "myanmar.yaml", [myanmar_dir / "supermarket_sales.csv"], out, settings=UTC
    )
    sales = _sales(out).sort("store_id", "date")
    assert sales.select("date", "store_id", "item_id", "sales").rows() == [
        (date(2019, 1, 5), "A", "Health and beauty", 10.0),
        (date(2019, 1, 6), "A", "Health and beauty", 2.0),
        (date(2019, 1, 5), "B", "Sports and travel", 1.0),
    ]
    assert sales["price"][0] == pytest.approx((7 * 10 + 3 * 20) / 10)
    assert pl.read_parquet(out / "stores.parquet").to_dicts() == [
        {"store_id": "A", "city": "Yangon"},
        {"store_id": "B", "city": "Mandalay"},
    ]
    assert report.dropped == [] and report.negative_days == 0
    assert validate_folder(out).ok


def test_the_report_is_written_beside_the_tables(myanmar_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = ingest(EXAMPLES / "myanmar.yaml", [myanmar_dir], out, settings=UTC)
    saved = json.loads((out / REPORT_FILE).read_text())
    assert saved == json.loads(json.dumps(report.to_dict(), default=str))
    assert saved["rows_read"] == {"lines": 4} and saved["files"]["sales"] == "sales.parquet"


def test_a_date_not_in_the_stated_format_names_rows_and_values(tmp_path: Path) -> None:
    write_myanmar(
        tmp_path,
        [
            ("1", "A", "Yangon", "Health and beauty", 1.0, 1, "1/5/2019", "10:00"),
            ("2", "A", "Yangon", "Health and beauty", 1.0, 1, "2019-01-06", "10:00"),
            ("3", "A", "Yangon", "Health and beauty", 1.0, 1, "1/32/2019", "10:00"),
        ],
    )
    with pytest.raises(DataValidationError) as info:
        ingest(EXAMPLES / "myanmar.yaml", [tmp_path / "supermarket_sales.csv"], tmp_path / "out")
    assert info.value.message == (
        "supermarket_sales.csv, column 'Date + Time': 2 value(s) cannot be read as the format "
        "'%m/%d/%Y %H:%M' (rows 2, 3; values '2019-01-06 10:00', '1/32/2019 10:00')"
    )


def test_text_in_a_number_column_names_rows_and_values(tmp_path: Path) -> None:
    write_myanmar(tmp_path, [("1", "A", "Yangon", "Food", 1.0, 1, "1/5/2019", "10:00")])
    path = tmp_path / "supermarket_sales.csv"
    path.write_text(path.read_text().replace(",1,", ",one,", 1))
    with pytest.raises(
        DataValidationError,
        match=r"column 'Quantity': 1 value\(s\) cannot be read "
        r"as a number \(row 1; value 'one'\)",
    ):
        ingest(EXAMPLES / "myanmar.yaml", [path], tmp_path / "out")


def test_a_missing_column_is_a_mapping_error_listing_the_columns(
    myanmar_dir: Path, tmp_path: Path
) -> None:
    raw = {
        "sources": {"lines": "supermarket_sales.csv"},
        "sales": {
            "source": "lines",
            "kind": "transactions",
            "date": {"column": "Date", "format": "%m/%d/%Y"},
            "store": "Shop",
            "item": "Product line",
            "quantity": "Quantity",
        },
    }
    with pytest.raises(
        MappingError,
        match=r"sales\.store names column\(s\) 'Shop' that the source does not "
        r"have; its columns are: Invoice ID, Branch",
    ):
        ingest(parse_mapping(raw), [myanmar_dir], tmp_path / "out")


def test_missing_keys_are_dropped_and_counted(tmp_path: Path) -> None:
    write_myanmar(
        tmp_path,
        [
            ("1", "A", "Yangon", "Food", 1.0, 1, "1/5/2019", "10:00"),
            ("2", "", "Yangon", "Food", 1.0, 1, "1/5/2019", "11:00"),
            ("3", "A", "Yangon", "", 1.0, 1, "1/5/2019", "12:00"),
        ],
    )
    report = ingest(EXAMPLES / "myanmar.yaml", [tmp_path], tmp_path / "out")
    assert _dropped(report) == {"missing_store_id": 1, "missing_item_id": 1}
    assert report.rows_written["sales"] == 1


def test_daily_duplicates_are_an_error_naming_the_keys(favorita_dir: Path, tmp_path: Path) -> None:
    path = favorita_dir / "transactions.csv"
    path.write_text(path.read_text() + "2013-01-01,1,5\n")
    with pytest.raises(
        DataValidationError,
        match=r"transactions\.csv: 2 rows share a \(date, store, item\) "
        r"with another row \(rows 1, 15; keys \(2013-01-01, 1, total\)",
    ):
        ingest(EXAMPLES / "favorita.yaml", [favorita_dir], tmp_path / "out")


def test_returns_can_be_dropped_instead_of_netted(tmp_path: Path) -> None:
    write_myanmar(
        tmp_path,
        [
            ("1", "A", "Y", "Food", 1.0, 5, "1/5/2019", "10:00"),
            ("2", "A", "Y", "Food", 1.0, -7, "1/5/2019", "11:00"),
        ],
    )
    netted = ingest(EXAMPLES / "myanmar.yaml", [tmp_path], tmp_path / "net")
    assert netted.negative_days == 1 and _sales(tmp_path / "net")["sales"].to_list() == [0.0]
    raw = {
        "sources": {"lines": "supermarket_sales.csv"},
        "sales": {
            "source": "lines",
            "kind": "transactions",
            "store": "Branch",
            "item": "Product line",
            "timestamp": {"columns": ["Date", "Time"], "format": "%m/%d/%Y %H:%M"},
            "quantity": "Quantity",
            "returns": "drop",
        },
    }
    dropped = ingest(parse_mapping(raw), [tmp_path], tmp_path / "drop")
    assert _dropped(dropped) == {"return": 1} and _sales(tmp_path / "drop")["sales"].to_list() == [
        5.0
    ]


def test_an_existing_dataset_is_not_overwritten_unless_asked(
    myanmar_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ingest(EXAMPLES / "myanmar.yaml", [myanmar_dir], out)
    with pytest.raises(
        ShelfcastError, match=r"already holds a dataset \(import_report.json, sales.parquet"
    ):
        ingest(EXAMPLES / "myanmar.yaml", [myanmar_dir], out)
    ingest(EXAMPLES / "myanmar.yaml", [myanmar_dir], out, overwrite=True)


def test_a_source_not_found_among_the_files_is_named(favorita_dir: Path, tmp_path: Path) -> None:
    (favorita_dir / "holidays_events.csv").unlink()
    with pytest.raises(
        MappingError,
        match=r"source 'holidays' wants a file named 'holidays_events.csv'; "
        r"found no file",
    ):
        ingest(EXAMPLES / "favorita.yaml", [favorita_dir], tmp_path / "out")


# --- SQL ------------------------------------------------------------------------------


def _load_lines(url: str) -> None:
    rows = online_retail_rows()
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    types = {pl.String: sa.String(64), pl.Int64: sa.Integer(), pl.Float64: sa.Float()}
    table = sa.Table(
        "invoice_lines",
        meta,
        *[
            sa.Column(name, sa.DateTime() if name == "InvoiceDate" else types[dtype])
            for name, dtype in rows.schema.items()
        ],
    )
    with engine.begin() as conn:
        meta.drop_all(conn)
        meta.create_all(conn)
        conn.execute(table.insert(), rows.to_dicts())
    engine.dispose()


def _sql_matches_files(url: str, online_retail_dir: Path, tmp_path: Path) -> None:
    _load_lines(url)
    from_files = ingest(EXAMPLES / "online_retail.yaml", [online_retail_dir], tmp_path / "files")
    # batch_size 4: the 34 lines arrive in 9 chunks, aggregated chunk by chunk.
    from_sql = ingest_sql(
        EXAMPLES / "online_retail.yaml",
        url,
        tmp_path / "sql",
        query="SELECT * FROM invoice_lines",
        batch_size=4,
    )
    assert from_sql.rows_read == from_files.rows_read == {"lines": 34}
    assert _dropped(from_sql) == _dropped(from_files)
    for table in ("sales", "transactions", "events", "stores", "items"):
        assert pl.read_parquet(tmp_path / "sql" / f"{table}.parquet").equals(
            pl.read_parquet(tmp_path / "files" / f"{table}.parquet")
        ), table


def test_sql_sqlite_gives_what_the_files_give(online_retail_dir: Path, tmp_path: Path) -> None:
    _sql_matches_files(f"sqlite:///{tmp_path / 'shop.db'}", online_retail_dir, tmp_path)


@pytest.mark.postgres
def test_sql_postgres_gives_what_the_files_give(
    postgres_url: str, online_retail_dir: Path, tmp_path: Path
) -> None:
    _sql_matches_files(postgres_url, online_retail_dir, tmp_path)


def test_a_query_the_database_refuses_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(
        ShelfcastError, match=r"query 'lines': the database refused the query: .*no such table"
    ):
        ingest_sql(EXAMPLES / "myanmar.yaml", url, tmp_path / "out", query="SELECT * FROM nowhere")


# --- time zones and other file types --------------------------------------------------

LINES_MAPPING = {
    "time_zone": "Europe/London",
    "sources": {"lines": "lines.csv"},
    "sales": {
        "source": "lines",
        "kind": "transactions",
        "timestamp": "ts",
        "store": "shop",
        "item": "sku",
        "quantity": "qty",
    },
}


def test_timestamps_with_an_offset_are_converted_to_the_chains_day(tmp_path: Path) -> None:
    # 23:30 at UTC-5 on 1 March is 04:30 on 2 March in London.
    (tmp_path / "lines.csv").write_text(
        "ts,shop,sku,qty\n2024-03-01T23:30:00-05:00,S1,A,2\n2024-03-01T12:00:00+00:00,S1,A,1\n"
    )
    ingest(parse_mapping(LINES_MAPPING), [tmp_path / "lines.csv"], tmp_path / "out")
    assert _sales(tmp_path / "out").select("date", "sales").rows() == [
        (date(2024, 3, 1), 1.0),
        (date(2024, 3, 2), 2.0),
    ]


def test_a_local_time_skipped_by_daylight_saving_is_counted_not_guessed(tmp_path: Path) -> None:
    # London skipped 01:00-02:00 on 31 March 2024; 01:30 on 27 October happened twice.
    (tmp_path / "lines.csv").write_text(
        "ts,shop,sku,qty\n2024-03-31 01:30:00,S1,A,2\n2024-03-31 02:30:00,S1,A,1\n"
        "2024-10-27 01:30:00,S1,A,4\n"
    )
    report = ingest(parse_mapping(LINES_MAPPING), [tmp_path / "lines.csv"], tmp_path / "out")
    assert _dropped(report) == {"local time skipped by a daylight-saving change": 1}
    assert _sales(tmp_path / "out").select("date", "sales").rows() == [
        (date(2024, 3, 31), 1.0),
        (date(2024, 10, 27), 4.0),
    ]


def test_an_excel_source(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "ts": ["2024-03-01 10:00:00", "2024-03-01 11:00:00"],
            "shop": [7.0, 7.0],
            "sku": ["A", "A"],
            "qty": [1, 2],
        }
    ).write_excel(tmp_path / "lines.xlsx")
    ingest(parse_mapping(LINES_MAPPING), [tmp_path / "lines.xlsx"], tmp_path / "out")
    # A whole number read as 7.0 by the spreadsheet reader is the store "7".
    assert _sales(tmp_path / "out").select("store_id", "sales").rows() == [("7", 3.0)]


def test_nothing_left_to_write_is_an_error_with_the_counts(tmp_path: Path) -> None:
    write_myanmar(tmp_path, [("1", "", "Yangon", "Food", 1.0, 1, "1/5/2019", "10:00")])
    with pytest.raises(
        DataValidationError,
        match=r"supermarket_sales.csv: no sales row left to write "
        r"\(read 1 rows; dropped: 1 missing_store_id\)",
    ):
        ingest(EXAMPLES / "myanmar.yaml", [tmp_path], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written on failure


def test_series_filters_count_what_they_leave_out(online_retail_dir: Path, tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "online_retail.yaml").read_text())
    raw["sales"]["keep_series"] = {"top_stores": 1}
    report = ingest(parse_mapping(raw), [online_retail_dir], tmp_path / "out")
    assert _dropped(report)["store not among the top 1 by units"] == 3
    assert "store not among the top 1 by units: 1 series (36 units) left out" in report.notes
    raw["sales"]["keep_series"] = {"min_days_with_sales": 100}
    with pytest.raises(DataValidationError, match="keep_series left no series to write"):
        ingest(parse_mapping(raw), [online_retail_dir], tmp_path / "out2")
