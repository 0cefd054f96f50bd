"""``GET /api/monitoring/``: accuracy over time, drift and alerts for the Models page."""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shelfcast.server.accounts.permissions import CanRead
from shelfcast.server.monitoring.selectors import model_version_compare, monitoring_overview

__all__ = ["MonitoringApi", "ModelCompareApi"]

# In the schema as a pattern too, so clients (and the conformance test) know NUL is refused.
_NO_NUL = RegexValidator(r"^[^\x00]*$", "Null characters are not allowed.")


def _text(**kwargs: object) -> serializers.CharField:
    # Not trimmed: " " is a string the schema allows, so it must be an unknown version (404),
    # not a blank field (400).
    return serializers.CharField(validators=[_NO_NUL], trim_whitespace=False, **kwargs)  # type: ignore[arg-type]


class MonitoringApi(APIView):
    """The forecasts' accuracy as actuals arrived (WAPE, bias, q90 coverage by day, store and
    category), the latest daily run's feature drift (PSI) and alerts (viewer, analyst,
    admin)."""

    permission_classes = [CanRead]

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        store_id = _text(required=False)
        category = _text(required=False)

    @extend_schema_serializer(component_name="MonitoringAccuracy")
    class AccuracySerializer(serializers.Serializer):
        rows = serializers.IntegerField()
        actual = serializers.FloatField()
        forecast = serializers.FloatField()
        wape = serializers.FloatField(allow_null=True)
        bias = serializers.FloatField(allow_null=True)
        coverage_q90 = serializers.FloatField(allow_null=True)
        date = serializers.DateField(required=False)
        store_id = serializers.CharField(required=False)
        category = serializers.CharField(required=False)

    @extend_schema_serializer(component_name="MonitoringDrift")
    class DriftSerializer(serializers.Serializer):
        run_date = serializers.DateField()
        feature = serializers.CharField()
        psi = serializers.FloatField()
        reference_rows = serializers.IntegerField()
        recent_rows = serializers.IntegerField()
        reference_mean = serializers.FloatField(allow_null=True)
        recent_mean = serializers.FloatField(allow_null=True)
        model_version = serializers.CharField()

    @extend_schema_serializer(component_name="MonitoringAlert")
    class AlertSerializer(serializers.Serializer):
        run_date = serializers.DateField()
        kind = serializers.CharField()
        subject = serializers.CharField()
        value = serializers.FloatField()
        threshold = serializers.FloatField()
        message = serializers.CharField()

    @extend_schema_serializer(component_name="Monitoring")
    class OutputSerializer(serializers.Serializer):
        latest_run = serializers.DateField(allow_null=True)
        thresholds = serializers.DictField(child=serializers.FloatField())
        chain = serializers.ListField(child=serializers.DictField())
        accuracy = serializers.ListField(child=serializers.DictField())
        window = serializers.ListField(child=serializers.DictField())
        drift = serializers.ListField(child=serializers.DictField())
        alerts = serializers.ListField(child=serializers.DictField())

    @extend_schema(operation_id="monitoring", tags=["models"], parameters=[FilterSerializer],
                   responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        overview = monitoring_overview(**filters.validated_data)
        out = {
            **overview,
            "chain": self.AccuracySerializer(overview["chain"], many=True).data,
            "accuracy": self.AccuracySerializer(overview["accuracy"], many=True).data,
            "window": self.AccuracySerializer(overview["window"], many=True).data,
            "drift": self.DriftSerializer(overview["drift"], many=True).data,
            "alerts": self.AlertSerializer(overview["alerts"], many=True).data,
        }
        return Response(self.OutputSerializer(out).data)


class ModelCompareApi(APIView):
    """Two model versions side by side: data range, parameters, features and backtest
    metrics, with ``change`` = b - a for numbers (viewer, analyst, admin)."""

    permission_classes = [CanRead]

    class InputSerializer(serializers.Serializer):
        a = _text(help_text="A registered model version")
        b = _text(help_text="Another, compared with a")

    @extend_schema_serializer(component_name="ModelCompareRow")
    class RowSerializer(serializers.Serializer):
        field = serializers.CharField()
        a = serializers.JSONField(allow_null=True)
        b = serializers.JSONField(allow_null=True)
        change = serializers.JSONField()

    @extend_schema_serializer(component_name="ModelCompare")
    class OutputSerializer(serializers.Serializer):
        a = serializers.CharField()
        b = serializers.CharField()
        rows = serializers.ListField(child=serializers.DictField())

    @extend_schema(operation_id="models_compare", tags=["models"], parameters=[InputSerializer],
                   responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        a, b = params.validated_data["a"], params.validated_data["b"]
        rows = self.RowSerializer(model_version_compare(a=a, b=b), many=True).data
        return Response(self.OutputSerializer({"a": a, "b": b, "rows": rows}).data)
