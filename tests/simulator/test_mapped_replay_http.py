"""A real file in its own layout, replayed through its import mapping: UCI Online Retail's
columns (a made-up slice, tests/plugins/retail_slices.py), imported and loaded as the
example mapping says, then its lines sent to a real server by ``shelfcast simulate --file
--map``. The lines of the loaded series are stored; those of a country the import left out
(too little history) are rejected as unknown, counted, and make the exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.ingest import ingest
from shelfcast.simulator.source import lines_from_mapping
from tests.simulator.live_server import LiveServer, cli

EXAMPLE_MAP = Path(__file__).resolve().parents[2] / "examples" / "online_retail.yaml"


@pytest.fixture
def retail_server(tmp_path: Path, online_retail_dir: Path) -> Iterator[LiveServer]:
    ingest(EXAMPLE_MAP, [online_retail_dir], tmp_path / "dataset")
    home = tmp_path / "var"
    home.mkdir()
    live = LiveServer(home)
    live.prepare(tmp_path / "dataset")
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_a_mapped_file_replays_into_the_loaded_series(retail_server: LiveServer,
                                                      online_retail_dir: Path) -> None:
    source = online_retail_dir / "online_retail.parquet"
    env = dict(retail_server.env, SHELFCAST_TOKEN=retail_server.till,
               SHELFCAST_API_URL=retail_server.url)
    done = cli(env, "simulate", "--file", str(source), "--map", str(EXAMPLE_MAP),
               "--batch", "7", check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sent 30/30  accepted 27  duplicate 0  rejected 3" in done.stdout
    assert "rejected: 3 unknown_store" in done.stdout
    assert "3 of 30 lines were rejected" in done.stderr

    kept = lines_from_mapping(source, EXAMPLE_MAP).filter(pl.col("store_id") == "United Kingdom")
    by_day = (kept.group_by(pl.col("timestamp").dt.date().cast(pl.String).alias("day"))
              .agg(pl.len().alias("lines"), pl.col("quantity").sum().alias("units")).sort("day"))
    assert by_day["lines"].sum() == 27 and by_day["units"].sum() == 155
    for day, lines, units in by_day.iter_rows():
        (store,) = retail_server.live_day(day)["stores"]
        assert (store["store_id"], store["lines"], store["units"]) == (
            "United Kingdom", lines, pytest.approx(units))
