"""The job queue on the Job table: claim, lease, heartbeat, end.

A worker claims the oldest queued job with one conditional UPDATE (atomic on SQLite and on
PostgreSQL, where a concurrent claimer re-checks the condition and finds the row taken), and
holds it under a lease it renews while the job runs. A worker killed mid-job stops renewing;
once the lease has expired another worker claims the job again (``attempts`` + 1), up to
``max_attempts``. Every write of the end of a job is conditional on the claim token: a
worker that lost its lease cannot mark the job done, so its work is rolled back with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from shelfcast.errors import ShelfcastError
from shelfcast.server.jobs.models import Job, JobStatus

__all__ = ["LEASE_SECONDS", "LeaseLost", "Claim", "job_claim", "jobs_expire"]

LEASE_SECONDS = 30.0
"""How long a claim holds without a heartbeat; the worker renews it every third of that."""


class LeaseLost(ShelfcastError):
    """The job's lease expired and another worker claimed it: this worker's work is void."""

    code = "lease_lost"


def _claimable(now) -> Q:  # type: ignore[no-untyped-def]
    expired = Q(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    return (Q(status=JobStatus.QUEUED) | expired) & Q(attempts__lt=F("max_attempts"))


@dataclass
class Claim:
    """A worker's hold on one job: every write goes through the token."""

    job_id: Any
    token: str
    lease_seconds: float = LEASE_SECONDS

    def _mine(self):  # type: ignore[no-untyped-def]
        return Job.objects.filter(pk=self.job_id, claimed_by=self.token,
                                  status=JobStatus.RUNNING)

    def job(self) -> Job:
        return Job.objects.get(pk=self.job_id)

    def heartbeat(self) -> bool:
        """Renew the lease; False when it was lost."""
        until = timezone.now() + timedelta(seconds=self.lease_seconds)
        return self._mine().update(lease_expires_at=until) == 1

    def checkpoint(self, **steps: Any) -> None:
        """Record finished steps in ``result["steps"]`` (committed at once), so a retry after
        a crash skips them rather than do them twice."""
        with transaction.atomic():
            job = self._mine().select_for_update().first()
            if job is None:
                raise LeaseLost("the job's lease was lost", details={"job": str(self.job_id)})
            result = dict(job.result)
            result["steps"] = {**result.get("steps", {}), **steps}
            self._mine().update(result=result)

    def complete(self, *, result: dict[str, Any], report: dict[str, Any] | None = None) -> None:
        """Mark the job succeeded. Call it inside the transaction of the job's last writes:
        if the lease was lost, it raises and those writes roll back."""
        self._end(JobStatus.SUCCEEDED, result=result, report=report, error={})

    def fail(self, *, error: dict[str, Any], report: dict[str, Any] | None = None) -> None:
        self._end(JobStatus.FAILED, result=None, report=report, error=error)

    def _end(self, status: str, *, result: dict[str, Any] | None,
             report: dict[str, Any] | None, error: dict[str, Any]) -> None:
        fields: dict[str, Any] = {"status": status, "error": error,
                                  "finished_at": timezone.now(), "lease_expires_at": None}
        if report is not None:
            fields["report"] = report
        with transaction.atomic():
            if result is not None:
                job = self._mine().select_for_update().first()
                steps = job.result.get("steps") if job is not None else None
                fields["result"] = {**result, **({"steps": steps} if steps else {})}
            if self._mine().update(**fields) != 1:
                raise LeaseLost("the job's lease expired and another worker took it over",
                                details={"job": str(self.job_id)})


def job_claim(*, worker: str, lease_seconds: float = LEASE_SECONDS) -> Claim | None:
    """Claim the oldest job that is queued, or running under an expired lease; None if none."""
    now = timezone.now()
    candidates = (Job.objects.filter(_claimable(now)).order_by("created_at")
                  .values_list("pk", flat=True)[:20])
    for pk in list(candidates):
        token = f"{worker}/{uuid.uuid4().hex[:12]}"
        taken = Job.objects.filter(_claimable(now), pk=pk).update(
            status=JobStatus.RUNNING, claimed_by=token, attempts=F("attempts") + 1,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=Coalesce(F("started_at"), now))
        if taken == 1:
            return Claim(job_id=pk, token=token, lease_seconds=lease_seconds)
    return None


def jobs_expire() -> int:
    """Fail the jobs whose worker died on their last allowed attempt; returns how many."""
    now = timezone.now()
    return Job.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now,
                              attempts__gte=F("max_attempts")).update(
        status=JobStatus.FAILED, finished_at=now, lease_expires_at=None,
        error={"error": "worker_lost",
               "message": "the worker running this job stopped on every attempt",
               "details": {}})
