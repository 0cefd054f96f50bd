"""Pagination of the reads: ``?page=``, ``?page_size=`` (up to 10,000), answering
``{"count", "next", "previous", "results"}``."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

__all__ = ["ReadPagination", "MAX_PAGE_SIZE"]

MAX_PAGE_SIZE = 10_000


class ReadPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
