"""A chain whose features outgrow the driver's memory runs with the driver capped at 512 MB
and 1 MB of results: it passes only if no step collects the data to the driver."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from shelfcast.forecast.artifact import load_model

SERIES, DAYS = 2_000, 800
DRIVER_BYTES = 512 * 1024**2


def _job(work: Path, mode: str) -> str:
    script = Path(__file__).with_name("low_memory_job.py")
    run = subprocess.run(
        [sys.executable, str(script), str(work), str(SERIES), str(DAYS), mode],
        capture_output=True, text=True, timeout=1500,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_features_of_data_larger_than_the_driver_memory(tmp_path: Path) -> None:
    found = re.search(r"rows=(\d+) columns=(\d+)", _job(tmp_path, "features"))
    assert found
    rows, columns = int(found[1]), int(found[2])
    assert rows == SERIES * DAYS
    # What was computed, as 8-byte values, is larger than the driver may hold.
    assert rows * columns * 8 > DRIVER_BYTES
    assert sum(p.stat().st_size for p in (tmp_path / "features.parquet").glob("*.parquet")) > 0


def test_global_training_of_data_larger_than_the_driver_memory(tmp_path: Path) -> None:
    """Training rows, distributed XGBoost, calibration, saving and forecast of the global
    model with the same 512 MB driver: only the booster and the held-out sample reach it."""
    out = _job(tmp_path, "global")
    found = re.search(r"rows=(\d+) columns=(\d+) train_rows=(\d+)", out)
    assert found, out
    rows, columns, train_rows = (int(g) for g in found.groups())
    assert rows == SERIES * 28  # every series sold in its last 8 weeks: 28 days each
    assert columns == 10  # date, store_id, item_id, forecast, q10 ... q99
    assert train_rows > 300_000
    loaded = load_model(tmp_path / "models")
    assert loaded.model.state_.select("store_id", "item_id").n_unique() == SERIES
    assert loaded.metadata["data"]["series"] == SERIES
