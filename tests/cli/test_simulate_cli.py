"""``shelfcast simulate``'s messages: what it says and its exit code when the input, the
token or the server is wrong, and when lines are rejected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.simulator.live_server import LiveServer, cli, free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chain_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("sim-cli"))
    live.prepare(chain_dir)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _run(server: LiveServer, *args: str, token: str | None = None):
    env = dict(server.env)
    if token is not None:
        env["SHELFCAST_TOKEN"] = token
    return cli(env, "simulate", *args, check=False)


def _first_line_id(chain_dir: Path) -> str:
    from shelfcast.simulator.source import lines_from_folder

    return lines_from_folder(chain_dir)["transaction_id"][0]


def _no_traceback(done) -> None:
    assert "Traceback" not in done.stdout + done.stderr


def test_limit_sends_only_the_first_lines(server: LiveServer, chain_dir: Path) -> None:
    done = _run(server, str(chain_dir), "--api", server.url, "--limit", "25", token=server.till)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Replaying 25 lines" in done.stdout and "sent 25/25" in done.stdout
    assert "every line was accepted or already stored" in done.stdout


def test_a_bad_token_stops_with_the_reason(server: LiveServer, chain_dir: Path) -> None:
    done = _run(server, str(chain_dir), "--api", server.url, "--token", "not-a-token")
    assert done.returncode == 1
    assert "HTTP 401" in done.stderr and "give a valid token" in done.stderr
    assert "sent 0/" in done.stdout  # the summary still says where it stopped
    _no_traceback(done)
    viewer = _run(server, str(chain_dir), "--api", server.url, "--limit", "5",
                  token=server.viewer)
    assert viewer.returncode == 1 and "HTTP 403" in viewer.stderr
    assert "use a till (or admin) token" in viewer.stderr


def test_an_unreachable_server_is_named_after_the_retries(server: LiveServer,
                                                          chain_dir: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    done = _run(server, str(chain_dir), "--api", nowhere, "--retry-for", "1", "--limit", "5",
                token=server.till)
    assert done.returncode == 1
    assert f"the API at {nowhere} did not take the batch for 1 s" in done.stderr
    assert "ConnectError" in done.stderr
    _no_traceback(done)


def test_rejected_lines_are_counted_and_exit_1(server: LiveServer, chain_dir: Path,
                                              tmp_path: Path,
                                              chain_tables: dict[str, pl.DataFrame]) -> None:
    tx = chain_tables["transactions"].tail(10).with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(pl.lit("S99")).otherwise(pl.col("store_id"))
        .alias("store_id"),
        (pl.col("transaction_id") + "-x").alias("transaction_id"))
    tx.write_csv(tmp_path / "tills.csv")
    done = _run(server, "--file", str(tmp_path / "tills.csv"), "--api", server.url,
                token=server.till)
    assert done.returncode == 1
    assert "accepted 7" in done.stdout and "rejected 3" in done.stdout
    assert "rejected: 3 unknown_store" in done.stdout
    assert "3 of 10 lines were rejected" in done.stderr


def test_wrong_arguments_say_what_is_expected(server: LiveServer, chain_dir: Path,
                                             tmp_path: Path) -> None:
    both = _run(server, str(chain_dir), "--file", "x.csv", token="t")
    assert both.returncode == 1 and "DATA_DIR or --file" in both.stderr
    no_token = _run(server, str(chain_dir))
    assert no_token.returncode == 1 and "no token" in no_token.stderr
    missing = _run(server, "--file", str(tmp_path / "none.csv"), token="t")
    assert missing.returncode == 1 and "no such file" in missing.stderr
    pace = _run(server, str(chain_dir), "--speed", "2", "--rate", "2", token="t")
    assert pace.returncode == 1 and "not both" in pace.stderr
    for done in (both, no_token, missing, pace):
        _no_traceback(done)


def test_retries_are_logged_as_json_lines_of_the_command(server: LiveServer,
                                                         chain_dir: Path) -> None:
    import json

    nowhere = f"http://127.0.0.1:{free_port()}"
    env = dict(server.env, SHELFCAST_TOKEN=server.till, LOG_FORMAT="json")
    done = cli(env, "simulate", str(chain_dir), "--api", nowhere, "--retry-for", "2",
               "--limit", "3", check=False)
    assert done.returncode == 1
    logged = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert logged, done.stderr
    first = logged[0]
    assert (first["logger"], first["level"], first["command"]) == (
        "shelfcast.simulator", "WARNING", "simulate")
    assert first["attempt"] == 1 and first["reason"].startswith("ConnectError")
    assert first["first_transaction_id"] == _first_line_id(chain_dir)
