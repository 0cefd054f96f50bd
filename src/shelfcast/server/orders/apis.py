"""The orders API: ``GET /api/orders/`` and ``GET /api/alerts/``."""

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
from shelfcast.server.orders.models import AlertKind
from shelfcast.server.orders.selectors import alert_list, order_proposal_list

__all__ = ["OrderListApi", "AlertListApi"]


class OrderListApi(ReadApi):
    """Order proposals, as the orders file (viewer, analyst, admin)."""

    @extend_schema_serializer(component_name="OrderRow")
    class OutputSerializer(serializers.Serializer):
        store_id = serializers.CharField()
        item_id = serializers.CharField()
        order_date = serializers.DateField()
        quantity = serializers.FloatField()
        packs = serializers.IntegerField()
        arrival_date = serializers.DateField()
        projected_on_hand_at_arrival = serializers.FloatField()
        days_of_cover = serializers.FloatField(allow_null=True)
        service_level = serializers.FloatField()
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(
        operation_id="orders_list", tags=["reads"],
        description="Filters: store_id, item_id, category; date_from/date_to on order_date.",
        parameters=[ReadFilterSerializer, FORMAT_PARAMETER, *PAGE_PARAMETERS],
        responses=download_responses(paginated("PaginatedOrders", OutputSerializer(many=True))),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        rows, columns = order_proposal_list(filters=self.read_filters(request))
        return self.rows_response(request, rows, columns, name="orders")


class AlertListApi(ReadApi):
    """Active alerts, newest first, as the alerts file plus when each was raised."""

    class FilterSerializer(serializers.Serializer):
        include_resolved = serializers.BooleanField(default=False)

    @extend_schema_serializer(component_name="AlertRow")
    class OutputSerializer(serializers.Serializer):
        store_id = serializers.CharField()
        item_id = serializers.CharField()
        kind = serializers.ChoiceField(choices=AlertKind.values)
        projected_stockout_date = serializers.DateField(allow_null=True)
        on_hand = serializers.FloatField()
        message = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="alerts_list", tags=["reads"],
        description="Filters: store_id, item_id, category; date_from/date_to on the day raised.",
        parameters=[ReadFilterSerializer, FilterSerializer, FORMAT_PARAMETER, *PAGE_PARAMETERS],
        responses=download_responses(paginated("PaginatedAlerts", OutputSerializer(many=True))),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        options = self.FilterSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        rows, columns = alert_list(filters=self.read_filters(request),
                                   include_resolved=options.validated_data["include_resolved"])
        return self.rows_response(request, rows, columns, name="alerts")
