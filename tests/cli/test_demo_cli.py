"""`shelfcast demo --smoke`: the whole system comes up from an empty workspace and answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.load import load_dataset


@pytest.mark.slow
def test_demo_smoke_brings_every_part_up_from_an_empty_workspace(tmp_path: Path) -> None:
    home = tmp_path / "var"
    # As a user runs it: the test suite's Django settings module must not leak into it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["SHELFCAST_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "shelfcast", "demo", "--smoke"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke: every part answered" in done.stdout
    # The tills streamed: the simulator's lines were counted by the API (demo checks it).
    assert "smoke: the simulator sent 300 lines, the API counted them" in done.stdout

    # The sample chain it generated is a valid dataset folder, and the forecast covers its
    # first future week exactly once per row, with ordered quantiles.
    dataset = load_dataset(home / "sample-smoke")
    forecast = pl.read_csv(home / "forecasts" / "demo-smoke.csv", try_parse_dates=True)
    first_week = dataset.future.filter(pl.col("date") < pl.col("date").min() + pl.duration(days=7))
    keys = ["date", "store_id", "item_id"]
    assert forecast.select(keys).sort(keys).equals(first_week.select(keys).sort(keys))
    assert (forecast["q10"] <= forecast["q50"]).all() and (forecast["q50"] <= forecast["q90"]).all()
    # The API and dashboard logs were written, and the processes were stopped (the ports free).
    assert (home / "logs" / "api.log").exists() and (home / "logs" / "dashboard.log").exists()
