"""What the simulator sends and when: the lines of a folder, a contract file or a mapped
file, in time order; the due times of --speed and --rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.ingest import ingest
from shelfcast.errors import ShelfcastError
from shelfcast.simulator.pacing import MAX_GAP_S, due_offsets
from shelfcast.simulator.replay import as_payload
from shelfcast.simulator.source import lines_from_file, lines_from_folder, lines_from_mapping

EXAMPLE_MAP = Path(__file__).resolve().parents[2] / "examples" / "online_retail.yaml"


def _lines(times: list[datetime]) -> pl.DataFrame:
    return pl.DataFrame({
        "transaction_id": [f"T{i}" for i in range(len(times))],
        "timestamp": pl.Series(times, dtype=pl.Datetime("us", "UTC")),
        "store_id": "S1", "item_id": "I1", "quantity": 1.0,
    })


def test_the_folder_lines_come_in_time_order(chain_dir: Path,
                                             chain_tables: dict[str, pl.DataFrame]) -> None:
    lines = lines_from_folder(chain_dir)
    assert lines.height == chain_tables["transactions"].height
    assert lines["timestamp"].is_sorted()
    assert lines["transaction_id"].n_unique() == lines.height


def test_a_contract_file_is_read_and_checked(tmp_path: Path,
                                             chain_tables: dict[str, pl.DataFrame]) -> None:
    tx = chain_tables["transactions"].sample(fraction=1.0, shuffle=True, seed=1)
    tx.write_csv(tmp_path / "tills.csv")
    lines = lines_from_file(tmp_path / "tills.csv")
    assert lines["timestamp"].is_sorted() and lines.height == tx.height
    tx.head(5).drop("store_id").write_csv(tmp_path / "broken.csv")
    with pytest.raises(ShelfcastError, match="store_id"):
        lines_from_file(tmp_path / "broken.csv")


def test_a_folder_without_transactions_says_so(tmp_path: Path,
                                               chain_tables: dict[str, pl.DataFrame]) -> None:
    chain_tables["sales"].write_csv(tmp_path / "sales.csv")
    with pytest.raises(ShelfcastError, match="no transactions table"):
        lines_from_folder(tmp_path)


def test_a_mapped_file_gives_the_lines_an_import_keeps(online_retail_dir: Path,
                                                       tmp_path: Path) -> None:
    source = online_retail_dir / "online_retail.parquet"
    lines = lines_from_mapping(source, EXAMPLE_MAP)
    # 34 rows: the cancellation, the postage line, the stock adjustment and the free line
    # are dropped by the mapping's rules, as the import drops them.
    assert lines.height == 30
    assert lines["timestamp"].is_sorted()
    assert lines.columns == ["transaction_id", "timestamp", "store_id", "item_id",
                             "quantity", "unit_price"]
    # Naive London times: 23:30 in summer time is 22:30 UTC.
    late = lines.filter(pl.col("transaction_id") == "560002/85123A")
    assert late["timestamp"].dt.hour().item() == 22
    # Same ids and times as the transactions table `shelfcast ingest` writes.
    ingest(EXAMPLE_MAP, [online_retail_dir], tmp_path / "out")
    imported = lines_from_folder(tmp_path / "out")
    assert imported.join(lines, on=imported.columns, how="anti").height == 0


def test_a_daily_mapping_cannot_be_replayed(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "name: d\nsources:\n  s: {file: s.csv}\nsales:\n  source: s\n  kind: daily\n"
        "  date: day\n  store: shop\n  item: sku\n  sales: units\n")
    (tmp_path / "s.csv").write_text("day,shop,sku,units\n2024-01-01,A,B,3\n")
    with pytest.raises(ShelfcastError, match="kind 'transactions'"):
        lines_from_mapping(tmp_path / "s.csv", tmp_path / "m.yaml")


def test_speed_compresses_the_gaps_and_cuts_the_nights() -> None:
    t0 = datetime(2024, 3, 1, 9, tzinfo=UTC)
    times = [t0, t0 + timedelta(minutes=30), t0 + timedelta(hours=1),
             t0 + timedelta(hours=24)]  # the next morning: 23 h later
    due = due_offsets(_lines(times), speed=60)
    assert due == pytest.approx([0.0, 30.0, 60.0, 60.0 + MAX_GAP_S / 60])


def test_rate_spreads_the_lines_evenly_and_no_pace_sends_at_once() -> None:
    lines = _lines([datetime(2024, 3, 1, tzinfo=UTC)] * 5)
    assert due_offsets(lines, rate=2) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert due_offsets(lines) == [0.0] * 5
    with pytest.raises(ShelfcastError, match="not both"):
        due_offsets(lines, speed=2, rate=2)
    with pytest.raises(ShelfcastError, match="positive"):
        due_offsets(lines, rate=0)


def test_the_payload_carries_the_offset_and_leaves_out_missing_prices() -> None:
    lines = _lines([datetime(2024, 3, 1, 9, 15, tzinfo=UTC)]).with_columns(
        pl.lit(None, pl.Float64).alias("unit_price"))
    assert as_payload(lines) == [{"transaction_id": "T0", "timestamp": "2024-03-01T09:15:00+00:00",
                                  "store_id": "S1", "item_id": "I1", "quantity": 1.0}]
