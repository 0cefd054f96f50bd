"""Live latency: from a POST of till lines to the WebSocket ``forecast.updated`` of its items.

    .venv/bin/python benchmarks/bench_live_latency.py [--rate 2000 --seconds 60 --batch 100]

Set-up, all real processes: a synthetic chain (``shelfcast generate``, 10 stores x 100 items,
180 days, seed 3, under ``benchmarks/out/live_latency``), a throwaway PostgreSQL 15 cluster
(``initdb`` as the ``postgres`` user; fsync off as in the tests), ``shelfcast load`` (data,
a first model, published forecasts), ``shelfcast serve`` (one uvicorn process, in-memory
channel layer). This process is the client: one WebSocket subscribed to ``all``, and an open
loop that POSTs a batch of ``--batch`` lines every ``batch / rate`` seconds on a fixed
schedule, whatever the answers (BENCHMARKS.md), for ``--seconds``.

Every line sells one unit of a SKU (the SKUs in turn), stamped through the business day
after the chain's last sales day. A batch's latency is the time from sending its POST to the
first ``forecast.updated`` event of its last SKU whose ``units`` include the batch's line
(the worker coalesces batches: one event can answer several). Before the clock starts, one
warm-up batch (every SKU once, counted in the totals) loads the live model and the profile in
the server, and the run waits for its events. Reported: p50/p95/p99 of batch
latency, POST round trips, events, and lines lost (lines sent minus the server's stored
total; must be 0). JSON under ``benchmarks/out/live_latency``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import polars as pl
from websockets.asyncio.client import connect

from _stack import Postgres, free_port

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "live_latency"
CHAIN = OUT / "chain_s10_i100_d180_seed3"
SKUS = 10 * 100


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shelfcast", *args], env=env, text=True,
                          capture_output=True, check=False)
    if done.returncode:
        raise SystemExit(f"shelfcast {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


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


async def _listen(url: str, token: str, events: list[tuple[float, dict]],
                  ready: asyncio.Event, stop: asyncio.Event) -> None:
    async with connect(f"{url.replace('http', 'ws')}/ws/live/?token={token}", origin=url,
                       max_size=None) as ws:
        await ws.send(json.dumps({"subscribe": ["all"]}))
        await ws.recv()
        ready.set()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                message = await asyncio.wait_for(ws.recv(), 0.5)
                events.append((time.perf_counter(), json.loads(message)))


async def _drive(url: str, till: str, viewer: str, lines: list[dict], batch: int,
                 rate: float, warmup: int) -> dict:
    events: list[tuple[float, dict]] = []
    ready, stop = asyncio.Event(), asyncio.Event()
    listener = asyncio.create_task(_listen(url, viewer, events, ready, stop))
    await asyncio.wait_for(ready.wait(), 30)
    warm, lines = lines[:warmup], lines[warmup:]
    batches = [lines[k:k + batch] for k in range(0, len(lines), batch)]
    sent_at = [0.0] * len(batches)
    answered: list[tuple[float, int, int] | None] = [None] * len(batches)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Token {till}"},
                                 timeout=120, limits=limits) as client:
        async def post(k: int) -> None:
            sent_at[k] = time.perf_counter()
            r = await client.post("/api/transactions/", json={"transactions": batches[k]})
            body = r.json()
            answered[k] = (time.perf_counter() - sent_at[k], r.status_code, body.get("accepted", 0))

        r = await client.post("/api/transactions/", json={"transactions": warm})
        assert r.status_code == 200, r.text
        deadline = time.perf_counter() + 300
        while sum(e["type"] == "forecast.updated" for _, e in events) < len(warm):
            if time.perf_counter() > deadline:
                raise SystemExit("no forecast.updated for the warm-up batch in 300 s")
            await asyncio.sleep(0.2)
        events.clear()
        t0 = time.perf_counter()
        tasks = []
        for k in range(len(batches)):  # open loop: on schedule, never waiting for answers
            delay = t0 + k * batch / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(k)))
        await asyncio.gather(*tasks)
        send_seconds = time.perf_counter() - t0
        deadline = time.perf_counter() + 60  # the last events
        last = (lines[-1]["store_id"], lines[-1]["item_id"])
        need = sum((x["store_id"], x["item_id"]) == last for x in warm + lines)
        while time.perf_counter() < deadline and not any(
                e.get("type") == "forecast.updated" and (e["store_id"], e["item_id"]) == last
                and e["units"] >= need for _, e in events):
            await asyncio.sleep(0.2)
        stop.set()
        await listener
        live = (await client.get("/api/live/", headers={"Authorization": f"Token {viewer}"},
                                 params={"page_size": 1})).json()
    return {"events": events, "sent_at": sent_at, "answered": answered, "batches": batches,
            "warmup": warm,
            "send_seconds": send_seconds, "stored_lines": sum(s["lines"] for s in live["stores"])}


def _latencies(run: dict) -> list[float]:
    """Per batch: first event of each of its SKUs whose units cover the batch's line."""
    updates: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for at, event in run["events"]:
        if event.get("type") == "forecast.updated":
            updates.setdefault((event["store_id"], event["item_id"]), []).append(
                (event["units"], at))
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
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL", "CHANNEL_LAYER_URL")}
    if not (CHAIN / "sales.parquet").exists():
        _cli(env, "generate", str(CHAIN), "--stores", "10", "--items", "100", "--days", "180",
             "--seed", "3")
    with Postgres() as database_url, tempfile.TemporaryDirectory() as home:
        env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local",
                   SHELFCAST_HOME=home, DATABASE_URL=database_url)
        _cli(env, "load", str(CHAIN))
        till = _cli(env, "token", "create", "--role", "till", "--name", "bench").strip()
        viewer = _cli(env, "token", "create", "--role", "viewer", "--name", "bench").strip()
        port = free_port()
        log = (OUT / "serve.log").open("w")
        server = subprocess.Popen([sys.executable, "-m", "shelfcast", "serve", "--port",
                                   str(port), "--no-migrate", "--log-level", "warning"],
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
                                     warmup=len(skus)))
        finally:
            server.terminate()
            server.wait(30)
            log.close()
    latency = np.array(_latencies(run)) * 1000
    rtt = np.array([a[0] for a in run["answered"] if a]) * 1000
    accepted = sum(a[2] for a in run["answered"] if a)
    finite = latency[np.isfinite(latency)]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "rate": args.rate, "seconds": args.seconds, "batch": args.batch, "skus": len(skus),
        "lines_sent": len(lines), "lines_accepted": accepted, "lines_stored": run["stored_lines"],
        "lines_lost": len(lines) - run["stored_lines"],
        "send_seconds": round(run["send_seconds"], 2),
        "achieved_rate": round(len(lines) / run["send_seconds"], 1),
        "events": len(run["events"]),
        "batches_without_event": int((~np.isfinite(latency)).sum()),
        "latency_ms": {p: round(float(np.percentile(finite, q)), 1) if finite.size else None
                       for p, q in (("p50", 50), ("p95", 95), ("p99", 99))},
        "post_round_trip_ms": {p: round(float(np.percentile(rtt, q)), 1)
                               for p, q in (("p50", 50), ("p95", 95), ("p99", 99))},
    }
    (OUT / f"latency_{int(args.rate)}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
