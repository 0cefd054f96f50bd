"""The worker loop behind ``shelfcast worker``: claim a job, run its handler while a
heartbeat thread renews the lease, record how it ended; poll again when the queue is empty.

SIGTERM / SIGINT set ``stop``: the job in hand is finished first, then the loop ends. A
worker killed outright (SIGKILL, power loss) leaves its job ``running`` under a lease that
expires; the next worker claims it again (see ``queue.py``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback

from django.db import close_old_connections, connection

from shelfcast.errors import ShelfcastError
from shelfcast.server.jobs.handlers import HANDLERS, JobFailed
from shelfcast.server.jobs.queue import LEASE_SECONDS, Claim, LeaseLost, job_claim, jobs_expire

__all__ = ["Worker"]

log = logging.getLogger("shelfcast.worker")


class Worker:
    def __init__(self, *, poll_seconds: float = 1.0, lease_seconds: float = LEASE_SECONDS,
                 name: str | None = None) -> None:
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stop = threading.Event()

    def run(self, *, once: bool = False) -> int:
        """Run jobs until ``stop`` is set (or, with ``once``, until the queue is empty);
        returns the number of jobs handled."""
        handled = 0
        while not self.stop.is_set():
            if not connection.in_atomic_block:  # a connection lost meanwhile: a fresh one
                close_old_connections()
            jobs_expire()
            claim = job_claim(worker=self.name, lease_seconds=self.lease_seconds)
            if claim is None:
                if once:
                    break
                self.stop.wait(self.poll_seconds)
                continue
            self.run_one(claim)
            handled += 1
        return handled

    def run_one(self, claim: Claim) -> None:
        job = claim.job()
        log.info("job %s (%s) claimed, attempt %d", job.pk, job.kind, job.attempts)
        beating = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(claim, beating), daemon=True)
        beat.start()
        try:
            HANDLERS[job.kind](job, claim)
            if claim.job().status == "running":  # the handler did not end it itself
                claim.complete(result={})
            log.info("job %s succeeded", job.pk)
        except LeaseLost:
            log.warning("job %s: lease lost, another worker has it", job.pk)
        except JobFailed as exc:
            self._fail(claim, exc.to_dict(), report=exc.report)
        except ShelfcastError as exc:
            self._fail(claim, exc.to_dict())
        except Exception as exc:  # a bug: record it without the trace (the log has it)
            log.error("job %s crashed:\n%s", job.pk, traceback.format_exc())
            self._fail(claim, {"error": "server_error",
                               "message": f"the job failed unexpectedly ({type(exc).__name__})",
                               "details": {}})
        finally:
            beating.set()
            beat.join()

    def _fail(self, claim: Claim, error: dict, report: dict | None = None) -> None:
        log.warning("job %s failed: %s", claim.job_id, error.get("message"))
        try:
            claim.fail(error=error, report=report)
        except LeaseLost:
            log.warning("job %s: lease lost before recording the failure", claim.job_id)

    def _heartbeat(self, claim: Claim, done: threading.Event) -> None:
        try:
            while not done.wait(self.lease_seconds / 3):
                try:
                    if not claim.heartbeat():
                        return
                except Exception:  # a locked SQLite file: try again at the next beat
                    log.warning("job %s: heartbeat failed, retrying", claim.job_id)
        finally:
            connection.close()  # this thread's own connection
