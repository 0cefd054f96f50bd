"""What every read endpoint shares: role, filters, pagination, downloads, documentation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shelfcast.server.accounts.permissions import CanRead
from shelfcast.server.api.downloads import DOWNLOAD_FORMATS, READ_RENDERERS, frame_download
from shelfcast.server.api.filters import ReadFilters, ReadFilterSerializer
from shelfcast.server.api.pagination import ReadPagination

__all__ = ["ReadApi", "paginated", "download_responses", "FORMAT_PARAMETER", "PAGE_PARAMETERS"]

PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1"),
    OpenApiParameter("page_size", int, description="Rows per page (default 100, at most 10,000)"),
]
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv", "parquet", "xlsx"],
    description="json (paginated, the default) or the whole selection as a csv, parquet or "
                "xlsx file",
)


def paginated(name: str, row: serializers.Serializer) -> serializers.Serializer:
    return inline_serializer(name, {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": row,
    })


def download_responses(json: serializers.Serializer) -> dict[Any, Any]:
    return {(200, "application/json"): json,
            **{(200, media): OpenApiTypes.BINARY for media in DOWNLOAD_FORMATS.values()}}


class ReadApi(APIView):
    """A read: ``CanRead``, the common filters, JSON pages or a whole-file download."""

    permission_classes = [CanRead]
    renderer_classes = READ_RENDERERS

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any
                          ) -> Any:
        # An error answers JSON, whatever file format was asked for.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def read_filters(self, request: Request) -> ReadFilters:
        serializer = ReadFilterSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.filters()

    def download_format(self, request: Request) -> str | None:
        fmt = request.accepted_renderer.format
        return fmt if fmt in DOWNLOAD_FORMATS else None

    def rows_response(self, request: Request, rows: Iterable[Mapping[str, Any]],
                      columns: Mapping[str, str], *, name: str,
                      expand: str | None = None) -> Response | HttpResponse:
        """A page of ``rows`` (a queryset of dicts, renamed by ``columns``), or all of them as
        a file when a download format was asked for. ``expand`` names a column holding a dict
        (quantiles) whose entries become columns of their own. Rows are plain dicts, not
        serializers: a page holds up to 10,000 of them."""
        def shape(row: Mapping[str, Any]) -> dict[str, Any]:
            out = {name: row[key] for name, key in columns.items()}
            if expand is not None:
                out.update(out.pop(expand) or {})
            return out

        fmt = self.download_format(request)
        if fmt is not None:
            source = rows.iterator(chunk_size=5000) if hasattr(rows, "iterator") else rows
            shaped = [shape(row) for row in source]
            frame = (pl.DataFrame(shaped, infer_schema_length=None) if shaped
                     else pl.DataFrame({c: [] for c in columns if c != expand}))
            return frame_download(frame, fmt=fmt, name=name)
        paginator = ReadPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([shape(row) for row in page or []])
