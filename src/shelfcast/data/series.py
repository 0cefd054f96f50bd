"""Integer codes for the series of ``sales``, and per-series statistics, without string sorts.

Sorting or grouping 10 million rows by two string columns costs seconds; the ids are few
(stores x items). Each id gets its rank among the distinct ids (an ``Enum`` cast, a hash
look-up per row), so one ``Int64`` per row orders rows exactly as sorting by
``store_id, item_id, date`` would (byte order, as Polars sorts strings).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shelfcast.data.schema import DATE, ITEM, SALES, STORE

__all__ = ["SeriesIndex", "series_index", "series_stats"]


@dataclass(frozen=True)
class SeriesIndex:
    """``sid``: the series of each row (rank of its store, then of its item); ``key``: the
    series then the date, so that sorting by ``key`` sorts by store, item, date."""

    stores: pl.Series
    items: pl.Series
    sid: pl.Series
    key: pl.Series
    runs: pl.DataFrame | None = None
    """When the rows came sorted: the ids of each series, ``sid`` being the position here."""

    def ids(self, sid: pl.Series) -> pl.DataFrame:
        """``store_id``, ``item_id`` of series codes."""
        if self.runs is not None:
            return self.runs[sid.cast(pl.UInt32)]
        n = self.items.len()
        return pl.DataFrame({
            STORE: self.stores.gather((sid // n).cast(pl.UInt32)),
            ITEM: self.items.gather((sid % n).cast(pl.UInt32)),
        })

    def in_order(self) -> bool:
        return bool((self.key.diff().fill_null(0) >= 0).all())

    def sort(self, frame: pl.DataFrame, order: pl.Series) -> pl.DataFrame:
        """``frame`` (the frame indexed) in ``order``; the ids are rebuilt from the codes,
        which is cheaper than moving 10 million strings about."""
        ids = self.ids(self.sid.gather(order))
        rest = frame.drop(STORE, ITEM)[order]
        return rest.with_columns(ids[STORE], ids[ITEM]).select(frame.columns)


def _codes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    distinct = values.unique().sort()
    return distinct, values.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64)


def series_index(frame: pl.DataFrame) -> SeriesIndex:
    """Codes for ``frame`` (keys typed and without nulls)."""
    day = frame[DATE].to_physical().cast(pl.Int64)
    first = int(day.min())  # type: ignore[arg-type]
    span = int(day.max()) - first + 1  # type: ignore[operator]
    sorted_index = _sorted_runs(frame)
    if sorted_index is not None:
        runs, sid = sorted_index
        key = sid * span + (day - first)
        return SeriesIndex(runs[STORE], runs[ITEM], sid.alias("sid"), key.alias("key"), runs)
    stores, store_code = _codes(frame[STORE])
    items, item_code = _codes(frame[ITEM])
    sid = store_code * items.len() + item_code
    # stores x items x days stays far below 2**63 for any real chain (1e4 x 1e5 x 1e4 = 1e13).
    key = sid * span + (day - first)
    return SeriesIndex(stores, items, sid.alias("sid"), key.alias("key"))


def _sorted_runs(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series] | None:
    """When ``frame`` is already sorted by store, item, date (most exports are): the ids of
    each run of one series and the run of each row, found by comparing neighbours only."""
    store, item = pl.col(STORE), pl.col(ITEM)
    new = ((store != store.shift(1)) | (item != item.shift(1))).fill_null(True)
    flags = frame.select(
        new.alias("new"),
        (new | (pl.col(DATE) >= pl.col(DATE).shift(1))).fill_null(True).all().alias("dates"))
    if not flags["dates"][0]:
        return None
    runs = frame.filter(flags["new"]).select(STORE, ITEM)
    ascending = runs.select(
        ((store > store.shift(1)) | ((store == store.shift(1)) & (item > item.shift(1))))
        .fill_null(True).all()).item()
    if not ascending:
        return None
    return runs, flags["new"].cast(pl.Int64).cum_sum() - 1


def series_stats(frame: pl.DataFrame, index: SeriesIndex) -> pl.DataFrame:
    """One row per series, in store, item order: ``store_id, item_id, sid, rows, first,
    last, last_sale`` (null when it never sold), ``usual`` (median non-zero sales),
    ``top`` (the highest day), ``missing`` (days absent inside its span)."""
    positive = pl.col(SALES) > 0
    stats = pl.DataFrame([index.sid, frame[DATE], frame[SALES]]).group_by("sid").agg(
        pl.len().alias("rows"),
        pl.col(DATE).min().alias("first"),
        pl.col(DATE).max().alias("last"),
        pl.col(DATE).filter(positive).max().alias("last_sale"),
        pl.col(SALES).filter(positive).median().alias("usual"),
        pl.col(SALES).max().alias("top"),
    ).sort("sid").with_columns(
        ((pl.col("last") - pl.col("first")).dt.total_days() + 1 - pl.col("rows")).alias("missing"),
    )
    return pl.concat([index.ids(stats["sid"]), stats], how="horizontal")
