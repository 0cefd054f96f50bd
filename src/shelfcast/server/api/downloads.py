"""Whole-table downloads of the reads: ``?format=csv|parquet|xlsx`` (or the ``Accept`` header).

The renderers only make DRF's content negotiation accept those formats; the view builds the
file from a Polars frame (``frame_download``), as ``shelfcast.data.tables`` would write it.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

__all__ = ["DOWNLOAD_FORMATS", "READ_RENDERERS", "frame_download"]


class _DownloadRenderer(BaseRenderer):
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        # Only reached for errors raised before the view built its file: say it as JSON text.
        return JSONRenderer().render(data)


class CSVRenderer(_DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


class ParquetRenderer(_DownloadRenderer):
    media_type = "application/vnd.apache.parquet"
    format = "parquet"


class XLSXRenderer(_DownloadRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


READ_RENDERERS = [JSONRenderer, CSVRenderer, ParquetRenderer, XLSXRenderer]
DOWNLOAD_FORMATS: dict[str, str] = {r.format: r.media_type for r in READ_RENDERERS[1:]}


def frame_download(frame: pl.DataFrame, *, fmt: str, name: str) -> HttpResponse:
    """The frame as a file to download (``name.csv`` / ``.parquet`` / ``.xlsx``)."""
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.write_csv(buffer)
    elif fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.write_excel(buffer, worksheet=name[:31])
    response = HttpResponse(buffer.getvalue(), content_type=DOWNLOAD_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
