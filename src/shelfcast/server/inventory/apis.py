"""The inventory API: ``GET /api/inventory/``."""

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
from shelfcast.server.inventory.selectors import inventory_list

__all__ = ["InventoryListApi"]


class InventoryListApi(ReadApi):
    """Inventory snapshots, as DATA_FORMAT.md's ``inventory`` (viewer, analyst, admin)."""

    @extend_schema_serializer(component_name="InventoryRow")
    class OutputSerializer(serializers.Serializer):
        store_id = serializers.CharField()
        item_id = serializers.CharField()
        as_of = serializers.DateField()
        on_hand = serializers.FloatField()
        on_order = serializers.FloatField(allow_null=True)
        next_arrival_date = serializers.DateField(allow_null=True)
        lead_time_days = serializers.IntegerField(allow_null=True)
        review_period_days = serializers.IntegerField(allow_null=True)
        service_level = serializers.FloatField(allow_null=True)
        pack_size = serializers.IntegerField(allow_null=True)
        min_order = serializers.FloatField(allow_null=True)
        max_stock = serializers.FloatField(allow_null=True)
        unit_cost = serializers.FloatField(allow_null=True)
        shelf_life_days = serializers.FloatField(allow_null=True)

    @extend_schema(
        operation_id="inventory_list", tags=["reads"],
        description="Filters: store_id, item_id, category; date_from/date_to on as_of.",
        parameters=[ReadFilterSerializer, FORMAT_PARAMETER, *PAGE_PARAMETERS],
        responses=download_responses(paginated("PaginatedInventory", OutputSerializer(many=True))),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        rows, columns = inventory_list(filters=self.read_filters(request))
        return self.rows_response(request, rows, columns, name="inventory")
