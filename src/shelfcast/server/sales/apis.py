"""The sales API: ``POST /api/transactions/`` (till, admin)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shelfcast.server.accounts.permissions import CanIngest
from shelfcast.server.core.metrics import INGEST_LINES
from shelfcast.server.sales.ingest import MAX_ID_LENGTH, MAX_KEY_LENGTH, TransactionErrorCode
from shelfcast.server.api.filters import ReadFilterSerializer
from shelfcast.server.api.pagination import ReadPagination
from shelfcast.server.api.reads import (
    FORMAT_PARAMETER,
    PAGE_PARAMETERS,
    ReadApi,
    download_responses,
    paginated,
)
from shelfcast.server.live.selectors import live_clock_get, live_states, live_store_nowcasts
from shelfcast.server.sales.selectors import (
    live_day_get,
    live_item_totals,
    live_store_totals,
    sales_list,
    with_store_nowcasts,
    sales_top_list,
)
from shelfcast.server.sales.services import transactions_ingest

__all__ = ["TransactionIngestApi", "SalesListApi", "SalesTopApi", "LiveApi"]


class TransactionLineSerializer(serializers.Serializer):
    """A till line as DATA_FORMAT.md's ``transactions``. For the documentation: the service
    checks the batch as a whole and rejects each bad line on its own."""

    transaction_id = serializers.CharField(max_length=MAX_ID_LENGTH)
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with a time zone")
    store_id = serializers.CharField(max_length=MAX_KEY_LENGTH)
    item_id = serializers.CharField(max_length=MAX_KEY_LENGTH)
    quantity = serializers.FloatField(help_text="Units; negative for a return")
    unit_price = serializers.FloatField(min_value=0, required=False, allow_null=True)


class TransactionRejectionSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the line in the batch, from 0")
    error = serializers.ChoiceField(choices=[c.value for c in TransactionErrorCode])
    message = serializers.CharField()


class TransactionIngestApi(APIView):
    """Store a batch of till lines, idempotently (by ``transaction_id``)."""

    permission_classes = [CanIngest]

    @staticmethod
    def batch_lines(body: object) -> list:
        """The body's list of lines, checked as a whole: a serializer field would run its
        validation once per line, and the service checks the lines column by column."""
        lines = body.get("transactions") if isinstance(body, dict) else None
        if not isinstance(lines, list):
            raise serializers.ValidationError({"transactions": [
                'expected a JSON object {"transactions": [...]} holding a list of lines, got '
                + (f"{type(lines).__name__} in 'transactions'" if isinstance(body, dict)
                   else f"a {type(body).__name__} body")]})
        limit = settings.SHELFCAST_MAX_TRANSACTIONS
        if len(lines) > limit:
            raise serializers.ValidationError({"transactions": [
                f"{len(lines)} lines in one batch; at most {limit} are accepted"]})
        return lines

    @extend_schema(
        operation_id="transactions_ingest",
        summary="Ingest till lines",
        description=(
            "Stores a batch idempotently: a line whose `transaction_id` is already stored with "
            "the same content counts as `duplicate`; with a different content it is rejected "
            "(`conflict`) and never applied. Each malformed line, or one naming an unknown "
            "store or item, is rejected on its own; the others are accepted. Roles: till, admin."
        ),
        request=inline_serializer("TransactionBatch", {
            "transactions": TransactionLineSerializer(many=True),
        }),
        responses={200: inline_serializer("TransactionIngestResult", {
            "accepted": serializers.IntegerField(help_text="Lines stored now"),
            "duplicate": serializers.IntegerField(
                help_text="Lines already stored (or sent twice) with the same content"),
            "rejected": TransactionRejectionSerializer(many=True),
        })},
        tags=["live"],
        examples=[OpenApiExample("a sale and a return", request_only=True, value={
            "transactions": [
                {"transaction_id": "S01-20240301-000001",
                 "timestamp": "2024-03-01T09:15:00+01:00", "store_id": "S01",
                 "item_id": "I0001", "quantity": 2, "unit_price": 1.99},
                {"transaction_id": "S01-20240301-000002",
                 "timestamp": "2024-03-01T09:17:30+01:00", "store_id": "S01",
                 "item_id": "I0001", "quantity": -1, "unit_price": 1.99},
            ]})],
    )
    def post(self, request: Request) -> Response:
        result = transactions_ingest(lines=self.batch_lines(request.data))
        INGEST_LINES.labels("accepted").inc(result.accepted)
        INGEST_LINES.labels("duplicate").inc(result.duplicate)
        INGEST_LINES.labels("rejected").inc(len(result.rejected))
        # Plain dicts (the schema above documents them): no serializer per rejected line.
        return Response({"accepted": result.accepted, "duplicate": result.duplicate,
                         "rejected": [{"index": r.index, "error": str(r.error),
                                       "message": r.message} for r in result.rejected]})


_FILTER_DOC = "Filters: store_id, item_id, category (comma-separated lists), date_from, date_to."


class SalesListApi(ReadApi):
    """Daily sales, or sums per week/month and per store/category/item (viewer, analyst, admin)."""

    class FilterSerializer(serializers.Serializer):
        by = serializers.ChoiceField(choices=["day", "week", "month"], default="day",
                                     help_text="day, or week (from Monday) / month sums")
        group = serializers.ChoiceField(choices=["store", "category", "item"], required=False,
                                        help_text="sum over the other key (default: per store "
                                                  "and item)")

    @extend_schema_serializer(component_name="SalesRow")
    class OutputSerializer(serializers.Serializer):
        date = serializers.DateField(help_text="The day, or the first day of the week/month")
        store_id = serializers.CharField(required=False)
        item_id = serializers.CharField(required=False)
        category = serializers.CharField(required=False)
        sales = serializers.FloatField()
        price = serializers.FloatField(required=False, allow_null=True)
        promo = serializers.FloatField(required=False, allow_null=True)
        open = serializers.FloatField(required=False, allow_null=True)
        stockout = serializers.FloatField(required=False, allow_null=True)

    @extend_schema(
        operation_id="sales_list", tags=["reads"], description=_FILTER_DOC,
        parameters=[ReadFilterSerializer, FilterSerializer, FORMAT_PARAMETER, *PAGE_PARAMETERS],
        responses=download_responses(paginated("PaginatedSales", OutputSerializer(many=True))),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        options = self.FilterSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        rows, columns = sales_list(filters=self.read_filters(request),
                                   by=options.validated_data["by"],
                                   group=options.validated_data.get("group"))
        return self.rows_response(request, rows, columns, name="sales")


class SalesTopApi(ReadApi):
    """The best sellers over the filtered days: total sales per item (or store, category)."""

    class FilterSerializer(serializers.Serializer):
        group = serializers.ChoiceField(choices=["item", "store", "category"], default="item")

    @extend_schema_serializer(component_name="SalesTopRow")
    class OutputSerializer(serializers.Serializer):
        item_id = serializers.CharField(required=False)
        store_id = serializers.CharField(required=False)
        category = serializers.CharField(required=False)
        sales = serializers.FloatField()
        revenue = serializers.FloatField(
            allow_null=True, help_text="Sales x price over the days with a price (null: none)")

    @extend_schema(
        operation_id="sales_top", tags=["reads"], description=_FILTER_DOC,
        parameters=[ReadFilterSerializer, FilterSerializer, FORMAT_PARAMETER, *PAGE_PARAMETERS],
        responses=download_responses(paginated("PaginatedSalesTop", OutputSerializer(many=True))),
    )
    def get(self, request: Request) -> Response | HttpResponse:
        options = self.FilterSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        rows, columns = sales_top_list(filters=self.read_filters(request),
                                       group=options.validated_data["group"])
        return self.rows_response(request, rows, columns, name="sales_top")


class LiveApi(ReadApi):
    """Today's running totals per store and per store and item (INTERFACES.md ``/api/live/``).

    ``nowcast_today``: today's expected final total (``shelfcast.server.live.selectors``);
    ``forecast_tomorrow`` and ``quantiles``: the live model's forecast for tomorrow given the
    nowcast, else the published one (null when there is neither).
    """

    class FilterSerializer(serializers.Serializer):
        date = serializers.DateField(required=False,
                                     help_text="The business day (default: today by the "
                                               "business clock)")
        order = serializers.ChoiceField(
            choices=["store_item", "units"], default="store_item",
            help_text="Order of the items: by store and item (default), or most units first "
                      "(with page_size, the day's top items)")
        nowcast = serializers.BooleanField(
            default=False,
            help_text="Also each store's nowcast_today and forecast_today (sums over its "
                      "items); stores with a forecast for the day but no line yet are listed "
                      "too, with 0 units")

    @extend_schema_serializer(component_name="LiveStore")
    class StoreSerializer(serializers.Serializer):
        store_id = serializers.CharField()
        lines = serializers.IntegerField()
        units = serializers.FloatField()
        nowcast_today = serializers.FloatField(required=False,
                                               help_text="With nowcast=true only")
        forecast_today = serializers.FloatField(required=False, allow_null=True,
                                                help_text="With nowcast=true only")

    @extend_schema_serializer(component_name="LiveItem")
    class OutputSerializer(serializers.Serializer):
        store_id = serializers.CharField()
        item_id = serializers.CharField()
        units = serializers.FloatField()
        lines = serializers.IntegerField()
        nowcast_today = serializers.FloatField(allow_null=True)
        forecast_tomorrow = serializers.FloatField(allow_null=True)
        quantiles = serializers.DictField(child=serializers.FloatField(), allow_null=True)

    @extend_schema(
        operation_id="live", tags=["live"],
        parameters=[ReadFilterSerializer, FilterSerializer, *PAGE_PARAMETERS],
        responses={200: inline_serializer("Live", {
            "date": serializers.DateField(allow_null=True),
            "stores": StoreSerializer(many=True),
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": OutputSerializer(many=True),
        })},
    )
    def get(self, request: Request) -> Response:
        options = self.FilterSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        filters = self.read_filters(request)
        day = live_day_get(on=options.validated_data.get("date"))
        paginator = ReadPagination()
        if day is None:
            page: list[dict] = []
            paginator.paginate_queryset([], request, view=self)
            stores: list[dict] = []
            clock = None
        else:
            stores = live_store_totals(day=day, filters=filters)
            clock = live_clock_get(day=day)  # read once for the stores and the items
            if options.validated_data["nowcast"]:
                stores = with_store_nowcasts(stores, live_store_nowcasts(
                    day=day, filters=filters, clock=clock))
            page = list(paginator.paginate_queryset(
                live_item_totals(day=day, filters=filters,
                                 order=options.validated_data["order"]),
                request, view=self) or [])
        states = {} if day is None else {
            (st.store_id, st.item_id): st
            for st in live_states(keys={(r["store_id"], r["item_id"]) for r in page}, day=day,
                                  clock=clock)}
        results = [{
            "store_id": r["store_id"], "item_id": r["item_id"], "units": r["units"],
            "lines": r["lines"], "nowcast_today": states[(r["store_id"], r["item_id"])].nowcast_today,
            "forecast_tomorrow": states[(r["store_id"], r["item_id"])].forecast_tomorrow,
            "quantiles": states[(r["store_id"], r["item_id"])].quantiles,
        } for r in page]
        response = paginator.get_paginated_response(results)
        response.data = {"date": day, "stores": stores, **response.data}
        return response
