"""``POST /api/transactions/`` over real HTTP on PostgreSQL: lines a second in batches of
1,000, every line counted exactly once.

    .venv/bin/python benchmarks/bench_ingest.py [--workers 2] [--rates 10000,20000,30000]
        [--seconds 15] [--keep-db DIR]

Set-up, all real processes: the synthetic chain of ``bench_predict.py`` (10 stores x 50
items, 240 days, seed 5), a throwaway PostgreSQL 15 cluster, ``shelfcast load``, ``shelfcast
serve --workers N`` as production starts it (``_stack.Server``). This process is the client:
an open loop (``openloop.py``) POSTing a batch of 1,000 new lines (unique ``transaction_id``,
random store and item, stamped through the business day after the last sales day) every
``1000 / rate`` seconds. The bodies of a run are encoded before it starts, so that the
client's own work stays small beside the server's (two cores for both). The figure is the
lines a second the server achieved (accepted lines, from the first send to the last answer),
beside the rate offered. About len(rates) x (seconds + 5) s after the set-up.

Checked after each rate: the ``accepted`` answers add up to the lines sent, the server's
running totals (``GET /api/live/``) hold exactly that many more lines, and sending the first
batch again answers ``duplicate: 1000, accepted: 0``. JSON under ``benchmarks/out/ingest``.

Also reported per rate, to compare code variants on a busy machine (where the lines a second
say little): the CPU seconds the server processes (``shelfcast serve`` and its workers) and
the PostgreSQL processes spent from the first send until the live worker is idle again,
per 1,000 lines accepted (utime + stime from ``/proc``). ``--keep-db DIR`` keeps the loaded
cluster in DIR between runs (loaded the first time; each run's ids are new), so variants
can be compared back to back without a load each: e.g. ``--keep-db /tmp/ingest-pg --rates
5000,10000 --seconds 15`` (the first rate also pays the live state's first loads).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl

from _stack import (
    KeptPostgres, Postgres, Server, bench_env, chain_ensure, cli, machine, serve_settings,
)
from openloop import open_loop, summary

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "ingest"
CHAIN = ROOT / "out" / "predict" / "chain_s10_i50_d240_seed5"
BATCH = 1_000
SETTLE_S = 3.0
"""After a rate's last answer: the live worker's last rounds, counted in its CPU."""
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(roots: list[int]) -> float:
    """utime + stime of the processes ``roots`` and all their descendants (Linux /proc)."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])
    tree, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in tree:
            continue
        tree.add(pid)
        todo += [child for child, p in parent.items() if p == pid]
    return sum(ticks.get(pid, 0) for pid in tree) / _TICK


class Lines:
    """Batches of new lines, numbered across the whole run (ids never repeat)."""

    def __init__(self, skus: list[tuple[str, str]], day: datetime, prefix: str = "b") -> None:
        self.skus, self.day, self.next, self.prefix = skus, day, 0, prefix
        self.rng = random.Random(0)
        self.first: list[dict] = []  # kept, to send it again at the end

    def bodies(self, count: int) -> list[bytes]:
        """The next ``count`` batches, encoded."""
        return [json.dumps({"transactions": self.batch()}).encode() for _ in range(count)]

    def batch(self) -> list[dict]:
        out = []
        for _ in range(BATCH):
            k = self.next
            self.next += 1
            store, item = self.skus[self.rng.randrange(len(self.skus))]
            ts = self.day + timedelta(seconds=(k * 7) % 50_400)  # 07:00-21:00
            out.append({"transaction_id": f"{self.prefix}-{k:09d}", "timestamp": ts.isoformat(),
                        "store_id": store, "item_id": item, "quantity": 1, "unit_price": 1.5})
        self.first = self.first or out
        return out


async def _run(url: str, till: str, rate_lines: float, seconds: float, lines: Lines) -> dict:
    accepted = [0]
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Token {till}"},
                                 timeout=120, limits=limits) as client:
        bodies = lines.bodies(int(round(seconds * rate_lines / BATCH)))

        async def send(i: int) -> bool:
            r = await client.post("/api/transactions/", content=bodies[i],
                                  headers={"Content-Type": "application/json"})
            if r.status_code != 200:
                return False
            answer = r.json()
            accepted[0] += answer["accepted"]
            return answer["accepted"] == BATCH and not answer["rejected"]

        result = await open_loop(send, rate=rate_lines / BATCH, seconds=seconds)
    s = summary(result)
    s.update(rate_lines=rate_lines, lines_accepted=accepted[0],
             lines_per_second_achieved=round(result.throughput() * BATCH))
    return s


