"""The transaction simulator: how fast it reads a real file through its mapping, and how
many lines a second it gets into a server, new and as duplicates.

    .venv/bin/python benchmarks/bench_simulator.py [--stores 3 --items 20 --days 400]

1. UCI Online Retail (541,909 rows, /work/shared/data, by path) read through
   examples/online_retail.yaml into replay lines: rows kept, seconds.
2. A generated chain loaded into a fresh SQLite workspace; `shelfcast serve` started; its
   transactions replayed by `shelfcast simulate` at full speed (batches of 500), then again
   (every line a duplicate). Lines a second as the simulator's summary says.
Prints one JSON object; record it with `uptime`'s load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.simulator.live_server import LiveServer, cli  # noqa: E402

DATA = Path(os.environ.get("SHELFCAST_DATA", "/work/shared/data"))


def mapped_read() -> dict:
    from shelfcast.simulator.source import lines_from_mapping

    start = time.perf_counter()
    lines = lines_from_mapping(DATA / "online_retail" / "online_retail.parquet",
                               ROOT / "examples" / "online_retail.yaml")
    return {"rows_read": 541_909, "lines_kept": lines.height,
            "seconds": round(time.perf_counter() - start, 2)}


def replay(server: LiveServer, folder: Path, batch: int) -> dict:
    env = dict(server.env, SHELFCAST_TOKEN=server.till, SHELFCAST_API_URL=server.url)
    done = cli(env, "simulate", str(folder), "--batch", str(batch))
    summary = next(line for line in done.stdout.splitlines() if line.startswith("sent "))
    numbers = dict(re.findall(r"(accepted|duplicate|rejected|retries) ([\d,]+)", summary))
    rate = re.search(r"([\d,]+) lines/s\s+in ([\d.,]+) s", summary)
    return {"batch": batch, **{k: int(v.replace(",", "")) for k, v in numbers.items()},
            "lines_per_s": int(rate.group(1).replace(",", "")),
            "seconds": float(rate.group(2).replace(",", ""))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=3)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--days", type=int, default=400)
    args = parser.parse_args()
    out: dict = {"uptime_before": subprocess.run(["uptime"], capture_output=True,
                                                 text=True).stdout.strip()}
    out["online_retail_mapped_read"] = mapped_read()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "var"
        home.mkdir()
        server = LiveServer(home)
        chain = Path(tmp) / "chain"
        cli(server.env, "generate", str(chain), "--stores", str(args.stores), "--items",
            str(args.items), "--days", str(args.days))
        server.prepare(chain)
        server.start()
        try:
            out["new"] = replay(server, chain, 500)
            out["duplicates"] = replay(server, chain, 500)
        finally:
            server.stop()
    out["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
