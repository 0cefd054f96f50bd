"""Open endpoints: ``GET /api/health/``."""

from __future__ import annotations

from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shelfcast import __version__

__all__ = ["HealthApi"]


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


_HEALTH = inline_serializer("Health", {
    "status": serializers.ChoiceField(choices=["ok", "unavailable"]),
    "database": serializers.ChoiceField(choices=["ok", "unreachable"]),
    "database_vendor": serializers.CharField(),
    "version": serializers.CharField(),
})


class HealthApi(APIView):
    """Is the server up, and can it reach its database? Open to everyone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(operation_id="health", responses={200: _HEALTH, 503: _HEALTH}, tags=["ops"],
                   auth=[])
    def get(self, request: Request) -> Response:
        reachable = _database_reachable()
        return Response(
            {"status": "ok" if reachable else "unavailable",
             "database": "ok" if reachable else "unreachable",
             "database_vendor": connection.vendor,
             "version": __version__},
            status=200 if reachable else 503,
        )
