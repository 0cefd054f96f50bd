"""A real ``shelfcast serve`` process on a SQLite workspace, for the simulator's tests:
loaded with a chain, with a till and a viewer token, and able to be killed and restarted
on the same port (what a deployment's restart looks like to the tills)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STARTUP_LIMIT_S = 90  # how long to wait for the server to answer at all (not a measurement)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str, check: bool = True,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "shelfcast", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, check=False)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@dataclass
class LiveServer:
    home: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    till: str = ""
    viewer: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "DEBUG", "SHELFCAST_TOKEN", "SHELFCAST_API_URL")}
        env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local",
                   SHELFCAST_HOME=str(self.home), **self.extra_env)
        return env

    def prepare(self, chain_dir: Path) -> None:
        cli(self.env, "load", str(chain_dir))
        self.till = cli(self.env, "token", "create", "--role", "till", "--name", "t").stdout.strip()
        self.viewer = cli(self.env, "token", "create", "--role", "viewer",
                          "--name", "v").stdout.strip()

    def start(self) -> None:
        log = (self.home / "serve.log").open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shelfcast", "serve", "--port", str(self.port),
             "--no-migrate", "--log-level", "warning"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        log.close()
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            assert self.process.poll() is None, self.log()
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(f"{self.url}/api/health/", timeout=2).status_code == 200:
                    return
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.2)

    def kill(self) -> None:
        """As a crash: no graceful shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return (self.home / "serve.log").read_text()

    def live_day(self, day: str) -> dict:
        answer = httpx.get(f"{self.url}/api/live/", params={"date": day},
                           headers={"Authorization": f"Token {self.viewer}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()
