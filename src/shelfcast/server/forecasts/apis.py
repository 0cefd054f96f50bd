"""The forecasts API: ``GET /api/forecasts/`` (the published forecasts); ``POST /api/predict/``
(the live model, also at ``/predict/``); the model registry ``/api/models/...``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import (
    OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from prometheus_client import Counter
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shelfcast.errors import ShelfcastError
from shelfcast.server.accounts.permissions import CanAnalyse, CanRead, IsAdmin

from shelfcast.server.api.filters import ReadFilterSerializer
from shelfcast.server.api.reads import (
    FORMAT_PARAMETER,
    PAGE_PARAMETERS,
    ReadApi,
    download_responses,
    paginated,
)
from shelfcast.server.forecasts.models import ModelVersion
from shelfcast.server.jobs.apis import JobAcceptedSerializer
from shelfcast.server.jobs.models import JobKind
from shelfcast.server.jobs.services import job_submit
from shelfcast.server.forecasts.predict_input import (
    MAX_PREDICT_ITEMS, PREDICT_REQUEST_SCHEMA, predict_requests_parse,
)
from shelfcast.server.forecasts.prediction_log import prediction_log_add
from shelfcast.server.forecasts.selectors import model_version_list, published_forecast_list
from shelfcast.server.forecasts.services import model_version_promote
from shelfcast.forecast.online import OnlineResult
from shelfcast.server.forecasts.serving import (
    MAX_HORIZON_DAYS, TOP_CONTRIBUTIONS, LiveModel, PredictionInputError, PredictRequest,
    live_model,
)

__all__ = ["ForecastListApi", "PredictApi", "ModelListApi", "ModelPromoteApi", "ModelTrainApi",
           "SeedPredictApi"]


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


PREDICTIONS = Counter("shelfcast_predictions_total", "Store-item-days predicted by /api/predict/")


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ModelUnavailable(APIException):
    status_code = 503
    default_code = "model_unavailable"
    default_detail = ("No model is live: train one (POST /api/models/train/ or `shelfcast load`) "
                      "or promote a version.")


def live_model_or_unavailable() -> LiveModel:
    try:
        model = live_model()
    except ShelfcastError as exc:  # the live version's files are gone or unreadable
        raise ModelUnavailable(f"The live model cannot be loaded: {exc.message}") from exc
    if model is None:
        raise ModelUnavailable()
    return model


UNAVAILABLE = OpenApiResponse(ErrorSerializer, description="No model is live (or it cannot be loaded)")


# -- prediction ------------------------------------------------------------------------------------
@extend_schema_field(PREDICT_REQUEST_SCHEMA["properties"]["items"])
class PredictItemsField(serializers.ListField):
    """Documents ``items`` (the body is checked by ``predict_requests_parse``, not by this)."""


class ContributionSerializer(serializers.Serializer):
    feature = serializers.CharField()
    value = serializers.FloatField()


@extend_schema_serializer(component_name="PredictionRow")
class PredictionSerializer(serializers.Serializer):
    store_id = serializers.CharField()
    item_id = serializers.CharField()
    date = serializers.DateField()
    forecast = serializers.FloatField()
    quantiles = serializers.DictField(child=serializers.FloatField(),
                                      help_text="q10, q50, q80, q90, q95, q99")
    contributions = ContributionSerializer(many=True)


class PredictApi(APIView):
    """Forecasts of the live model for store-item-days, with what-if price and promotion."""

    permission_classes = [CanAnalyse]

    @extend_schema(
        operation_id="predict", tags=["predict"], summary="Predict with the live model",
        description=(
            f"Up to {MAX_PREDICT_ITEMS} store-item-days per call. `date` defaults to tomorrow "
            "(the day after the latest business day of ingested transactions, else two days "
            "after the last sales day) and may reach the live model's last sales day + "
            f"{MAX_HORIZON_DAYS}. `price` and `promo` are what-ifs for that day only. "
            f"`contributions`: the {TOP_CONTRIBUTIONS} largest XGBoost feature contributions "
            "(pred_contribs, approximate: Saabas) to the log of the forecast. Errors name the item index and field "
            "(`details.items`): 404 when only unknown stores/items, 400 otherwise; 503 when no "
            "model is live. Roles: analyst, admin."
        ),
        request=inline_serializer("PredictRequest", {"items": PredictItemsField()}),
        responses={200: inline_serializer("PredictResponse", {
            "model_version": serializers.CharField(),
            "predictions": PredictionSerializer(many=True)}),
            503: UNAVAILABLE},
        examples=[OpenApiExample("what if on promotion", request_only=True, value={
            "items": [{"store_id": "S01", "item_id": "I0001"},
                      {"store_id": "S01", "item_id": "I0001", "price": 1.49, "promo": 1}]})],
    )
    def post(self, request: Request) -> Response:
        requests = predict_requests_parse(request.data)
        model = live_model_or_unavailable()
        try:
            days, result = model.predict_arrays(requests)
        except PredictionInputError as exc:
            items = exc.details.get("items", [])
            unknown = all(p["field"] in ("store_id", "item_id") for p in items)
            return Response(exc.to_dict(), status=404 if unknown else 400)
        forecasts, quantiles = result.mean.tolist(), result.quantiles.tolist()
        token = request.auth
        prediction_log_add(token_id=getattr(token, "pk", None), model_version=model.version,
                           requests=requests, days=days, forecasts=forecasts,
                           quantiles=quantiles, quantile_names=model.quantile_names)
        PREDICTIONS.inc(len(requests))
        return Response({"model_version": model.version,
                         "predictions": _prediction_rows(model, requests, days, forecasts,
                                                         quantiles, result)})


def _prediction_rows(model: LiveModel, requests: list[PredictRequest], days: list[date],
                     forecasts: list[float], quantiles: list[list[float]],
                     result: OnlineResult) -> list[dict[str, Any]]:
    """The answer's rows straight from the arrays (one dict per row, nothing in between)."""
    names, qnames = model.online.names, model.quantile_names
    iso = {d: d.isoformat() for d in set(days)}
    if result.top_features is None or result.top_values is None:
        tops: list[list[dict[str, Any]]] = [[] for _ in requests]
    else:
        tops = [[{"feature": names[f], "value": v} for f, v in zip(fs, vs, strict=True)]
                for fs, vs in zip(result.top_features.tolist(), result.top_values.tolist(),
                                  strict=True)]
    return [{"store_id": r.store_id, "item_id": r.item_id, "date": iso[d], "forecast": m,
             "quantiles": dict(zip(qnames, q, strict=True)), "contributions": t}
            for r, d, m, q, t in zip(requests, days, forecasts, quantiles, tops, strict=True)]


