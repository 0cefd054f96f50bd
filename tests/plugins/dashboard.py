"""A real API server for the dashboard's tests: ``shelfcast load`` of the small synthetic
chain, a viewer token, ``shelfcast serve`` on a free port, and the chain's last day of till
lines posted over HTTP (so the live page has a day). Forecasts, orders and alerts are
published into the database through the server's own models (their publishing is a later
part), by a separate process, before the server starts. ``empty_api`` is a second server on
an empty database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import polars as pl
import pytest

__all__ = ["ApiServer", "dashboard_api", "dashboard_worker", "empty_api", "free_port",
           "wait_for_http"]

STARTUP_LIMIT_S = 120  # how long to wait for a process to answer at all (not a measurement)

# Published through the models: a 14-day forecast for every store and item from the chain's
# last day of sales, an order proposal and an alert per store.
PUBLISH = textwrap.dedent("""
    import datetime as dt, json, sys
    import shelfcast.server as server
    server.setup()
    from django.utils import timezone
    from shelfcast.server.catalog.models import Item, Store
    from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast
    from shelfcast.server.orders.models import Alert, OrderProposal
    from shelfcast.server.sales.models import DailySales
    from django.db.models import Max
    last = DailySales.objects.aggregate(d=Max("date"))["d"]
    # `shelfcast load` trained and published with a real live model: keep it (jobs and the
    # live path load it); add the past days' forecasts beside its own.
    version = (ModelVersion.objects.filter(is_live=True).first()
               or ModelVersion.objects.create(version="test-v1", path="/nowhere", is_live=True))
    now = timezone.now()
    rows = []
    for store in Store.objects.all():
        for item in Item.objects.all():
            for k in range(-6, 8):
                day = last + dt.timedelta(days=k)
                point = 5.0 + (k % 3)
                rows.append(PublishedForecast(store=store, item=item, date=day, forecast=point,
                    quantiles={"q10": point - 2, "q50": point, "q90": point + 3},
                    model_version=version, published_at=now))
    PublishedForecast.objects.bulk_create(rows, ignore_conflicts=True)
    first_item = Item.objects.order_by("item_id").first()
    # One known order and alert per store in place of what `shelfcast load` proposed: the
    # tests compare the pages with these.
    OrderProposal.objects.all().delete()
    Alert.objects.all().delete()
    for store in Store.objects.order_by("store_id"):
        OrderProposal.objects.create(store=store, item=first_item, order_date=last
            + dt.timedelta(days=1), quantity=24, packs=2, arrival_date=last
            + dt.timedelta(days=3), projected_on_hand_at_arrival=4, days_of_cover=5.5,
            service_level=0.95, reason="projected below the reorder point before arrival")
        Alert.objects.create(store=store, item=first_item, kind="projected_stockout",
            projected_stockout_date=last + dt.timedelta(days=2), on_hand=3,
            message="projected to run out before the next delivery")
    print(json.dumps({"last": last.isoformat(), "forecasts": len(rows)}))
""")


@dataclass
class ApiServer:
    url: str
    key: str  # a viewer token
    home: Path
    live_day: str | None = None
    till_key: str | None = None  # a till token, to post lines
    analyst_key: str | None = None  # to upload, run and train
    admin_key: str | None = None  # to promote


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while True:
        assert process.poll() is None, log.read_text()
        with contextlib.suppress(httpx.TransportError):  # not listening yet
            if httpx.get(url, timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.25)


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shelfcast", *args], capture_output=True,
                          text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DEBUG", "SHELFCAST_API_URL", "SHELFCAST_TOKEN")}
    env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local", SHELFCAST_HOME=str(home))
    return env


def _serve(env: dict[str, str], home: Path) -> tuple[str, subprocess.Popen, object]:
    port = free_port()
    log_path = home / "serve.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfcast", "serve", "--port", str(port), "--log-level",
         "warning"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/api/health/", process, log_path)
    return url, process, log


def _stop(process: subprocess.Popen, log: object) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def dashboard_api(tmp_path_factory: pytest.TempPathFactory, chain_dir: Path,
                  chain_tables: dict[str, pl.DataFrame]) -> Iterator[ApiServer]:
    home = tmp_path_factory.mktemp("dashboard_api")
    env = _env(home)
    _cli(env, "load", str(chain_dir))
    done = subprocess.run([sys.executable, "-c", PUBLISH], capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    viewer = _cli(env, "token", "create", "--role", "viewer", "--name", "dashboard").strip()
    till = _cli(env, "token", "create", "--role", "till", "--name", "dashboard-till").strip()
    analyst = _cli(env, "token", "create", "--role", "analyst", "--name", "dash-analyst").strip()
    admin = _cli(env, "token", "create", "--role", "admin", "--name", "dash-admin").strip()
    url, process, log = _serve(env, home)
    try:
        tx = chain_tables["transactions"]
        last_day = tx["timestamp"].dt.date().max()
        lines = tx.filter(pl.col("timestamp").dt.date() == last_day).head(2000).with_columns(
            pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z")).to_dicts()
        posted = httpx.post(f"{url}/api/transactions/", json={"transactions": lines},
                            headers={"Authorization": f"Token {till}"}, timeout=120)
        assert posted.status_code == 200, posted.text
        live = httpx.get(f"{url}/api/live/", headers={"Authorization": f"Token {viewer}"},
                         timeout=60).json()
        # A broken /api/live/ fails the live tests, not every page's.
        yield ApiServer(url=url, key=viewer, home=home, live_day=live.get("date"), till_key=till,
                        analyst_key=analyst, admin_key=admin)
    finally:
        _stop(process, log)


@pytest.fixture(scope="session")
def empty_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A server on an empty database (migrations only) and a viewer token."""
    home = tmp_path_factory.mktemp("empty_api")
    env = _env(home)
    url, process, log = _serve(env, home)
    try:
        viewer = _cli(env, "token", "create", "--role", "viewer", "--name", "dashboard").strip()
        yield ApiServer(url=url, key=viewer, home=home)
    finally:
        _stop(process, log)


@pytest.fixture(scope="session")
def dashboard_worker(dashboard_api: ApiServer) -> Iterator[subprocess.Popen]:
    """``shelfcast worker`` on the dashboard server's database: upload and run jobs finish."""
    log_path = dashboard_api.home / "worker.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfcast", "worker", "--poll", "0.5", "--no-migrate"],
        env=_env(dashboard_api.home), stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        _stop(process, log)
