"""Bring the whole system up as separate processes, as a deployment would run them.

Used by ``shelfcast demo``: the API server and the dashboard are started with the same
commands a user would type, so the demo exercises exactly what ships.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shelfcast.errors import ShelfcastError

__all__ = ["System", "free_port", "shelfcast_command"]

STARTUP_TIMEOUT_S = 90.0


def shelfcast_command(*args: str) -> list[str]:
    """``python -m shelfcast ...`` with this interpreter, so the venv need not be on PATH."""
    return [sys.executable, "-m", "shelfcast", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a shelfcast command to completion; its stdout, or a ShelfcastError with its stderr."""
    done = subprocess.run(shelfcast_command(*args), capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise ShelfcastError(
            f"`shelfcast {' '.join(args)}` failed (exit {done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout


@dataclass
class System:
    """The API server and the dashboard, started in the background; stop() ends both."""

    api_port: int
    dashboard_port: int
    token: str
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "SHELFCAST_API_URL": self.api_url, "SHELFCAST_TOKEN": self.token}

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._spawn("api", "serve", "--port", str(self.api_port))
        self._spawn("dashboard", "dashboard", "--port", str(self.dashboard_port))
        self._spawn("worker", "worker")  # runs the upload, run and train jobs
        self._wait_until_up("api", f"{self.api_url}/api/health/")
        self._wait_until_up("dashboard", f"{self.dashboard_url}/_stcore/health")

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        self.processes[name] = subprocess.Popen(
            shelfcast_command(*args), env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )

    def _wait_until_up(self, name: str, url: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise ShelfcastError(
                    f"the {name} stopped while starting (exit {self.processes[name].returncode});"
                    f" see {self.log_dir / (name + '.log')}"
                )
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            time.sleep(0.3)
        raise ShelfcastError(
            f"the {name} did not answer {url} within {STARTUP_TIMEOUT_S:.0f} s;"
            f" see {self.log_dir / (name + '.log')}"
        )

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.api_url}{path}", headers={"Authorization": f"Token {self.token}"},
                         timeout=30.0)

    def start_simulator(self, folder: Path, *pace: str) -> None:
        """The tills: ``shelfcast simulate`` replays the folder's transactions into the API."""
        self._spawn("simulator", "simulate", str(folder), *pace)

    def wait_for(self, name: str, *, timeout: float) -> int:
        """Wait for a process that ends by itself (the simulator); its exit code."""
        try:
            return self.processes[name].wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ShelfcastError(
                f"the {name} did not finish within {timeout:.0f} s;"
                f" see {self.log_dir / (name + '.log')}") from None

    def wait(self) -> None:
        """Block until one of the serving processes ends (or Ctrl-C); the simulator may
        finish its replay without stopping the rest."""
        serving = [p for name, p in self.processes.items() if name != "simulator"]
        while all(p.poll() is None for p in serving):
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
