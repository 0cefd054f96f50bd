"""The claim on the Job table: one worker per job, leases that expire, tokens that expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shelfcast.server.jobs.models import Job
from shelfcast.server.jobs.queue import LeaseLost, job_claim, jobs_expire
from shelfcast.server.jobs.services import job_submit


def test_submit_queues_a_job_and_refuses_an_unknown_kind(db) -> None:  # type: ignore[no-untyped-def]
    job = job_submit(kind="run", params={"x": 1})
    job.refresh_from_db()
    assert (job.status, job.params, job.attempts) == ("queued", {"x": 1}, 0)
    with pytest.raises(Exception, match="unknown job kind 'bake'"):
        job_submit(kind="bake", params={})


def test_a_job_is_claimed_by_one_worker_at_a_time(db) -> None:  # type: ignore[no-untyped-def]
    job = job_submit(kind="run", params={})
    first = job_claim(worker="a")
    assert first is not None and first.job_id == job.pk
    assert job_claim(worker="b") is None  # its lease is fresh
    job.refresh_from_db()
    assert (job.status, job.attempts, job.started_at is not None) == ("running", 1, True)


def test_an_expired_lease_is_claimed_again_and_the_old_claim_cannot_end_the_job(db) -> None:  # type: ignore[no-untyped-def]
    job = job_submit(kind="run", params={})
    dead = job_claim(worker="dead")
    assert dead is not None
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    second = job_claim(worker="alive")
    assert second is not None and second.token != dead.token
    assert Job.objects.get(pk=job.pk).attempts == 2
    assert dead.heartbeat() is False
    with pytest.raises(LeaseLost):
        dead.complete(result={"twice": True})
    second.complete(result={"done": 1})
    job.refresh_from_db()
    assert (job.status, job.result, job.attempts) == ("succeeded", {"done": 1}, 2)


def test_a_job_whose_worker_died_on_every_attempt_fails(db) -> None:  # type: ignore[no-untyped-def]
    job = job_submit(kind="run", params={})
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    assert job_claim(worker="w") is not None
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert job_claim(worker="w") is None  # no attempt left
    assert jobs_expire() == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error["error"] == "worker_lost"


def test_a_checkpoint_is_kept_in_the_result(db) -> None:  # type: ignore[no-untyped-def]
    job_submit(kind="train", params={})
    claim = job_claim(worker="w")
    assert claim is not None
    claim.checkpoint(trained="v1")
    claim.complete(result={"model_version": "v1"})
    assert claim.job().result == {"model_version": "v1", "steps": {"trained": "v1"}}
