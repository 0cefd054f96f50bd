"""The same job on Spark (local) and on the single-machine path, at 3 sizes: time and memory.

The job is ``shelfcast forecast DATA --out F --horizon 28`` (read, validate, features, train,
forecast with quantiles), run as a whole process for each engine:

- ``local``: the single-machine path, one global Forecaster (all cores);
- ``spark`` with ``--training per_partition`` (``SHELFCAST_SPARK_TRAINING``): ``--engine spark``
  on ``local[2]``, one Forecaster per store, in parallel;
- ``spark`` with ``--training global``: one model for the chain, trained by
  ``xgboost.spark.SparkXGBRegressor`` on 2 workers (docs/spark.md, "Training").

Wall time from the parent; peak memory is the largest *sum* of the resident memory of the
process tree (the JVM and Spark's Python workers are separate processes), sampled every
0.2 s from /proc. Usage (results as JSON lines on stdout, and into --out):

    .venv/bin/python benchmarks/bench_spark.py --sizes 2x25,4x50,8x100 --days 400 --runs 1 \
        --training per_partition,global
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHELFCAST = str(ROOT / ".venv" / "bin" / "shelfcast")


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry)
        children.setdefault(int(fields[1]), []).append(p)
        rss[p] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    return wall, peak


def _runs(engines: str, trainings: str) -> list[tuple[str, str | None]]:
    """(engine, Spark training mode) pairs; the local engine has no training mode."""
    modes = [t for t in trainings.split(",") if t]
    bad = [t for t in modes if t not in ("per_partition", "global")]
    if bad:
        raise SystemExit(f"--training {','.join(bad)}: expected per_partition and/or global")
    return [(e, None) if e == "local" else (e, t) for e in engines.split(",") for t in
            (modes if e == "spark" else [None])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2x25,4x50,8x100", help="STORESxITEMS,...")
    ap.add_argument("--days", type=int, default=400)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--training", default="per_partition",
                    help="Spark training modes to run: per_partition, global or both (comma)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "spark.jsonl")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SHELFCAST_SPARK_MASTER": "local[2]",
           "SHELFCAST_SPARK_SHUFFLE_PARTITIONS": "4"}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            stores, items = (int(x) for x in size.split("x"))
            data = Path(tmp) / size
            subprocess.run([SHELFCAST, "generate", str(data), "--stores", str(stores), "--items",
                            str(items), "--days", str(args.days), "--seed", "0"],
                           check=True, stdout=subprocess.DEVNULL)
            for engine, training in _runs(args.engines, args.training):
                for r in range(args.runs):
                    out = Path(tmp) / f"fc-{size}-{engine}-{training}-{r}.parquet"
                    mode = {"SHELFCAST_SPARK_TRAINING": training} if training else {}
                    wall, peak = run([SHELFCAST, "forecast", str(data), "--out", str(out),
                                      "--horizon", "28", "--engine", engine], {**env, **mode})
                    row = {"size": size, "series": stores * items, "days": args.days,
                           "rows": stores * items * args.days, "engine": engine,
                           "training": training, "run": r, "wall_s": round(wall, 1),
                           "peak_mb": round(peak / 2**20), "load": os.getloadavg()[0]}
                    print(json.dumps(row), flush=True)
                    with args.out.open("a") as f:
                        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
