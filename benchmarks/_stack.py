"""The real processes a server benchmark runs against: a throwaway PostgreSQL 15 cluster (as
the ``postgres`` user, since its server refuses root; fsync off, as in the tests), the
``shelfcast`` commands, and ``shelfcast serve`` on a free port.

    with Postgres() as database_url, Server(env, workers=2) as url: ...

``Server`` starts ``shelfcast serve`` as production does (``workers=2`` as docker-compose.yml;
1 by default, which WebSocket benchmarks need without Redis; the pool, request-thread and
request-queue settings of ``SERVE_ENV`` unless the caller's environment sets them);
``serve_settings(env)`` says which were used, for the report.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

__all__ = ["Postgres", "KeptPostgres", "Server", "SERVE_ENV", "bench_env", "chain_ensure", "cli",
           "free_port", "machine", "serve_settings"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(
        f"*/bin/{name}"))), None)
    if found is None:
        raise SystemExit(f"{name} not found: install PostgreSQL 15 (make test does)")
    return str(found)


class Postgres:
    """A throwaway cluster with one database ``bench``; its URL on enter."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base or Path(tempfile.mkdtemp(prefix="shelfcast-bench-pg-"))
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            entry = pwd.getpwnam("postgres")
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self.port = free_port()

    def __enter__(self) -> str:
        data = self.base / "data"
        subprocess.run([*self.prefix, _pg_tool("initdb"), "-D", str(data), "--auth=trust", "-U",
                        "postgres", "-E", "UTF8", "--no-locale", "--no-sync"], check=True,
                       capture_output=True)
        subprocess.run([*self.prefix, _pg_tool("pg_ctl"), "-D", str(data), "-o",
                        f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                        "-l", str(self.base / "log"), "-w", "start"], check=True,
                       capture_output=True)
        subprocess.run([*self.prefix, _pg_tool("createdb"), "-h", "127.0.0.1", "-p",
                        str(self.port), "-U", "postgres", "bench"], check=True)
        return f"postgresql://postgres@127.0.0.1:{self.port}/bench"

    def __exit__(self, *exc: object) -> None:
        done = subprocess.run([*self.prefix, _pg_tool("pg_ctl"), "-D", str(self.base / "data"),
                               "-m", "immediate", "-w", "stop"], capture_output=True, text=True,
                              check=False)
        if done.returncode:  # leave the folder, so that it can still be stopped by hand
            print(f"could not stop PostgreSQL in {self.base}: {done.stdout}{done.stderr}",
                  file=sys.stderr)
            return
        shutil.rmtree(self.base, ignore_errors=True)


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shelfcast", *args], env=env, text=True,
                          capture_output=True, check=False)
    if done.returncode:
        raise SystemExit(f"shelfcast {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def bench_env() -> dict[str, str]:
    """This process's environment less what would point a benchmark's own server elsewhere."""
    return {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL", "CHANNEL_LAYER_URL")}


def chain_ensure(env: dict[str, str], folder: Path, *, stores: int, items: int, days: int,
                 seed: int) -> None:
    """The synthetic chain in ``folder``, generated the first time (kept between runs)."""
    if not (folder / "sales.parquet").exists():
        cli(env, "generate", str(folder), "--stores", str(stores), "--items", str(items),
            "--days", str(days), "--seed", str(seed))


SERVE_ENV = {"DATABASE_POOL_MAX_SIZE": "10", "SHELFCAST_REQUEST_THREADS": "8",
             "SHELFCAST_REQUEST_QUEUE": "100", "LOG_FORMAT": "json"}
"""The server's settings in a benchmark: the defaults of settings/env.py spelled out, and
the JSON request log of deploy/env.example (a line per request, as in production)."""


def serve_settings(env: dict[str, str]) -> dict[str, str]:
    return {k: env.get(k, v) for k, v in SERVE_ENV.items()}


class Server:
    """``shelfcast serve --workers N`` until exit; its base URL on enter."""

    def __init__(self, env: dict[str, str], *args: str, workers: int = 1,
                 log: Path | None = None) -> None:
        self.env = {**env, **serve_settings(env)}
        self.args, self.log, self.workers = args, log, workers
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shelfcast", "serve", "--port", str(self.port),
             "--log-level", "warning", "--workers", str(self.workers), *self.args],
            env=self.env, stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb") if self.log else subprocess.DEVNULL)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/health/", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit("shelfcast serve did not answer /api/health/ within 120 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def machine() -> dict[str, object]:
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"cores": os.cpu_count(), "memory_gb": round(mem_kb / 1e6, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0]}


class KeptPostgres(Postgres):
    """A PostgreSQL 15 cluster kept in ``folder`` between runs (a benchmark's ``make`` loads
    it, its ``run`` reads it): created with database ``bench`` the first time, started on
    enter, stopped (not removed) on exit; its URL on enter."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(folder)

    def __enter__(self) -> str:
        if not (self.base / "data" / "PG_VERSION").exists():
            shutil.rmtree(self.base / "data", ignore_errors=True)
            return super().__enter__()
        subprocess.run([*self.prefix, _pg_tool("pg_ctl"), "-D", str(self.base / "data"), "-o",
                        f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                        "-l", str(self.base / "log"), "-w", "start"], check=True,
                       capture_output=True)
        return f"postgresql://postgres@127.0.0.1:{self.port}/bench"

    def __exit__(self, *exc: object) -> None:
        done = subprocess.run([*self.prefix, _pg_tool("pg_ctl"), "-D", str(self.base / "data"),
                               "-m", "fast", "-w", "stop"], capture_output=True, text=True,
                              check=False)
        if done.returncode:
            print(f"could not stop PostgreSQL in {self.base}: {done.stdout}{done.stderr}",
                  file=sys.stderr)
