"""Import the public data sets with the example mappings, validate them, and print the figures.

    .venv/bin/python benchmarks/bench_import.py [--data /work/shared/data] [--runs 3]

For each of examples/{online_retail,favorita,favorita_oil,myanmar}.yaml: runs
``shelfcast ingest`` into
benchmarks/out/<name>/ (``--runs`` times, each a whole process under ``/usr/bin/time -v``,
the median quoted), then ``shelfcast validate`` on the result, and prints the import
report's counts as Markdown for benchmarks/RESULTS.md. The data are read from
``--data`` (or ``SHELFCAST_DATA``), never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHELFCAST = ROOT / ".venv" / "bin" / "shelfcast"
IMPORTS = {
    "online_retail": "online_retail/online_retail.parquet",
    "favorita": "favorita",
    "favorita_oil": "favorita",
    "myanmar": "supermarket_myanmar/supermarket_sales.csv",
}


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a whole process."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr
    hours, minutes, seconds = wall.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), int(rss.group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("SHELFCAST_DATA", "/work/shared/data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    args = parser.parse_args()
    rows = []
    for name, rel in IMPORTS.items():
        out = Path(args.out) / name
        cmd = [
            str(SHELFCAST),
            "ingest",
            "--map",
            str(ROOT / "examples" / f"{name}.yaml"),
            str(Path(args.data) / rel),
            str(out),
            "--force",
        ]
        runs = [_timed(cmd) for _ in range(args.runs)]
        valid = subprocess.run(
            [str(SHELFCAST), "validate", str(out)], capture_output=True, text=True
        )
        verdict = valid.stdout.strip().splitlines()[-1] if valid.stdout.strip() else valid.stderr
        report = json.loads((out / "import_report.json").read_text())
        rows.append(
            (
                name,
                report,
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
                valid.returncode,
                verdict,
            )
        )
    for name, report, wall, rss, code, verdict in rows:
        print(f"\n#### {name}\n")
        print("- read: " + ", ".join(f"{k} {v:,} rows" for k, v in report["rows_read"].items()))
        for d in report["dropped"]:
            print(
                f"- dropped from {d['table']} ({d['source']}): "
                f"{d['count']:,} {d['unit']}: {d['reason']}"
            )
        if report["negative_days"]:
            print(
                f"- days whose returns outweighed sales, written as 0: {report['negative_days']:,}"
            )
        print(
            "- written: " + ", ".join(f"{k} {v:,} rows" for k, v in report["rows_written"].items())
        )
        for note in report["notes"]:
            print(f"- note: {note}")
        print(f"- `shelfcast validate` exit {code}: {verdict}")
        print(
            f"- whole `shelfcast ingest` process, median of {args.runs}: {wall:.2f} s wall, "
            f"{rss:,.0f} MB peak RSS"
        )


if __name__ == "__main__":
    main()
