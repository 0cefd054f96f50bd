"""Over real HTTP: ``shelfcast load``, ``shelfcast token create`` and ``shelfcast serve`` as
separate processes (on a fresh SQLite file, and on a fresh PostgreSQL database), then the
till's ingest through an httpx client."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.simulator.live_server import cli, free_port

STARTUP_LIMIT_S = 90  # how long to wait for the server to answer at all (not a measurement)


@dataclass
class Served:
    url: str
    key: str
    process: subprocess.Popen[str]


@contextlib.contextmanager
def _serving(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``shelfcast serve`` on a free port until exit; its URL and process."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfcast", "serve", "--port", str(port), "--no-migrate",
         "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local",
               SHELFCAST_HOME=str(tmp_path / "var"))
    return env


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path, chain_dir: Path) -> Iterator[Served]:
    env = _environment(tmp_path)
    if request.param == "postgres":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_server").create_database()
    cli(env, "load", str(chain_dir))  # also applies the migrations
    key = cli(env, "token", "create", "--role", "till", "--name", "http-test").stdout.strip()
    with _serving(env, tmp_path) as (url, process):
        yield Served(url, key, process)


def test_the_till_ingests_over_http(served: Served, chain_tables: dict[str, pl.DataFrame]) -> None:
    tx = chain_tables["transactions"].head(400)
    lines = tx.with_columns(
        pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z")).to_dicts()
    headers = {"Authorization": f"Token {served.key}"}
    with httpx.Client(base_url=served.url, headers=headers, timeout=60) as client:
        first = client.post("/api/transactions/", json={"transactions": lines})
        assert first.status_code == 200, first.text
        assert first.json() == {"accepted": 400, "duplicate": 0, "rejected": []}
        # The till retries the same batch (a lost answer): nothing counted twice.
        retry = client.post("/api/transactions/", json={"transactions": lines[:300]})
        assert retry.json() == {"accepted": 0, "duplicate": 300, "rejected": []}
        changed = dict(lines[0], quantity=lines[0]["quantity"] + 1)
        conflict = client.post("/api/transactions/", json={"transactions": [changed]}).json()
        assert [r["error"] for r in conflict["rejected"]] == ["conflict"]

        unauthenticated = httpx.post(f"{served.url}/api/transactions/", json={"transactions": []})
        assert unauthenticated.status_code == 401
        assert unauthenticated.json()["error"] == "not_authenticated"
        malformed = client.post("/api/transactions/", content=b"{oops",
                                headers={"Content-Type": "application/json"})
        assert malformed.status_code == 400 and malformed.json()["error"] == "parse_error"

        metrics = client.get("/metrics").text
        assert 'shelfcast_ingest_lines_total{outcome="accepted"} 400.0' in metrics
        assert 'shelfcast_ingest_lines_total{outcome="duplicate"} 300.0' in metrics


@pytest.mark.postgres
def test_a_burst_of_requests_shares_a_few_database_connections(
        tmp_path: Path, chain_dir: Path, chain_tables: dict[str, pl.DataFrame],
        postgres_server) -> None:  # type: ignore[no-untyped-def]
    """Sixty batches sent at once to a server with 2 request threads and a pool of 3
    connections: every batch is stored, and PostgreSQL never sees more than 3 connections
    from it (one per request in flight would be sixty)."""
    import asyncio
    import threading

    import psycopg

    env = _environment(tmp_path)
    env.update(DATABASE_URL=postgres_server.create_database(), DATABASE_POOL_MAX_SIZE="3",
               DATABASE_POOL_MIN_SIZE="1", SHELFCAST_REQUEST_THREADS="2")
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    cli(env, "load", str(chain_dir))
    key = cli(env, "token", "create", "--role", "till", "--name", "burst").stdout.strip()
    lines = chain_tables["transactions"].head(600).with_columns(
        pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z")).to_dicts()
    most = [0]
    stop = threading.Event()

    def watch() -> None:  # the server's connections to its database, sampled
        with psycopg.connect(postgres_server.dsn(database), autocommit=True) as conn:
            while not stop.is_set():
                count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                     "current_database() AND pid <> pg_backend_pid()").fetchone()
                most[0] = max(most[0], count[0] if count else 0)
                time.sleep(0.005)

    async def burst(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=120,
                                     headers={"Authorization": f"Token {key}"}) as client:
            return await asyncio.gather(*(
                client.post("/api/transactions/", json={"transactions": lines[k:k + 10]})
                for k in range(0, 600, 10)))

    with _serving(env, tmp_path) as (url, _):
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            answers = asyncio.run(burst(url))
        finally:
            stop.set()
            watcher.join()
    assert [a.status_code for a in answers] == [200] * 60
    assert sum(a.json()["accepted"] for a in answers) == 600
    assert 1 <= most[0] <= 3
