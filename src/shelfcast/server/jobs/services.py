"""Writes of the jobs app. ``job_submit``: a queued job, for ``shelfcast worker`` to run;
``dataset_load``: a validated dataset folder into the database (what ``shelfcast load`` and
an upload job do). The claim, the lease and the end of a job are in ``queue.py``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import polars as pl
from django.db import transaction

from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, INVENTORY_COLUMNS, ITEM, SALES, STORE
from shelfcast.errors import ShelfcastError
from shelfcast.server.catalog.services import items_upsert, stores_upsert
from shelfcast.server.core.bulk import frame_upsert
from shelfcast.server.inventory.models import InventorySnapshot
from shelfcast.server.jobs.models import Job, JobKind
from shelfcast.server.sales.models import DailySales
from shelfcast.server.sales.rollups import sales_rollups_refresh

__all__ = ["LoadResult", "dataset_load", "job_submit", "upload_submit"]

SALES_COLUMNS = (DATE, STORE, ITEM, SALES, "price", "promo", "open", "stockout")
_INTEGER_INVENTORY = ("lead_time_days", "review_period_days", "pack_size")


def job_submit(*, kind: str, params: dict | None = None, created_by=None) -> Job:
    """Store a queued job of ``kind`` (upload, run, train, load); a worker runs it.

    ``params`` must be JSON (paths as strings); ``created_by`` is the ApiToken that asked.
    """
    if kind not in JobKind.values:
        raise ShelfcastError(f"unknown job kind {kind!r} (expected one of {JobKind.values})",
                             details={"kind": kind})
    return Job.objects.create(kind=kind, params=dict(params or {}), created_by=created_by)


@dataclass(frozen=True)
class LoadResult:
    stores: int
    items: int
    sales_rows: int
    inventory_rows: int


@transaction.atomic
def dataset_load(*, dataset: Dataset) -> LoadResult:
    """Upsert the dataset's stores, items (with category), daily sales and inventory.

    Stores and items named only in ``sales`` (or ``inventory``) are created without
    attributes. A row already stored for the same key (store, item, date; or store, item,
    as_of) is replaced. Covariate columns of ``sales`` other than price, promo, open and
    stockout stay in the Parquet history, not in the database.
    """
    sales = dataset.sales
    inventory = dataset.inventory
    store_ids = set(sales[STORE].unique().to_list())
    item_ids = set(sales[ITEM].unique().to_list())
    if inventory is not None:
        store_ids |= set(inventory[STORE].unique().to_list())
        item_ids |= set(inventory[ITEM].unique().to_list())
    stores = stores_upsert(ids=store_ids, stores=dataset.stores)
    items = items_upsert(ids=item_ids, items=dataset.items)

    frame = sales.select(
        [pl.col(c).cast(pl.Float64) if c not in (DATE, STORE, ITEM) else pl.col(c)
         for c in SALES_COLUMNS if c in sales.columns])
    sales_rows = frame_upsert(model=DailySales, frame=frame, unique=[STORE, ITEM, DATE])
    if not frame.is_empty():  # the dashboard's roll-ups of the days just loaded
        sales_rollups_refresh(date_from=frame[DATE].min(), date_to=frame[DATE].max())

    inventory_rows = 0
    if inventory is not None and not inventory.is_empty():
        present = [c for c in INVENTORY_COLUMNS if c in inventory.columns]
        inv = inventory.select(present)
        if "as_of" not in inv.columns:
            inv = inv.with_columns(pl.lit(dataset.last_date).alias("as_of"))
        inv = inv.with_columns(
            pl.col("as_of").fill_null(dataset.last_date),
            *[pl.col(c).cast(pl.Int64) for c in _INTEGER_INVENTORY if c in inv.columns],
        )
        inventory_rows = frame_upsert(model=InventorySnapshot, frame=inv,
                                      unique=[STORE, ITEM, "as_of"])
    return LoadResult(stores=stores, items=items, sales_rows=sales_rows,
                      inventory_rows=inventory_rows)


def upload_submit(*, files: list, created_by=None) -> Job:
    """Check the uploaded files (``uploads.check_upload``), save them under
    ``uploads/<job id>/``, then queue the upload job: the worker never sees a job whose
    files are not all written."""
    from shelfcast.server.jobs.uploads import check_upload, save_upload

    archive = check_upload(files)
    job_id = uuid.uuid4()
    saved = save_upload(files, job_id)
    params = {"files": saved, **({"archive": archive} if archive else {})}
    return Job.objects.create(id=job_id, kind=JobKind.UPLOAD, params=params,
                              created_by=created_by)
