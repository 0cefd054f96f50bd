"""Live latency: from a POST of till lines to the WebSocket ``forecast.updated`` of its items.

    .venv/bin/python benchmarks/bench_live_latency.py [--rate 2000 --seconds 60 --batch 100]

Set-up, all real processes: a synthetic chain (``shelfcast generate``, 10 stores x 100 items,
180 days, seed 3, under ``benchmarks/out/live_latency``), a throwaway PostgreSQL 15 cluster
(``_stack.Postgres``: ``initdb`` as the ``postgres`` user; fsync off as in the tests),
``shelfcast load`` (data, a first model, published forecasts), ``shelfcast serve`` as
production runs it (docker-compose.yml: the production settings, DEBUG off, a real secret
key; ``--workers 2`` uvicorn processes with a Redis channel layer, a throwaway
``redis-server``; plain HTTP on the loopback. ``--workers 1``: one process, in-memory layer).
The client: one WebSocket subscribed to ``all`` in its own process (it stamps each event as
it arrives, with the system-wide monotonic clock), and an open loop that POSTs a batch of
``--batch`` lines every ``batch / rate`` seconds on a fixed schedule, whatever the answers
(BENCHMARKS.md), for ``--seconds``, round-robin over ``--clients`` HTTP clients (each its own
connection pool; bodies encoded before the clock starts).

Every line sells one unit of a SKU (the SKUs in turn), stamped through the business day
after the chain's last sales day. A batch's latency is the time from sending its POST to the
first ``forecast.updated`` event of each of its SKUs whose ``units`` include the batch's
line, the worst of them (the worker coalesces batches: one event can answer several). Before
the clock starts, a warm-up (every SKU once, counted in the totals; ten POSTs over the
clients, so every server process gets some) loads the profile and the per-day inputs in the
server, and the run waits for its events. After the last POST, the run waits until no event
came for 3 s (60 s at most). Reported: p50/p95/p99 of batch latency, batches without an
event, POST round trips and failures, events, and lines lost (lines sent minus the server's
stored total; must be 0). JSON in ``benchmarks/out/live_latency/latency_<rate>_w<workers>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import shutil
import socket
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing import Event, Queue
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import httpx
import numpy as np
import polars as pl
from websockets.asyncio.client import connect

from _stack import Postgres, bench_env, chain_ensure, cli, free_port

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "live_latency"
CHAIN = OUT / "chain_s10_i100_d180_seed3"
SKUS = 10 * 100
QUIET_S = 3.0
LAST_EVENTS_S = 60.0


class Redis:
    """A throwaway ``redis-server`` (Debian's; ``make redis``) on a free port, for the
    channel layer of several server processes; its URL on enter (None when not enabled)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str | None:
        if not self.enabled:
            return None
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise SystemExit("redis-server is not installed: run `make redis` (or --workers 1)")
        port = free_port()
        self.process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                        timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return f"redis://127.0.0.1:{port}/0"
            time.sleep(0.1)
        raise SystemExit(f"redis-server did not start on port {port}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def _lines(total: int) -> tuple[list[dict], list[tuple[str, str]]]:
    sales = pl.read_parquet(CHAIN / "sales.parquet", columns=["date", "store_id", "item_id"])
    day = sales["date"].max() + timedelta(days=1)
    skus = sales.select("store_id", "item_id").unique().sort("store_id", "item_id").rows()
    start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
    step = 14 * 3600 / total  # the lines fill 07:00-21:00 of the business day
    lines = [{"transaction_id": f"lat-{k:07d}",
              "timestamp": (start + timedelta(seconds=k * step)).isoformat(),
              "store_id": skus[k % len(skus)][0], "item_id": skus[k % len(skus)][1],
              "quantity": 1} for k in range(total)]
    return lines, skus


def _listen(url: str, token: str, ready: Event, stop: Event, updates: Synchronized,
            out: Queue) -> None:
    """The WebSocket client, in its own process (a busy POST loop must not delay when an
    event is seen): ``(monotonic time, type, store, item, units)`` per event, sent back at
    the end; ``updates`` counts ``forecast.updated`` as they come."""
    async def run() -> list[tuple]:
        got: list[tuple] = []
        async with connect(f"{url.replace('http', 'ws')}/ws/live/?token={token}", origin=url,
                           max_size=None) as ws:
            await ws.send(json.dumps({"subscribe": ["all"]}))
            await ws.recv()
            ready.set()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    event = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    got.append((time.monotonic(), event["type"], event.get("store_id"),
                                event.get("item_id"), event.get("units")))
                    if event["type"] == "forecast.updated":
                        updates.value += 1
        return got

    out.put(asyncio.run(run()))


async def _drive(url: str, till: str, viewer: str, lines: list[dict], batch: int,
                 rate: float, warmup: int, clients: int) -> dict:
    context = multiprocessing.get_context("spawn")
    ready, stop, updates, out = (context.Event(), context.Event(), context.Value("q", 0),
                                 context.Queue())
    listener = context.Process(target=_listen, args=(url, viewer, ready, stop, updates, out))
    listener.start()
    if not await asyncio.to_thread(ready.wait, 60):
        raise SystemExit("the WebSocket client did not connect in 60 s")
    warm, lines = lines[:warmup], lines[warmup:]
    batches = [lines[k:k + batch] for k in range(0, len(lines), batch)]
    sent_at = [0.0] * len(batches)
    answered: list[tuple[float, int, int] | None] = [None] * len(batches)
    # Several clients, each with its own connection pool: one pool's bookkeeping saturated
    # the client at ~1,000 requests in flight (RESULTS.md); the batches go round-robin.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    pools = [httpx.AsyncClient(base_url=url, headers={"Authorization": f"Token {till}"},
                               timeout=120, limits=limits) for _ in range(clients)]
    bodies = [json.dumps({"transactions": b}).encode() for b in batches]  # encoded before t0
    try:
        async def post(k: int) -> None:
            sent_at[k] = time.monotonic()
            r = await pools[k % clients].post("/api/transactions/", content=bodies[k],
                                              headers={"Content-Type": "application/json"})
            answered[k] = (time.monotonic() - sent_at[k], r.status_code,
                           r.json().get("accepted", 0) if r.status_code == 200 else 0)

        # The warm-up in ten POSTs over the clients: every server process gets some.
        step = -(-len(warm) // 10)
        for r in await asyncio.gather(*(
                pools[k % clients].post("/api/transactions/",
                                        json={"transactions": warm[k * step:(k + 1) * step]})
                for k in range(10))):
            assert r.status_code == 200, r.text
        deadline = time.monotonic() + 300
        while updates.value < len(warm):
            if time.monotonic() > deadline:
                raise SystemExit("no forecast.updated for the warm-up batch in 300 s")
            await asyncio.sleep(0.2)
        t0 = time.monotonic()
        tasks = []
        for k in range(len(batches)):  # open loop: on schedule, never waiting for answers
            delay = t0 + k * batch / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(k)))
        await asyncio.gather(*tasks)
        send_seconds = time.monotonic() - t0
        # The last events: wait until none came for QUIET_S (or LAST_EVENTS_S in all).
        deadline, seen, quiet_since = time.monotonic() + LAST_EVENTS_S, -1, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < QUIET_S:
            if updates.value != seen:
                seen, quiet_since = updates.value, time.monotonic()
            await asyncio.sleep(0.2)
        stop.set()
        events = await asyncio.to_thread(out.get, True, 60)
        await asyncio.to_thread(listener.join, 30)
        live = (await pools[0].get("/api/live/", headers={"Authorization": f"Token {viewer}"},
                                   params={"page_size": 1})).json()
    finally:
        for pool in pools:
            await pool.aclose()
        if listener.is_alive():
            listener.terminate()
    return {"events": [e for e in events if e[0] >= t0], "sent_at": sent_at,
            "answered": answered, "batches": batches, "warmup": warm,
            "send_seconds": send_seconds,
            "stored_lines": sum(s["lines"] for s in live["stores"])}


