"""A throwaway PostgreSQL server for the tests that need a real one (``@pytest.mark.postgres``).

``postgres_server`` starts one cluster per test session (per xdist worker): ``initdb`` into
a fresh temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1 with its socket in
that folder, durability off (a test database need not survive a crash). It is stopped
and the folder removed at the end; a cluster left behind by a session that was killed
before its teardown is reaped by the next session (its ``owner.pid`` is no longer alive).
``postgres_url`` is a database created on it for the session, as a SQLAlchemy URL
(``postgresql+psycopg://postgres@127.0.0.1:PORT/DB``);
``postgres_server.create_database(name)`` makes more (a test that wants its own).

PostgreSQL refuses to run as root. When the tests run as root (CI containers), the
server runs as the ``postgres`` user through ``runuser``, in a folder chowned to it.
The binaries come from ``SHELFCAST_PG_BIN``, the PATH, or ``/usr/lib/postgresql/*/bin``.
Nothing is skipped: a missing ``initdb``, ``pg_ctl`` or ``runuser`` fails with a message
saying what to install; a server that does not start fails with its log.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["PostgresServer", "postgres_server", "postgres_url"]

PG_USER = "postgres"
BASE_PREFIX = "shelfcast-pg-"
OWNER_FILE = "owner.pid"
START_ATTEMPTS = 3


@dataclass
class PostgresServer:
    """A running cluster; ``url(db)`` is a SQLAlchemy URL for one of its databases."""

    base: Path
    port: int
    host: str = "127.0.0.1"
    user: str = PG_USER
    databases: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres", *, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{self.user}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string, for psycopg directly."""
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def create_database(self, name: str | None = None) -> str:
        """Create a database (a unique name unless given) and return its SQLAlchemy URL."""
        import psycopg

        name = name or f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.url(name)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _tool(name: str) -> str:
    """A server binary: from ``SHELFCAST_PG_BIN``, the PATH, or Debian/Ubuntu's versioned
    folders (``/usr/lib/postgresql/15/bin``, where ``apt-get install postgresql`` puts it)."""
    folder = os.environ.get("SHELFCAST_PG_BIN")
    path = shutil.which(name, path=folder) if folder else shutil.which(name)
    if path is None and name != "runuser" and not folder:
        versions = sorted(
            Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
            key=lambda p: (p.parts[-3] != "15", p.parts[-3]),
        )
        path = str(versions[0]) if versions else None
    if path is None:
        pytest.fail(
            f"the PostgreSQL tests need '{name}' on the PATH (PostgreSQL 15 server binaries: "
            "initdb, pg_ctl, postgres; e.g. apt-get install postgresql-15, found in "
            "/usr/lib/postgresql/15/bin; or set SHELFCAST_PG_BIN to their folder)",
            pytrace=False,
        )
    return path


def _as_pg_user() -> list[str]:
    """The prefix that runs a command as a user PostgreSQL accepts (not root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        pytest.fail(
            f"the tests run as root, and PostgreSQL refuses root: create the "
            f"'{PG_USER}' user (useradd {PG_USER}) so the server can run as it",
            pytrace=False,
        )
    return [_tool("runuser"), "-u", PG_USER, "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], what: str, server: PostgresServer | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        log = f"\n--- server log ---\n{server.log_tail()}" if server else ""
        pytest.fail(
            f"PostgreSQL {what} failed (exit {done.returncode}): {' '.join(cmd)}\n"
            f"{done.stdout}{done.stderr}{log}",
            pytrace=False,
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_orphans(prefix: list[str], pg_ctl: str) -> None:
    """Stop and remove clusters left by a test session that was killed before its
    teardown (a CI timeout): those whose owner process is gone."""
    for base in Path(tempfile.gettempdir()).glob(f"{BASE_PREFIX}*"):
        try:
            owner = int((base / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours to judge
        if _pid_alive(owner):
            continue
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(base / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    prefix = _as_pg_user()
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    _reap_orphans(prefix, pg_ctl)
    base = Path(tempfile.mkdtemp(prefix=BASE_PREFIX))
    (base / OWNER_FILE).write_text(str(os.getpid()))
    if prefix:
        entry = pwd.getpwnam(PG_USER)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    os.chmod(base, 0o700)
    server = PostgresServer(base=base, port=0)
    started = False
    try:
        _run(
            [
                *prefix,
                initdb,
                "-D",
                str(server.data_dir),
                "--auth=trust",
                "-U",
                PG_USER,
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            "initdb",
        )
        for attempt in range(START_ATTEMPTS):
            # Another process may take the port between choosing and binding it: retry.
            server.port = _free_port()
            options = (
                f"-p {server.port} -k {base} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            cmd = [
                *prefix,
                pg_ctl,
                "-D",
                str(server.data_dir),
                "-o",
                options,
                "-l",
                str(server.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
            if done.returncode == 0:
                started = True
                break
            if attempt == START_ATTEMPTS - 1:
                pytest.fail(
                    f"PostgreSQL did not start (exit {done.returncode}): {' '.join(cmd)}\n"
                    f"{done.stdout}{done.stderr}\n--- server log ---\n{server.log_tail()}",
                    pytrace=False,
                )
        yield server
    finally:
        if started:
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(server.data_dir), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh database on the session's server, as a SQLAlchemy URL (psycopg 3)."""
    try:
        return postgres_server.create_database("shelfcast_test")
    except Exception as exc:  # the log says why the server would not take a connection
        pytest.fail(
            f"cannot create the test database: {exc}\n--- server log ---\n"
            f"{postgres_server.log_tail()}",
            pytrace=False,
        )
