"""``shelfcast worker``: run queued jobs (uploads, runs, training, loads) until stopped."""

from __future__ import annotations

import logging
import signal

import typer

from shelfcast.cli._common import console, handle_errors

__all__ = ["register", "worker_command"]


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)


@handle_errors
def worker_command(
    poll: float = typer.Option(1.0, "--poll", min=0.05, help="Seconds between looks at an "
                               "empty queue."),
    once: bool = typer.Option(False, "--once", help="Run the queued jobs, then exit."),
    lease: float = typer.Option(30.0, "--lease", min=1.0,
                                help="Seconds a job stays claimed without a heartbeat: how "
                                "soon another worker takes over the job of a dead one."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate",
                                 help="Apply pending database migrations first."),
) -> None:
    """Run queued jobs until stopped (Ctrl-C or SIGTERM finish the job in hand first).

    Jobs live in the database (DATABASE_URL, or SQLite in SHELFCAST_HOME): they survive a
    restart of the server and of the worker. A job whose worker was killed is taken up
    again once its lease (--lease, 30 s) has expired; several workers may run side by side.

    Example:

        shelfcast worker
    """
    import shelfcast.server as server

    server.setup()
    if migrate:
        server.migrate(verbosity=0)
    from shelfcast.server.jobs.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = Worker(poll_seconds=poll, lease_seconds=lease)

    def stop(signum: int, frame: object) -> None:
        console.print("stopping after the job in hand ...", highlight=False)
        worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    console.print(f"shelfcast worker {worker.name}: waiting for jobs", highlight=False)
    handled = worker.run(once=once)
    console.print(f"worker stopped; {handled} job(s) handled", highlight=False)
