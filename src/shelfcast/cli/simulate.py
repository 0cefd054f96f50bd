"""``shelfcast simulate``: replay till lines to the live API, as a chain's tills would."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from shelfcast.cli._common import console, err_console, handle_errors, settings_from_env
from shelfcast.errors import ShelfcastError

__all__ = ["register", "simulate", "DEFAULT_API_URL"]

DEFAULT_API_URL = "http://127.0.0.1:8000"


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)


@handle_errors
def simulate(
    data_dir: Path | None = typer.Argument(
        None, help="A dataset folder whose transactions table is replayed."),
    file: Path | None = typer.Option(
        None, "--file", help="A transactions file instead (the contract's layout, or any "
                             "layout with --map)."),
    mapping: Path | None = typer.Option(
        None, "--map", help="An import mapping (kind: transactions) to read --file with."),
    api: str | None = typer.Option(
        None, "--api", "--api-url",
        help=f"The API's base URL (default: SHELFCAST_API_URL, else {DEFAULT_API_URL})."),
    token: str | None = typer.Option(
        None, "--token", help="A till token (default: SHELFCAST_TOKEN)."),
    speed: float | None = typer.Option(
        None, "--speed", help="Keep the original timing, this many times faster (60: an hour "
                              "a minute); pauses over an hour are cut to an hour."),
    rate: float | None = typer.Option(
        None, "--rate", help="Send this many lines a second instead (default: as fast as the "
                             "server takes them)."),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Replay only the first N lines (in time order)."),
    batch: int = typer.Option(
        500, "--batch", min=1, max=10_000, help="Most lines in one POST."),
    retry_for: float = typer.Option(
        120.0, "--retry-for", min=0.0,
        help="Keep retrying an unreachable or failing server this many seconds, then stop."),
) -> None:
    """Replay transactions to POST /api/transactions/ in timestamp order, in batches.

    A batch the server did not take (unreachable, 5xx, 429) is re-sent unchanged with
    jittered exponential backoff: the server's idempotency makes that safe, so a restart
    of the server mid-stream loses and doubles nothing. Exit 0 when every line was
    accepted or already stored, 1 otherwise.

    Examples:

        shelfcast simulate var/sample --speed 600
        shelfcast simulate --file retail.parquet --map examples/online_retail.yaml --rate 2000
    """
    from shelfcast.simulator.pacing import due_offsets
    from shelfcast.simulator.replay import replay
    from shelfcast.simulator.sender import Sender
    from shelfcast.simulator.source import lines_from_file, lines_from_folder, lines_from_mapping

    if (data_dir is None) == (file is None):
        raise ShelfcastError("give a dataset folder DATA_DIR or --file FILE (one of them)")
    if mapping is not None and file is None:
        raise ShelfcastError("--map reads --file: give the file to read with it")
    api_url = api or os.environ.get("SHELFCAST_API_URL") or DEFAULT_API_URL
    key = token or os.environ.get("SHELFCAST_TOKEN")
    if not key:
        raise ShelfcastError("no token: give --token or set SHELFCAST_TOKEN (a till token: "
                             "`shelfcast token create --role till --name tills`)")
    if data_dir is not None:
        lines = lines_from_folder(data_dir)
    elif mapping is not None:
        assert file is not None
        lines = lines_from_mapping(file, mapping, time_zone=settings_from_env().time_zone)
    else:
        assert file is not None
        lines = lines_from_file(file)
    if limit is not None:
        lines = lines.head(limit)
    due = due_offsets(lines, speed=speed, rate=rate)
    pace = f"{speed:g}x speed" if speed else f"{rate:g} lines/s" if rate else "full speed"
    console.print(f"Replaying {lines.height:,} lines to {api_url} at {pace} "
                  f"(batches of up to {batch:,}) ...", highlight=False, soft_wrap=True)
    with Sender(api_url, key, retry_for=retry_for) as sender:
        tally = replay(lines, due, sender, batch_size=batch,
                       on_progress=lambda t: err_console.print(
                           t.progress_line(), highlight=False, soft_wrap=True))
    for line in tally.summary():  # one line each, whatever the terminal's width
        console.print(line, highlight=False, soft_wrap=True)
    if tally.stopped_by is not None:
        raise tally.stopped_by
    if not tally.ok:
        raise ShelfcastError(f"{tally.rejected:,} of {tally.total:,} lines were rejected")
    console.print("[green]every line was accepted or already stored[/]")
