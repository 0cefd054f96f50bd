"""Reads of the jobs app: jobs newest first, one job, a run job's result table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from shelfcast.errors import ShelfcastError
from shelfcast.server.jobs.handlers import RESULT_FILES, results_dir
from shelfcast.server.jobs.models import Job

__all__ = ["JobNotFound", "job_list", "job_get", "job_result_links", "job_result_frame"]


class JobNotFound(ShelfcastError):
    code = "not_found"


def job_list(*, kind: str | None = None, status: str | None = None) -> QuerySet[Job]:
    jobs = Job.objects.all().order_by("-created_at")
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def job_get(*, job_id: Any) -> Job:
    try:
        return Job.objects.get(pk=job_id)
    except (Job.DoesNotExist, ValidationError, ValueError, TypeError):  # not even a uuid
        raise JobNotFound(f"no job {job_id}", details={"job_id": str(job_id)}) from None


def _result_path(job: Job, name: str) -> Path:
    return results_dir(job.pk) / f"{name}.parquet"


def job_result_links(job: Job) -> list[dict[str, Any]]:
    """The downloadable results of a job, each with its rows and address."""
    files = job.result.get("files") or {}
    return [{"name": name, "rows": files[name],
             "url": f"/api/jobs/{job.pk}/results/{name}/?format=csv"}
            for name in RESULT_FILES if name in files and _result_path(job, name).is_file()]


def job_result_frame(*, job: Job, name: str) -> pl.DataFrame:
    path = _result_path(job, name)
    if name not in RESULT_FILES or not path.is_file():
        available = [link["name"] for link in job_result_links(job)]
        raise JobNotFound(f"job {job.pk} has no result {name!r}"
                          + (f"; it has {', '.join(available)}" if available else ""),
                          details={"job_id": str(job.pk), "result": name,
                                   "available": available})
    return pl.read_parquet(path)
