"""The jobs API: ``POST /api/uploads/``, ``POST /api/runs/`` (202 and a job id),
``GET /api/jobs/``, ``GET /api/jobs/{id}/``, ``GET /api/jobs/{id}/results/{name}/``."""

from __future__ import annotations

from typing import Any

import polars as pl
import polars.selectors as cs
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shelfcast.server.accounts.permissions import CanAnalyse, CanRead
from shelfcast.server.api.downloads import DOWNLOAD_FORMATS, frame_download
from shelfcast.server.api.reads import PAGE_PARAMETERS, ReadApi, paginated
from shelfcast.server.api.pagination import ReadPagination
from shelfcast.server.jobs.models import Job, JobKind, JobStatus
from shelfcast.server.jobs.selectors import (
    JobNotFound, job_get, job_list, job_result_frame, job_result_links,
)
from shelfcast.server.jobs.services import job_submit, upload_submit

__all__ = ["UploadApi", "RunApi", "JobListApi", "JobDetailApi", "JobResultApi"]

@extend_schema_serializer(component_name="JobAccepted")
class JobAcceptedSerializer(serializers.Serializer):
    job_id = serializers.CharField()
    status = serializers.CharField()
    url = serializers.CharField()


def _accepted(job: Job) -> Response:
    return Response({"job_id": str(job.pk), "status": str(job.status),
                     "url": f"/api/jobs/{job.pk}/"}, status=202)


@extend_schema_serializer(component_name="ResultLink")
class ResultLinkSerializer(serializers.Serializer):
    name = serializers.CharField()
    rows = serializers.IntegerField()
    url = serializers.CharField()


@extend_schema_serializer(component_name="Job")
class JobSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=JobKind.values)
    status = serializers.ChoiceField(choices=JobStatus.values)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    params = serializers.DictField()
    report = serializers.DictField(help_text="The validation report of the data, when read")
    result = serializers.DictField(help_text="What was published: counts, model version")
    error = serializers.DictField(help_text="The error shape, when it failed")
    results = ResultLinkSerializer(many=True, help_text="Downloadable result tables")


def _job_data(job: Job) -> dict[str, Any]:
    return {"id": str(job.pk), "kind": job.kind, "status": job.status,
            "created_at": job.created_at, "started_at": job.started_at,
            "finished_at": job.finished_at, "attempts": job.attempts,
            "max_attempts": job.max_attempts, "params": job.params, "report": job.report,
            "result": job.result, "error": job.error, "results": job_result_links(job)}


def _jsonable(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text, non-finite numbers (infinite cover) as null: JSON has neither."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    return frame.with_columns(
        cs.temporal().cast(pl.String),
        *[pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in floats])


@extend_schema_serializer(component_name="Upload")
class UploadSerializer(serializers.Serializer):
    """Documents the multipart body; the files are checked by ``uploads.check_upload``."""

    files = serializers.ListField(child=serializers.FileField(), min_length=1)


class UploadApi(APIView):
    """Upload a dataset (analyst, admin): table files or one zip of them; a job loads it."""

    permission_classes = [CanAnalyse]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="uploads_create", tags=["jobs"],
        description=(
            "Multipart, field `files`: the dataset's table files (`sales.csv`, `inventory.parquet`"
            ", ...) or one `.zip` of them. What is obviously not a dataset answers 400 at once; "
            "otherwise 202 and an upload job that validates the tables (its report in the job), "
            "loads them and publishes forecasts and orders with the live model."),
        request={"multipart/form-data": UploadSerializer},
        responses={202: JobAcceptedSerializer},
    )
    def post(self, request: Request) -> Response:
        files = request.FILES.getlist("files")
        job = upload_submit(files=files, created_by=request.auth)
        return _accepted(job)


class RunApi(APIView):
    """Forecast and replenish the current data, as a job (analyst, admin)."""

    permission_classes = [CanAnalyse]

    @extend_schema(
        operation_id="runs_create", tags=["jobs"], request=None,
        description="Forecast with the live model and propose orders on the data last loaded "
                    "or uploaded; the results are published and downloadable from the job.",
        responses={202: JobAcceptedSerializer},
    )
    def post(self, request: Request) -> Response:
        return _accepted(job_submit(kind=JobKind.RUN, params={}, created_by=request.auth))


class JobListApi(APIView):
    """Jobs, newest first (viewer, analyst, admin)."""

    permission_classes = [CanRead]

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=JobKind.values, required=False)
        status = serializers.ChoiceField(choices=JobStatus.values, required=False)

    @extend_schema(operation_id="jobs_list", tags=["jobs"],
                   parameters=[FilterSerializer, *PAGE_PARAMETERS],
                   responses=paginated("PaginatedJobs", JobSerializer(many=True)))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = ReadPagination()
        page = paginator.paginate_queryset(job_list(**filters.validated_data), request, view=self)
        return paginator.get_paginated_response([_job_data(j) for j in page or []])


class JobDetailApi(APIView):
    """One job: status, timestamps, attempts, report, result links."""

    permission_classes = [CanRead]

    @extend_schema(operation_id="jobs_retrieve", tags=["jobs"],
                   responses={200: JobSerializer})
    def get(self, request: Request, job_id: str) -> Response:
        try:
            job = job_get(job_id=job_id)
        except JobNotFound as exc:
            return Response(exc.to_dict(), status=404)
        return Response(JobSerializer(_job_data(job)).data)


class JobResultApi(ReadApi):
    """A run job's result table as a file (csv by default; parquet, xlsx) or JSON pages."""

    @extend_schema(
        operation_id="jobs_result", tags=["jobs"],
        parameters=[OpenApiParameter("format", str, enum=["json", *DOWNLOAD_FORMATS]),
                    *PAGE_PARAMETERS],
        responses={(200, "application/json"): paginated(
                       "PaginatedResultRows", serializers.DictField()),
                   **{(200, media): OpenApiTypes.BINARY for media in DOWNLOAD_FORMATS.values()}},
    )
    def get(self, request: Request, job_id: str, name: str) -> Response | HttpResponse:
        try:
            job = job_get(job_id=job_id)
            frame = job_result_frame(job=job, name=name)
        except JobNotFound as exc:
            return Response(exc.to_dict(), status=404)
        fmt = self.download_format(request)
        if fmt is not None:
            return frame_download(frame, fmt=fmt, name=f"{name}-{job.pk}")
        paginator = ReadPagination()
        page = paginator.paginate_queryset(_jsonable(frame).to_dicts(), request, view=self)
        return paginator.get_paginated_response(page or [])
