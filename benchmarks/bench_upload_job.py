"""An upload job end to end, through real processes: how long the worker takes to validate,
load, forecast, replenish and publish a synthetic chain, on SQLite (the workspace file) or on
PostgreSQL (``DATABASE_URL``).

    .venv/bin/python benchmarks/bench_upload_job.py --stores 12 --items 120 --days 150

A first model is trained by ``shelfcast load`` of a 2-store, 4-item chain of the same days
(so the live model knows the chain's last day); then the big chain's CSV files are submitted
as an upload job and ``shelfcast worker --once`` runs it. The figure is the job's own time
(``finished_at - started_at``), with the rows it loaded and published. Workspace and chains
under ``benchmarks/out/upload_job/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out" / "upload_job"

SUBMIT = """
import sys
from pathlib import Path
import shelfcast.server as server
server.setup()
from django.core.files import File
from shelfcast.server.jobs.services import upload_submit
files = [File(open(p, "rb"), name=p.name) for p in sorted(Path(sys.argv[1]).iterdir())]
print(upload_submit(files=files).pk)
"""
REPORT = """
import json, sys
import shelfcast.server as server
server.setup()
from shelfcast.server.jobs.models import Job
job = Job.objects.get(pk=sys.argv[1])
print(json.dumps({"status": job.status, "attempts": job.attempts,
                  "seconds": (job.finished_at - job.started_at).total_seconds(),
                  "counts": job.result.get("counts"), "error": job.error}))
"""


def shelfcast(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "shelfcast", *args], env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def python(code: str, *args: str, env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=12)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--days", type=int, default=150)
    args = parser.parse_args()
    shutil.rmtree(OUT / "home", ignore_errors=True)
    env = {**os.environ, "SHELFCAST_HOME": str(OUT / "home")}
    small, big = OUT / "small", OUT / f"chain_s{args.stores}_i{args.items}_d{args.days}"
    shelfcast("generate", str(small), "--stores", "2", "--items", "4", "--days", str(args.days),
              "--seed", "1", env=env)
    if not big.exists():
        shelfcast("generate", str(big), "--stores", str(args.stores), "--items", str(args.items),
                  "--days", str(args.days), "--seed", "1", "--format", "csv", env=env)
    shelfcast("load", str(small), env=env)
    job_id = python(SUBMIT, str(big), env=env)
    start = time.perf_counter()
    shelfcast("worker", "--once", env=env)
    wall = time.perf_counter() - start
    report = json.loads(python(REPORT, job_id, env=env))
    report.update(wall_seconds_with_startup=round(wall, 2), database=os.environ.get(
        "DATABASE_URL", "sqlite").split(":", 1)[0], load_average=os.getloadavg())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
