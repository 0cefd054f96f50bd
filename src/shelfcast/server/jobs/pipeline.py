"""The work behind ``shelfcast load`` and the upload, run and train jobs, in steps:

    train_model      Forecaster().fit -> artifact.save_model -> model_version_register
    live_or_trained  the live version, or a first one trained when none exists
    forecast_and_replenish   the live model's forecast of the dataset, then proposals
    publish          the dataset, the forecast, orders and alerts into the database, in one
                     transaction (so a crash leaves all of it or none of it)

Publishing is idempotent: every table is upserted by its key, so publishing the same
dataset twice leaves the same rows as once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings as django_settings
from django.db import transaction

from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import ITEM, STORE
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.artifact import save_model
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.server.forecasts.models import ModelVersion
from shelfcast.server.forecasts.publishing import forecast_publish
from shelfcast.server.forecasts.services import model_version_promote, model_version_register
from shelfcast.server.jobs.services import dataset_load
from shelfcast.server.orders.publishing import alerts_publish, orders_publish

__all__ = ["Outputs", "model_dir", "train_model", "live_or_trained", "forecast_and_replenish",
           "publish", "current_dataset_dir", "remember_dataset_dir"]

CURRENT_DATASET_FILE = "current-dataset.txt"
"""In the workspace: the folder last loaded, the 'current data' a run job works on."""


@dataclass(frozen=True)
class Outputs:
    model_version: str
    forecast: pl.DataFrame
    orders: pl.DataFrame | None
    alerts: pl.DataFrame | None


def model_dir() -> Path:
    return Path(django_settings.SHELFCAST_HOME) / "models"


def current_dataset_dir() -> Path | None:
    marker = Path(django_settings.SHELFCAST_HOME) / CURRENT_DATASET_FILE
    if not marker.is_file():
        return None
    return Path(marker.read_text().strip())


def remember_dataset_dir(folder: Path) -> None:
    marker = Path(django_settings.SHELFCAST_HOME) / CURRENT_DATASET_FILE
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(folder.resolve()))


def train_model(dataset: Dataset, *, promote: bool = False, source: str = "") -> ModelVersion:
    """Fit the forecaster on ``dataset``, save it as a new version and register it (it is
    live when it is the first one, or when ``promote``)."""
    core = django_settings.SHELFCAST
    model = Forecaster(country=core.country).fit(dataset)
    folder = save_model(model, model_dir(), metadata={
        "data": {"source": source, "rows": dataset.sales.height}})
    row = model_version_register(path=folder)
    if promote and not row.is_live:
        row = model_version_promote(version=row.version)
    return row


def live_or_trained(dataset: Dataset, *, source: str = "",
                    on_trained: Callable[[str], None] | None = None) -> ModelVersion:
    """The live model version; when none exists, train one on ``dataset`` first."""
    live = ModelVersion.objects.filter(is_live=True).first()
    if live is not None:
        return live
    row = train_model(dataset, promote=True, source=source)
    if on_trained is not None:
        on_trained(row.version)
    return row


def forecast_and_replenish(dataset: Dataset, version: ModelVersion) -> Outputs:
    """The forecast of ``dataset`` by the model ``version`` (rolled forward to the data's
    last day when it was trained on fewer days), and order proposals and alerts from it."""
    from shelfcast.replenish.proposals import propose

    core = django_settings.SHELFCAST
    model = Forecaster.load(Path(version.path))
    if dataset.last_date > model.last_date_:
        model.update(dataset.sales)  # newer days than the model knew: roll forward, no refit
    elif dataset.last_date < model.last_date_:
        raise ShelfcastError(
            f"the live model {version.version} has seen sales up to {model.last_date_}, after "
            f"the data's last day {dataset.last_date}: it cannot forecast from an earlier day; "
            "train and promote a model on these data first (`shelfcast train`, "
            "POST /api/models/train/)",
            details={"model_version": version.version, "model_last_date": str(model.last_date_),
                     "data_last_date": str(dataset.last_date)})
    forecast = model.predict(dataset.future, horizon=core.horizon_days)
    known = dataset.sales.select(STORE, ITEM).unique()
    forecast = forecast.join(known, on=[STORE, ITEM], how="semi")
    if dataset.inventory is None or dataset.inventory.is_empty():
        return Outputs(version.version, forecast, None, None)
    proposals = propose(forecast, dataset.inventory, settings=core, as_of=dataset.last_date,
                        sales=dataset.sales, future=dataset.future, events=dataset.events,
                        items=dataset.items)
    return Outputs(version.version, forecast, proposals.orders, proposals.alerts)


def publish(dataset: Dataset, outputs: Outputs,
            finish: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Load ``dataset`` and publish ``outputs``, in one transaction; ``finish`` (the job's
    completion) runs inside it, so the job is marked done exactly when its writes are."""
    with transaction.atomic():
        loaded = dataset_load(dataset=dataset)
        counts: dict[str, Any] = {
            "stores": loaded.stores, "items": loaded.items, "sales_rows": loaded.sales_rows,
            "inventory_rows": loaded.inventory_rows, "model_version": outputs.model_version,
            "forecasts": forecast_publish(forecast=outputs.forecast,
                                          model_version=outputs.model_version),
            "orders": 0, "alerts": 0,
        }
        if outputs.orders is not None:
            counts["orders"] = orders_publish(orders=outputs.orders)
        if outputs.alerts is not None:
            assert dataset.inventory is not None  # alerts come from the inventory's SKUs
            counts["alerts"] = alerts_publish(alerts=outputs.alerts,
                                              covered=dataset.inventory.select(STORE, ITEM))
        if finish is not None:
            finish(counts)
    return counts