# -- the model registry -----------------------------------------------------------------------------
@extend_schema_serializer(component_name="ModelVersion")
class ModelVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    is_live = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    promoted_at = serializers.DateTimeField(allow_null=True)
    data = serializers.DictField(help_text="first_date, last_date, series, rows, source")
    metrics = serializers.DictField(help_text="The backtest's metrics, when one was run")
    training = serializers.DictField(help_text="rows, trees, notes")


def _model_row(row: ModelVersion) -> dict[str, Any]:
    meta = row.metadata or {}
    return {"version": row.version, "is_live": row.is_live, "created_at": row.created_at,
            "promoted_at": row.promoted_at, "data": meta.get("data") or {},
            "metrics": row.metrics or {}, "training": meta.get("training") or {}}


class ModelListApi(APIView):
    """The registered model versions, newest first, and which one is live."""

    permission_classes = [CanRead]

    @extend_schema(operation_id="models_list", tags=["models"],
                   responses={200: inline_serializer("ModelList", {
                       "results": ModelVersionSerializer(many=True)})})
    def get(self, request: Request) -> Response:
        rows = [_model_row(r) for r in model_version_list()]
        return Response({"results": ModelVersionSerializer(rows, many=True).data})


class ModelPromoteApi(APIView):
    """Make a version the live one; promoting an older version rolls back (admin)."""

    permission_classes = [IsAdmin]

    @extend_schema(operation_id="models_promote", tags=["models"], request=None,
                   responses={200: ModelVersionSerializer})
    def post(self, request: Request, version: str) -> Response:
        row = model_version_promote(version=version)
        row.refresh_from_db()
        return Response(ModelVersionSerializer(_model_row(row)).data)


class ModelTrainApi(APIView):
    """Train a new version on the current data, as a job (analyst, admin)."""

    permission_classes = [CanAnalyse]

    class InputSerializer(serializers.Serializer):
        promote = serializers.BooleanField(
            default=False, help_text="Make the new version live when trained")

    @extend_schema(operation_id="models_train", tags=["models"], request=InputSerializer,
                   description="Queues a training job on the current data (the worker runs "
                               "it); the new version is registered, and made live with "
                               "`promote` (or when no version is live). Roles: analyst, admin.",
                   responses={202: JobAcceptedSerializer})
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        serializer = self.InputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        job = job_submit(kind=JobKind.TRAIN, params=dict(serializer.validated_data),
                         created_by=request.auth)
        return Response({"job_id": str(job.pk), "status": str(job.status),
                         "url": f"/api/jobs/{job.pk}/"}, status=202)


@extend_schema_view(post=extend_schema(
    operation_id="predict_seed", summary="Predict with the live model (the seed's path)",
    description="The same as `POST /api/predict/`, kept at the path of the first version."))
class SeedPredictApi(PredictApi):
    """``POST /predict/``: ``POST /api/predict/`` at the seed's path."""
