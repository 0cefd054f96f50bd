"""URLs: the API under ``/api/``, ``/metrics``, ``/admin/``; every other path answers 404
in the error shape."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from shelfcast.server.api import handlers
from shelfcast.server.core.apis import HealthApi
from shelfcast.server.core.metrics import metrics_view
from shelfcast.server.forecasts.apis import (
    ForecastListApi, ModelListApi, ModelPromoteApi, ModelTrainApi, PredictApi, SeedPredictApi,
)
from shelfcast.server.inventory.apis import InventoryListApi
from shelfcast.server.jobs.apis import JobDetailApi, JobListApi, JobResultApi, RunApi, UploadApi
from shelfcast.server.monitoring.apis import ModelCompareApi, MonitoringApi
from shelfcast.server.orders.apis import AlertListApi, OrderListApi
from shelfcast.server.sales.apis import LiveApi, SalesListApi, SalesTopApi, TransactionIngestApi

api_urlpatterns = [
    path("api/health/", HealthApi.as_view(), name="health"),
    path("api/transactions/", TransactionIngestApi.as_view(), name="transactions-ingest"),
    path("api/sales/", SalesListApi.as_view(), name="sales-list"),
    path("api/sales/top/", SalesTopApi.as_view(), name="sales-top"),
    path("api/inventory/", InventoryListApi.as_view(), name="inventory-list"),
    path("api/forecasts/", ForecastListApi.as_view(), name="forecasts-list"),
    path("api/predict/", PredictApi.as_view(), name="predict"),
    path("predict/", SeedPredictApi.as_view(), name="predict-seed"),
    path("api/models/", ModelListApi.as_view(), name="models-list"),
    path("api/models/train/", ModelTrainApi.as_view(), name="models-train"),
    path("api/models/compare/", ModelCompareApi.as_view(), name="models-compare"),
    path("api/models/<str:version>/promote/", ModelPromoteApi.as_view(), name="models-promote"),
    path("api/orders/", OrderListApi.as_view(), name="orders-list"),
    path("api/alerts/", AlertListApi.as_view(), name="alerts-list"),
    path("api/live/", LiveApi.as_view(), name="live"),
    path("api/uploads/", UploadApi.as_view(), name="uploads-create"),
    path("api/runs/", RunApi.as_view(), name="runs-create"),
    path("api/jobs/", JobListApi.as_view(), name="jobs-list"),
    path("api/jobs/<str:job_id>/", JobDetailApi.as_view(), name="jobs-detail"),
    path("api/jobs/<str:job_id>/results/<str:name>/", JobResultApi.as_view(),
         name="jobs-result"),
    path("api/monitoring/", MonitoringApi.as_view(), name="monitoring"),
]

urlpatterns = [
    *api_urlpatterns,
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
]

handler400 = handlers.bad_request
handler403 = handlers.permission_denied
handler404 = handlers.page_not_found
handler500 = handlers.server_error
