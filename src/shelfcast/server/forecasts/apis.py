"""The forecasts API: ``GET /api/forecasts/`` (the published forecasts)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from shelfcast.server.api.filters import ReadFilterSerializer
from shelfcast.server.api.reads import (
    FORMAT_PARAMETER,
    PAGE_PARAMETERS,
    ReadApi,
    download_responses,
    paginated,
)
from shelfcast.server.forecasts.selectors import published_forecast_list

__all__ = ["ForecastListApi"]


class ForecastListApi(ReadApi):
    """Published forecasts, as the forecast file: date, store_id, item_id, forecast, one column
    per quantile (q10, q50, q80, q90, q95, q99...), and the model version (viewer, analyst,
    admin)."""

    @extend_schema_serializer(component_name="ForecastRow")
    class OutputSerializer(serializers.Serializer):
        date = serializers.DateField()
        store_id = serializers.CharField()
        item_id = serializers.CharField()
        forecast = serializers.FloatField()
        model_version = serializers.CharField(allow_null=True)
        q50 = serializers.FloatField(required=False, help_text="and the other quantiles, qP")

    @extend_schema(
        operation_id="forecasts_list", tags=["reads"],
        description="Filters: store_id, item_id, category, date_from, date_to.",
        parameters=[ReadFilterSerializer, FORMAT_PARAMETER, *PAGE_PARAMETERS],
        responses=download_responses(paginated("PaginatedForecasts", OutputSerializer(many=True))),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        rows, columns = published_forecast_list(filters=self.read_filters(request))
        return self.rows_response(request, rows, columns, name="forecasts", expand="quantiles")