def _stored(url: str, viewer: str) -> int:
    live = httpx.get(f"{url}/api/live/", params={"page_size": 1}, timeout=60,
                     headers={"Authorization": f"Token {viewer}"}).json()
    return sum(s["lines"] for s in live["stores"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="10000,20000,30000", help="lines a second")
    parser.add_argument("--seconds", type=float, default=15.0, help="per rate")
    parser.add_argument("--workers", type=int, default=2,
                        help="shelfcast serve --workers (production: 2)")
    parser.add_argument("--keep-db", type=Path, default=None,
                        help="keep the loaded PostgreSQL cluster in this folder between runs")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = bench_env()
    chain_ensure(env, CHAIN, stores=10, items=50, days=240, seed=5)
    sales = pl.read_parquet(CHAIN / "sales.parquet", columns=["date", "store_id", "item_id"])
    skus = sales.select("store_id", "item_id").unique().sort("store_id", "item_id").rows()
    day = sales["date"].max() + timedelta(days=1)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    lines = Lines(skus, datetime(day.year, day.month, day.day, 7, tzinfo=UTC), f"b{stamp}")
    report: dict = {"machine_before": machine(), "chain": CHAIN.name, "batch": BATCH, "runs": []}
    kept = args.keep_db is not None and (args.keep_db / "data" / "PG_VERSION").exists()
    database = KeptPostgres(args.keep_db) if args.keep_db else Postgres()
    with database as database_url, tempfile.TemporaryDirectory() as home:
        env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local",
                   SHELFCAST_HOME=home, DATABASE_URL=database_url,
                   SHELFCAST_THROTTLE_TILL="1000000/s")  # the limit is not what is measured
        # The model is trained once (cached beside the chain) and registered before the load,
        # so that the load does not train while holding a database connection for minutes.
        models = CHAIN.parent / "models"
        if not kept:
            if not list(models.glob("2*")):
                cli(env, "train", str(CHAIN), "--model-dir", str(models))
            cli(env, "models", "register", str(sorted(models.glob("2*"))[-1]), "--promote")
            cli(env, "load", str(CHAIN))
        till = cli(env, "token", "create", "--role", "till", "--name", "bench").strip()
        viewer = cli(env, "token", "create", "--role", "viewer", "--name", "bench").strip()
        report["server"] = {"workers": args.workers, **serve_settings(env)}
        postmaster = int((database.base / "data" / "postmaster.pid").read_text().split()[0])
        with (server := Server(env, workers=args.workers, log=OUT / "server.log")) as url:
            stored_before = _stored(url, viewer)
            for rate in (float(r) for r in args.rates.split(",")):
                sent_before = lines.next
                cpu = (_cpu_seconds([server.proc.pid]), _cpu_seconds([postmaster]))
                run = asyncio.run(_run(url, till, rate, args.seconds, lines))
                time.sleep(SETTLE_S)
                server_s = _cpu_seconds([server.proc.pid]) - cpu[0]
                postgres_s = _cpu_seconds([postmaster]) - cpu[1]
                per = 1000 / max(lines.next - sent_before, 1)
                run.update(server_cpu_s=round(server_s, 2), postgres_cpu_s=round(postgres_s, 2),
                           server_cpu_s_per_1000_lines=round(server_s * per, 4),
                           postgres_cpu_s_per_1000_lines=round(postgres_s * per, 4))
                run["lines_sent_total"] = lines.next
                run["lines_stored_total"] = _stored(url, viewer) - stored_before
                run["counted_once"] = run["lines_stored_total"] == lines.next
                report["runs"].append(run)
                print(json.dumps(run), flush=True)
            again = httpx.post(f"{url}/api/transactions/", json={"transactions": lines.first},
                               headers={"Authorization": f"Token {till}"}, timeout=60).json()
            report["resend_first_batch"] = {k: again[k] for k in ("accepted", "duplicate")}
            print("resend", report["resend_first_batch"], flush=True)
    report["machine_after"] = machine()
    (OUT / f"ingest_{stamp}.json").write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
