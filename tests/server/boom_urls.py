"""A URLconf for the error tests: the real routes plus views that fail on purpose."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from shelfcast.errors import DataValidationError, ModelNotFoundError
from shelfcast.server.urls import handler404, handler500, urlpatterns as real  # noqa: F401


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals /etc/passwd")


class DrfBoom(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> HttpResponse:
        raise RuntimeError("secret internals /etc/passwd")


class CoreError(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> HttpResponse:
        if request.query_params.get("kind") == "model":
            raise ModelNotFoundError("no model version 'v9'", details={"version": "v9"})
        raise DataValidationError("sales.csv: 2 rows have negative sales", details={"rows": [3, 7]})


urlpatterns = [
    *real,
    path("boom/plain/", plain_boom),
    path("boom/drf/", DrfBoom.as_view()),
    path("boom/core/", CoreError.as_view()),
]