def _latencies(run: dict) -> list[float]:
    """Per batch: first event of each of its SKUs whose units cover the batch's line."""
    updates: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for at, kind, store, item, units in run["events"]:
        if kind == "forecast.updated":
            updates.setdefault((store, item), []).append((units, at))
    ordinal: dict[tuple[str, str], int] = {}
    for line in run["warmup"]:
        key = (line["store_id"], line["item_id"])
        ordinal[key] = ordinal.get(key, 0) + 1
    out = []
    for k, batch in enumerate(run["batches"]):
        worst = 0.0
        for line in batch:
            key = (line["store_id"], line["item_id"])
            ordinal[key] = ordinal.get(key, 0) + 1
            times = [at for units, at in updates.get(key, []) if units >= ordinal[key]]
            worst = max(worst, (min(times) if times else float("inf")) - run["sent_at"][k])
        out.append(worst)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=2000.0, help="lines a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=100, help="lines per POST")
    parser.add_argument("--clients", type=int, default=8,
                        help="HTTP clients (connection pools) the POSTs go round-robin over")
    parser.add_argument("--workers", type=int, default=2,
                        help="server processes (docker-compose.yml runs 2, with Redis); 1 = "
                             "one process with the in-memory channel layer")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = bench_env()
    chain_ensure(env, CHAIN, stores=10, items=100, days=180, seed=3)
    with Postgres() as database_url, tempfile.TemporaryDirectory() as home, \
            Redis(enabled=args.workers > 1) as redis_url:
        # Production settings (DEBUG off, a real secret key), plain HTTP on the loopback.
        env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.production",
                   SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1,localhost",
                   SECURE_SSL_REDIRECT="0", SHELFCAST_HOME=home, DATABASE_URL=database_url)
        if redis_url:
            env["CHANNEL_LAYER_URL"] = redis_url
        cli(env, "load", str(CHAIN))
        till = cli(env, "token", "create", "--role", "till", "--name", "bench").strip()
        viewer = cli(env, "token", "create", "--role", "viewer", "--name", "bench").strip()
        port = free_port()
        log = (OUT / "serve.log").open("w")
        server = subprocess.Popen([sys.executable, "-m", "shelfcast", "serve", "--port",
                                   str(port), "--no-migrate", "--log-level", "warning",
                                   "--workers", str(args.workers)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                        break
                time.sleep(0.2)
            lines, skus = _lines(int(args.rate * args.seconds) + SKUS)
            load_before = os.getloadavg()
            run = asyncio.run(_drive(url, till, viewer, lines, args.batch, args.rate,
                                     warmup=len(skus), clients=args.clients))
        finally:
            server.terminate()
            server.wait(30)
            log.close()
    latency = np.array(_latencies(run)) * 1000
    rtt = np.array([a[0] for a in run["answered"] if a]) * 1000
    accepted = sum(a[2] for a in run["answered"] if a)
    failed = sum(1 for a in run["answered"] if a is None or a[1] != 200)
    finite = latency[np.isfinite(latency)]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "rate": args.rate, "seconds": args.seconds, "batch": args.batch, "skus": len(skus),
        "clients": args.clients, "settings": "shelfcast.server.settings.production",
        "server_processes": args.workers,
        "channel_layer": "redis" if args.workers > 1 else "in-memory",
        "lines_sent": len(lines), "lines_accepted": accepted, "lines_stored": run["stored_lines"],
        "lines_lost": len(lines) - run["stored_lines"],
        "posts_failed": failed,
        "send_seconds": round(run["send_seconds"], 2),
        "achieved_rate": round(sum(map(len, run["batches"])) / run["send_seconds"], 1),
        "events": len(run["events"]),
        "batches_without_event": int((~np.isfinite(latency)).sum()),
        "latency_ms": {p: round(float(np.percentile(finite, q)), 1) if finite.size else None
                       for p, q in (("p50", 50), ("p95", 95), ("p99", 99))},
        "post_round_trip_ms": {p: round(float(np.percentile(rtt, q)), 1)
                               for p, q in (("p50", 50), ("p95", 95), ("p99", 99))},
    }
    out = OUT / f"latency_{int(args.rate)}_w{args.workers}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
