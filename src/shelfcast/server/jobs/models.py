"""Jobs: uploads, runs, training, loads; stored in the database so they survive restarts."""

from __future__ import annotations

import uuid

from django.db import models

__all__ = ["JobKind", "JobStatus", "Job"]


class JobKind(models.TextChoices):
    UPLOAD = "upload"
    RUN = "run"
    TRAIN = "train"
    LOAD = "load"


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED,
                              db_index=True)
    params = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True, help_text="The error shape, when it failed")
    created_by = models.ForeignKey("accounts.ApiToken", on_delete=models.SET_NULL, null=True,
                                   blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The claim: a worker owns a running job while its lease is fresh; a worker that died
    # stops renewing it, and another claims the job again once the lease has expired.
    attempts = models.PositiveIntegerField(default=0, help_text="Claims by a worker so far")
    max_attempts = models.PositiveIntegerField(default=3)
    claimed_by = models.CharField(max_length=64, blank=True, default="",
                                  help_text="The claim token of the worker running it")
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"
