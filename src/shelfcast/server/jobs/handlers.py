"""What each kind of job does. Every handler is safe to run again after a crash:

- ``load`` / ``upload``: load and publish in one transaction with the job's completion (all
  or nothing); a model trained on the way is recorded as a checkpoint and reused on a retry.
- ``run``: forecast and replenish the current data into files under ``runs/<job id>/``
  (rewritten whole on a retry), then publish like a load.
- ``train``: the version trained is checkpointed before it is registered; a retry registers
  that one rather than train another.

A handler raises ``ShelfcastError`` for a failure that a retry would not fix; the worker
records it as the job's error.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction

from shelfcast.data.load import load_dataset, validate_folder
from shelfcast.errors import ShelfcastError
from shelfcast.server.forecasts.models import ModelVersion
from shelfcast.server.forecasts.services import model_version_promote, model_version_register
from shelfcast.server.jobs import pipeline
from shelfcast.server.jobs.models import Job, JobKind
from shelfcast.server.jobs.queue import Claim
from shelfcast.server.jobs.uploads import upload_dir

__all__ = ["HANDLERS", "RESULT_FILES", "results_dir", "JobFailed"]

RESULT_FILES = ("forecast", "orders", "alerts")
"""The downloadable results of a run job, each a Parquet file under ``results_dir``."""


class JobFailed(ShelfcastError):
    """The job cannot succeed with its input; ``report`` goes into the job."""

    code = "job_failed"

    def __init__(self, message: str, *, report: dict[str, Any], details: dict | None = None):
        super().__init__(message, details=details)
        self.report = report


def results_dir(job_id: Any) -> Path:
    return Path(django_settings.SHELFCAST_HOME) / "runs" / str(job_id)


def _trained_checkpoint(claim: Claim) -> Callable[[str], None]:
    return lambda version: claim.checkpoint(trained=version)


def _load_and_publish(job: Job, claim: Claim, folder: Path,
                      report: dict[str, Any] | None = None) -> None:
    dataset = load_dataset(folder, settings=django_settings.SHELFCAST)
    version = _resume_training(job) or pipeline.live_or_trained(
        dataset, source=str(folder), on_trained=_trained_checkpoint(claim))
    outputs = pipeline.forecast_and_replenish(dataset, version)

    def finish(counts: dict[str, Any]) -> None:
        # Inside the publication's transaction: the folder is the current data exactly when
        # the job is done (rewriting the marker on a retry is harmless).
        pipeline.remember_dataset_dir(folder)
        claim.complete(result={"counts": counts, "data_dir": str(folder)},
                       report=report if report is not None else dataset.report.to_dict())

    pipeline.publish(dataset, outputs, finish=finish)


def _resume_training(job: Job) -> ModelVersion | None:
    """The model a crashed attempt of this job trained and registered, if any."""
    version = job.result.get("steps", {}).get("trained")
    return ModelVersion.objects.filter(version=version).first() if version else None


def handle_load(job: Job, claim: Claim) -> None:
    _load_and_publish(job, claim, Path(job.params["data_dir"]))


def handle_upload(job: Job, claim: Claim) -> None:
    folder = upload_dir(job.pk)
    data = folder / "data"
    if job.params.get("archive"):
        archive = folder / job.params["archive"]
        shutil.rmtree(data, ignore_errors=True)  # a retry extracts afresh
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(data)  # names were checked safe when the upload was accepted
        data = _dataset_root(data)
    report = validate_folder(data, settings=django_settings.SHELFCAST).to_dict()
    if not report["ok"]:
        raise JobFailed(f"the upload is not a valid dataset: {len(report['errors'])} error(s)",
                        report=report, details={"errors": report["errors"]})
    _load_and_publish(job, claim, data, report=report)


def _dataset_root(extracted: Path) -> Path:
    """A zip of a folder holds its tables one level down: use that folder."""
    entries = [p for p in extracted.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return extracted


def handle_run(job: Job, claim: Claim) -> None:
    folder = Path(job.params["data_dir"]) if job.params.get("data_dir") \
        else pipeline.current_dataset_dir()
    if folder is None:
        raise ShelfcastError("no data loaded yet: upload a dataset (POST /api/uploads/) or "
                             "run `shelfcast load DATA_DIR` first")
    dataset = load_dataset(folder, settings=django_settings.SHELFCAST)
    version = _resume_training(job) or pipeline.live_or_trained(
        dataset, source=str(folder), on_trained=_trained_checkpoint(claim))
    outputs = pipeline.forecast_and_replenish(dataset, version)
    out = results_dir(job.pk)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in (("forecast", outputs.forecast), ("orders", outputs.orders),
                        ("alerts", outputs.alerts)):
        if frame is not None:
            frame.write_parquet(out / f"{name}.parquet")
            written[name] = frame.height
    pipeline.publish(dataset, outputs, finish=lambda counts: claim.complete(
        result={"counts": counts, "data_dir": str(folder), "files": written},
        report=dataset.report.to_dict()))


def handle_train(job: Job, claim: Claim) -> None:
    promote = bool(job.params.get("promote", False))
    version = job.result.get("steps", {}).get("trained_folder")
    if version is None:
        folder = Path(job.params["data_dir"]) if job.params.get("data_dir") \
            else pipeline.current_dataset_dir()
        if folder is None:
            raise ShelfcastError("no data loaded yet: upload a dataset or run "
                                 "`shelfcast load DATA_DIR` before training")
        dataset = load_dataset(folder, settings=django_settings.SHELFCAST)
        from shelfcast.forecast.artifact import save_model
        from shelfcast.forecast.forecaster import Forecaster

        model = Forecaster(country=django_settings.SHELFCAST.country).fit(dataset)
        saved = save_model(model, pipeline.model_dir(), metadata={
            "data": {"source": str(folder), "rows": dataset.sales.height}})
        version = str(saved)
        claim.checkpoint(trained_folder=version)
    with transaction.atomic():
        row = model_version_register(path=version)
        if promote and not row.is_live:
            row = model_version_promote(version=row.version)
        claim.complete(result={"model_version": row.version, "is_live": row.is_live})


HANDLERS: dict[str, Callable[[Job, Claim], None]] = {
    JobKind.LOAD: handle_load,
    JobKind.UPLOAD: handle_upload,
    JobKind.RUN: handle_run,
    JobKind.TRAIN: handle_train,
}

