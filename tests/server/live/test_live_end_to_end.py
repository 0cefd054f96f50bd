"""End to end with real processes: ``shelfcast load`` and ``shelfcast serve`` on PostgreSQL,
a WebSocket client (``websockets``) listening to ``/ws/live/``, ``shelfcast simulate``
replaying a few thousand till lines; the server is killed (SIGKILL) and started again in the
middle. Afterwards the stored totals are exactly the lines sent, and the client heard
``forecast.updated`` and ``alert.raised``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl
import psycopg
import pytest
from websockets.asyncio.client import connect

from tests.simulator.live_server import cli, free_port

STARTUP_LIMIT_S = 120  # how long to wait for the server to answer at all (not a measurement)
LINES = 3000


class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shelfcast", "serve", "--port", str(self.port), "--no-migrate",
             "--log-level", "warning"], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            assert self.process.poll() is None, self.log.read_text()
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(f"{self.url}/api/health/", timeout=2).status_code == 200:
                    return
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Listener(threading.Thread):
    """A WebSocket client that subscribes to every store and reconnects when cut off."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.events: list[dict] = []
        self.connections = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        asyncio.run(self._listen())

    async def _listen(self) -> None:
        ws_url = self.url.replace("http://", "ws://") + f"/ws/live/?token={self.token}"
        while not self.stopping.is_set():
            with contextlib.suppress(OSError, Exception):  # down for a restart: try again
                async with connect(ws_url, origin=self.url, open_timeout=5) as ws:
                    await ws.send(json.dumps({"subscribe": ["all"]}))
                    self.connections += 1
                    while not self.stopping.is_set():
                        with contextlib.suppress(TimeoutError):
                            self.events.append(json.loads(await asyncio.wait_for(ws.recv(), 0.5)))
            await asyncio.sleep(0.2)

    def kinds(self) -> set[str]:
        return {e["type"] for e in self.events}


def _lines(chain_dir: Path) -> pl.DataFrame:
    """Till lines for the day after the chain's sales: every SKU sells a little through the
    day, and the last hours bring a run on one SKU, far beyond its stock."""
    sales = pl.read_parquet(chain_dir / "sales.parquet")
    inventory = pl.read_parquet(chain_dir / "inventory.parquet")
    today = sales["date"].max() + timedelta(days=1)
    skus = sales.select("store_id", "item_id").unique().sort("store_id", "item_id").rows()
    start = datetime(today.year, today.month, today.day, 7, tzinfo=UTC)
    rows = []
    for k in range(LINES - 40):
        store, item = skus[k % len(skus)]
        rows.append((f"e2e-{k:05d}", start + timedelta(seconds=k * 12), store, item, 1.0))
    run_store, run_item, on_hand = inventory.sort("on_hand").select(
        "store_id", "item_id", "on_hand").row(0)
    late = datetime(today.year, today.month, today.day, 20, tzinfo=UTC)
    per_line = max(on_hand, 1.0)  # 40 lines of this: far more than the shelf holds
    rows += [(f"e2e-run-{k:02d}", late + timedelta(seconds=k), run_store, run_item, per_line)
             for k in range(40)]
    return pl.DataFrame(rows, schema={"transaction_id": pl.String,
                                      "timestamp": pl.Datetime("us", "UTC"),
                                      "store_id": pl.String, "item_id": pl.String,
                                      "quantity": pl.Float64}, orient="row")


@pytest.fixture
def served_live(tmp_path: Path, chain_dir: Path, postgres_server) -> Iterator[tuple[Server, dict]]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL", "CHANNEL_LAYER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local",
               SHELFCAST_HOME=str(tmp_path / "var"),
               DATABASE_URL=postgres_server.create_database())
    cli(env, "load", str(chain_dir), timeout=600)  # migrations, data, a first model, published forecasts
    tokens = {role: cli(env, "token", "create", "--role", role, "--name", f"e2e {role}").stdout.strip()
              for role in ("till", "viewer")}
    server = Server(env, free_port(), tmp_path / "serve.log")
    server.start()
    try:
        yield server, {**tokens, "database": env["DATABASE_URL"]}
    finally:
        server.stop()


def test_kill_and_restart_mid_stream_loses_and_doubles_nothing(
        served_live: tuple[Server, dict], chain_dir: Path, tmp_path: Path) -> None:
    server, info = served_live
    lines = _lines(chain_dir)
    source = tmp_path / "lines.parquet"
    lines.write_parquet(source)
    listener = Listener(server.url, info["viewer"])
    listener.start()
    deadline = time.monotonic() + 30
    while listener.connections == 0:
        assert time.monotonic() < deadline, "the WebSocket client could not connect"
        time.sleep(0.1)

    env = dict(server.env, SHELFCAST_TOKEN=info["till"])
    simulate = subprocess.Popen(
        [sys.executable, "-m", "shelfcast", "simulate", "--file", str(source), "--api",
         server.url, "--rate", "400", "--batch", "100", "--retry-for", "300"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(3)  # about a third of the lines
    server.kill()
    assert simulate.poll() is None, "the simulator must wait for the server, not give up"
    time.sleep(1)
    server.start()
    out, _ = simulate.communicate(timeout=600)
    assert simulate.returncode == 0, out

    # Events of the last batches come within a second; give the worker a little more.
    deadline = time.monotonic() + 20
    while not {"forecast.updated", "alert.raised"} <= listener.kinds():
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    listener.stopping.set()
    listener.join(10)

    with psycopg.connect(info["database"].replace("+psycopg", "")) as db:
        stored = db.execute("SELECT count(*), coalesce(sum(quantity), 0) FROM "
                            "sales_transaction WHERE transaction_id LIKE 'e2e-%'").fetchone()
        totals = db.execute("SELECT sum(lines), sum(units) FROM sales_intradaytotal").fetchone()
        alerts = db.execute("SELECT count(*) FROM orders_alert WHERE kind = "
                            "'projected_stockout' AND message LIKE '%expected to sell today%'"
                            ).fetchone()
    assert stored == (LINES, pytest.approx(lines["quantity"].sum()))
    assert totals == (LINES, pytest.approx(lines["quantity"].sum()))
    assert listener.connections >= 2, "the client should have reconnected after the restart"
    kinds = listener.kinds()
    assert {"sales.ingested", "forecast.updated", "alert.raised"} <= kinds, kinds
    updated = [e for e in listener.events if e["type"] == "forecast.updated"]
    assert all(e["nowcast_today"] >= e["units"] - 1e-9 for e in updated)
    assert any(e["forecast_tomorrow"] is not None for e in updated)
    assert alerts[0] >= 1
