"""The ``train`` job: a new version trained on the current data, registered, promoted when
asked; a retry after a crash registers the version already trained instead of training again."""

from __future__ import annotations

from shelfcast.server.forecasts.models import ModelVersion
from shelfcast.server.jobs.models import Job
from shelfcast.server.jobs.queue import job_claim
from shelfcast.server.jobs.services import job_submit


def test_a_train_job_registers_and_promotes_a_new_version(  # type: ignore[no-untyped-def]
        db, small_chain_dir, live_model_version, run_queue, job_home) -> None:
    job = job_submit(kind="train", params={"promote": True, "data_dir": str(small_chain_dir)})
    run_queue()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    new = ModelVersion.objects.get(version=job.result["model_version"])
    assert new.is_live and new.version != live_model_version
    assert (job_home / "models" / new.version).is_dir()
    assert ModelVersion.objects.count() == 2


def test_a_retried_train_job_reuses_the_model_it_trained(  # type: ignore[no-untyped-def]
        db, live_model_version, model_version_dir, run_queue) -> None:
    job = job_submit(kind="train", params={})
    claim = job_claim(worker="crashed")
    assert claim is not None
    # The crashed attempt had trained and saved this version before it died.
    claim.checkpoint(trained_folder=str(model_version_dir))
    Job.objects.filter(pk=job.pk).update(status="queued")  # as if its lease had expired
    run_queue()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert job.result["model_version"] == live_model_version
    assert ModelVersion.objects.count() == 1  # nothing trained twice
