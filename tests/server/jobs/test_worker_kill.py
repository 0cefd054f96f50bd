"""``shelfcast worker`` as real processes on a database file / a PostgreSQL database: the
worker is killed (SIGKILL) in the middle of an upload job, a new worker takes the job over
once the lease has expired, and the job completes exactly once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tests.plugins.models import MODEL_CHAIN_ARGS

BIG_CHAIN = {**MODEL_CHAIN_ARGS, "stores": 12, "items": 120}  # same days: the model's last day
LEASE = "2"

SUBMIT = """
import json, sys
from pathlib import Path
import shelfcast.server as server
server.setup(); server.migrate(verbosity=0)
from django.core.files import File
from shelfcast.server.forecasts.services import model_version_register
from shelfcast.server.jobs.services import upload_submit
model_version_register(path=sys.argv[1])
files = [File(open(p, "rb"), name=p.name) for p in sorted(Path(sys.argv[2]).iterdir())]
print(upload_submit(files=files).pk)
"""


def _query(url: str, sql: str) -> list[tuple]:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute(sql).fetchall()


def _job(url: str) -> tuple[str, int]:
    rows = _query(url, "SELECT status, attempts FROM jobs_job")
    return rows[0] if rows else ("none", 0)


def _wait(url: str, until, timeout: float) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _job(url)
        if until(state):
            return state
        time.sleep(0.1)
    raise AssertionError(f"the job stayed {_job(url)} for {timeout} s")


@pytest.fixture(scope="module")
def big_chain_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shelfcast.data.generate import generate_chain, write_chain

    return write_chain(generate_chain(**BIG_CHAIN), tmp_path_factory.mktemp("big"), fmt="csv")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database()


def test_a_worker_killed_mid_upload_leaves_the_job_to_the_next_one(  # type: ignore[no-untyped-def]
        database_url, big_chain_dir, model_version_dir, tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "SHELFCAST_HOME": str(tmp_path / "home"),
           "DJANGO_SETTINGS_MODULE": "shelfcast.server.settings.local"}
    submitted = subprocess.run([sys.executable, "-c", SUBMIT, str(model_version_dir),
                                str(big_chain_dir)], env=env, capture_output=True, text=True)
    assert submitted.returncode == 0, submitted.stderr
    worker = [sys.executable, "-m", "shelfcast", "worker", "--poll", "0.1", "--lease", LEASE]
    logs = [open(tmp_path / f"worker{i}.log", "wb") for i in (1, 2)]  # noqa: SIM115
    first = subprocess.Popen(worker, env=env, stdout=logs[0], stderr=subprocess.STDOUT)
    try:
        _wait(database_url, lambda s: s[0] == "running", timeout=120)
        time.sleep(2.0)  # well into reading, forecasting and loading the upload
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert _job(database_url) == ("running", 1), "the job ended before the kill"
    finally:
        if first.poll() is None:
            first.kill()
    second = subprocess.Popen(worker, env=env, stdout=logs[1], stderr=subprocess.STDOUT)
    try:
        state = _wait(database_url, lambda s: s[0] in ("succeeded", "failed"), timeout=300)
        second.send_signal(signal.SIGTERM)  # idle now: it stops at once, cleanly
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()
    log = (tmp_path / "worker2.log").read_text()
    assert state == ("succeeded", 2), log
    (result,) = _query(database_url, "SELECT result FROM jobs_job")[0]
    counts = (json.loads(result) if isinstance(result, str) else result)["counts"]
    sales = pl.read_csv(big_chain_dir / "sales.csv")
    inventory = pl.read_csv(big_chain_dir / "inventory.csv")
    table_rows = {t: _query(database_url, f"SELECT count(*) FROM {t}")[0][0] for t in (
        "sales_dailysales", "inventory_inventorysnapshot", "forecasts_publishedforecast",
        "orders_orderproposal", "orders_alert")}
    assert table_rows == {
        "sales_dailysales": sales.height, "inventory_inventorysnapshot": inventory.height,
        "forecasts_publishedforecast": counts["forecasts"],
        "orders_orderproposal": counts["orders"], "orders_alert": counts["alerts"]}
    assert counts["sales_rows"] == sales.height and counts["forecasts"] > 0
