"""A chain whose features outgrow the driver's memory runs with the driver capped at 512 MB
and 1 MB of results: it passes only if no step collects the data to the driver."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SERIES, DAYS = 2_000, 800
DRIVER_BYTES = 512 * 1024**2


def test_features_of_data_larger_than_the_driver_memory(tmp_path: Path) -> None:
    script = Path(__file__).with_name("low_memory_job.py")
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(SERIES), str(DAYS)],
        capture_output=True, text=True, timeout=1500,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = re.search(r"rows=(\d+) columns=(\d+)", run.stdout)
    assert found, run.stdout
    rows, columns = int(found[1]), int(found[2])
    assert rows == SERIES * DAYS
    # What was computed, as 8-byte values, is larger than the driver may hold.
    assert rows * columns * 8 > DRIVER_BYTES
    assert sum(p.stat().st_size for p in (tmp_path / "features.parquet").glob("*.parquet")) > 0
