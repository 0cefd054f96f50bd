"""``shelfcast simulate`` against a real server: the stored totals equal the lines sent,
also when the server is killed and restarted in the middle of the stream."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from shelfcast.simulator.source import lines_from_folder
from tests.simulator.live_server import LiveServer


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path,
           chain_dir: Path) -> Iterator[LiveServer]:
    """On SQLite, or (``indirect`` parameter "postgres") on a fresh PostgreSQL database."""
    home = tmp_path / "var"
    home.mkdir()
    extra = {}
    if getattr(request, "param", "sqlite") == "postgres":
        extra["DATABASE_URL"] = request.getfixturevalue("postgres_server").create_database()
    live = LiveServer(home, extra_env=extra)
    live.prepare(chain_dir)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _stored_by_day(server: LiveServer, days: list[str]) -> pl.DataFrame:
    rows = []
    for day in days:
        for store in server.live_day(day)["stores"]:
            rows.append({"date": day, "store_id": store["store_id"],
                         "lines": store["lines"], "units": store["units"]})
    schema = {"date": pl.String, "store_id": pl.String, "lines": pl.Int64, "units": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort("date", "store_id")


def _sent_by_day(lines: pl.DataFrame) -> pl.DataFrame:
    # TIME_ZONE is UTC in these tests: the business day is the UTC date.
    return (lines.group_by(pl.col("timestamp").dt.date().cast(pl.String).alias("date"),
                           "store_id")
            .agg(pl.len().cast(pl.Int64).alias("lines"), pl.col("quantity").sum().alias("units"))
            .sort("date", "store_id"))


def _simulate(server: LiveServer, *args: str) -> subprocess.Popen[str]:
    env = dict(server.env, SHELFCAST_TOKEN=server.till, SHELFCAST_API_URL=server.url)
    return subprocess.Popen([sys.executable, "-m", "shelfcast", "simulate", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_stored_equals_sent(server: LiveServer, sent: pl.DataFrame) -> None:
    expected = _sent_by_day(sent)
    stored = _stored_by_day(server, expected["date"].unique().sort().to_list())
    assert stored.select("date", "store_id", "lines").equals(
        expected.select("date", "store_id", "lines"))
    assert stored["units"].to_list() == pytest.approx(expected["units"].to_list())


def test_a_replay_stores_exactly_the_lines_sent(server: LiveServer, chain_dir: Path) -> None:
    sent = lines_from_folder(chain_dir).head(1500)
    done = _simulate(server, str(chain_dir), "--limit", "1500", "--batch", "200")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, out + err
    assert "accepted 1,500" in out and "duplicate 0" in out
    _assert_stored_equals_sent(server, sent)

    # The same replay again: every line is a duplicate, nothing counted twice, exit 0.
    again = _simulate(server, str(chain_dir), "--limit", "1500")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, out + err
    assert "accepted 0" in out and "duplicate 1,500" in out
    _assert_stored_equals_sent(server, sent)


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_a_server_restart_mid_stream_loses_and_doubles_nothing(server: LiveServer,
                                                               chain_dir: Path) -> None:
    sent = lines_from_folder(chain_dir)
    # About 7 s of stream at 500 lines a second, in batches of 50.
    sim = _simulate(server, str(chain_dir), "--rate", "500", "--batch", "50")
    deadline = time.monotonic() + 60
    while not _stored_by_day(server, [str(sent["timestamp"].dt.date().min())]).height:
        assert time.monotonic() < deadline and sim.poll() is None, sim.communicate()
        time.sleep(0.2)
    server.kill()
    time.sleep(2.0)  # the simulator meets a closed port and backs off
    server.start()
    out, err = sim.communicate(timeout=300)
    assert sim.returncode == 0, out + err
    assert f"sent {sent.height:,}/{sent.height:,}" in out
    summary = out.splitlines()[-2]
    assert "retries 0 " not in summary, out  # the restart was met, and survived
    _assert_stored_equals_sent(server, sent)
