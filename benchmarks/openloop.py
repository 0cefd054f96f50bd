"""An open-loop load generator (BENCHMARKS.md): requests leave on a fixed schedule, whatever
the answers, and each latency is measured from its *scheduled* send time, so a slow server
cannot slow the client down and hide its own queueing (coordinated omission).

    from openloop import open_loop, summary  # benchmarks/ is on sys.path for its scripts

    async def send(i: int) -> bool:          # one request; True when answered as expected
        status, _ = await client.post("/api/predict/", body(i))  # keepalive.KeepAliveClient
        return status == 200

    result = asyncio.run(open_loop(send, rate=200, seconds=20, warmup_seconds=3))
    print(summary(result))                   # rate, sent, ok, errors, p50/p95/p99/max ms

Requests of the warm-up are sent on the same schedule but not counted. ``max_in_flight``
bounds the requests outstanding (beyond it a request waits for a slot, and that wait counts
in its latency, since the clock starts at its scheduled time).

The client must stay cheap however many requests are outstanding, or past the server's
capacity it is the client that falls behind (``late_start`` grows) and the throughput
measured *drops*: ``keepalive.py`` costs the same CPU per request at any backlog; httpx's
pool cost 3x more per request with hundreds waiting (RESULTS.md, "Prediction and ingest API").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["LoadResult", "open_loop", "summary", "highest_rate_within"]


@dataclass
class LoadResult:
    rate: float
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, counted requests only
    ok: int = 0
    errors: int = 0
    late_start: float = 0.0  # the worst delay of a send behind its schedule (client health)
    wall: float = 0.0
    first_scheduled: float = 0.0  # scheduled send of the first counted request
    last_done: float = 0.0  # when the last counted request was answered

    def throughput(self) -> float:
        """Counted requests answered as expected, a second, from the first counted send to
        the last answer: what the server achieved, which is below ``rate`` when it fell
        behind (its queue then grows, and the run lasts longer than ``seconds``)."""
        span = self.last_done - self.first_scheduled
        return self.ok / span if span > 0 else float("nan")

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) if self.latencies else float("nan")


async def open_loop(send: Callable[[int], Awaitable[bool]], *, rate: float, seconds: float,
                    warmup_seconds: float = 0.0, max_in_flight: int = 1024) -> LoadResult:
    """Send ``rate`` requests a second for ``warmup_seconds + seconds``; see the module doc."""
    result = LoadResult(rate=rate, seconds=seconds)
    slots = asyncio.Semaphore(max_in_flight)
    warm = int(round(warmup_seconds * rate))
    total = warm + int(round(seconds * rate))
    start = time.perf_counter() + 0.05
    result.first_scheduled = start + warm / rate
    tasks: list[asyncio.Task[None]] = []

    async def one(i: int, scheduled: float) -> None:
        async with slots:
            try:
                good = await send(i)
            except Exception:  # a refused or broken connection is an error, not a crash
                good = False
        done = time.perf_counter()
        if i < warm:
            return
        result.last_done = max(result.last_done, done)
        result.latencies.append(done - scheduled)
        if good:
            result.ok += 1
        else:
            result.errors += 1

    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.late_start = max(result.late_start, -delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    result.wall = time.perf_counter() - start
    return result


def summary(result: LoadResult) -> dict[str, float]:
    ms = 1000.0
    return {
        "rate": result.rate, "seconds": result.seconds, "sent": len(result.latencies),
        "ok": result.ok, "errors": result.errors,
        "p50_ms": round(result.percentile(50) * ms, 2),
        "p95_ms": round(result.percentile(95) * ms, 2),
        "p99_ms": round(result.percentile(99) * ms, 2),
        "max_ms": round(max(result.latencies, default=float("nan")) * ms, 2),
        "client_late_ms": round(result.late_start * ms, 2),
        "achieved_per_second": round(result.throughput(), 2),
    }


def highest_rate_within(results: list[LoadResult], p99_ms: float) -> float | None:
    """The highest rate whose p99 stayed within ``p99_ms`` with no errors (None: none did)."""
    good = [r.rate for r in results if r.errors == 0 and r.percentile(99) * 1000 <= p99_ms]
    return max(good) if good else None
