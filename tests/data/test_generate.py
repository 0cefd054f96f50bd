"""The synthetic chain: contract types, agreement between tables, and the behaviour its
generating model promises (docs/synthetic-chain.md)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from shelfcast.data.generate import DEFAULT_START, generate_chain, write_chain
from shelfcast.data.schema import (
    DATE, ITEM, OPEN, PROMO, QUANTITY, SALES, STOCKOUT, STORE, TABLES, TIMESTAMP,
)
from shelfcast.errors import ShelfcastError

F, S, D, I64 = pl.Float64, pl.String, pl.Date, pl.Int64
CONTRACT: dict[str, dict[str, pl.DataType]] = {
    "sales": {DATE: D, STORE: S, ITEM: S, SALES: F, "price": F, PROMO: F, OPEN: F, STOCKOUT: F},
    "future": {DATE: D, STORE: S, ITEM: S, "price": F, PROMO: F, OPEN: F},
    "events": {DATE: D, "event": S, STORE: S},
    "stores": {STORE: S, "region": S, "type": S, "size": F},
    "items": {ITEM: S, "category": S, "department": S, "brand": S, "pack_size": I64,
              "unit_cost": F, "shelf_life_days": F},
    "weather": {DATE: D, STORE: S, "temp_max": F, "precip_mm": F},
    "inventory": {STORE: S, ITEM: S, "as_of": D, "on_hand": F, "on_order": F,
                  "next_arrival_date": D, "lead_time_days": I64, "review_period_days": I64,
                  "service_level": F, "pack_size": I64, "min_order": F, "max_stock": F,
                  "unit_cost": F, "shelf_life_days": F},
    "transactions": {"transaction_id": S, TIMESTAMP: pl.Datetime("us", "UTC"), STORE: S,
                     ITEM: S, QUANTITY: F, "unit_price": F},
}


@pytest.fixture(scope="module")
def medium() -> dict[str, pl.DataFrame]:
    """Enough series-days for the statistical effects to show plainly."""
    return generate_chain(stores=4, items=80, days=730, seed=3, transactions_days=0)


def _with_items(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return tables["sales"].join(tables["items"].select(ITEM, "category"), on=ITEM)


def test_every_table_has_the_contract_columns_and_types(chain_tables):
    assert tuple(chain_tables) == TABLES
    for name, schema in CONTRACT.items():
        assert dict(chain_tables[name].schema) == schema, name
        assert chain_tables[name].height > 0, name


def test_same_seed_same_chain_and_another_seed_another(chain_tables):
    again = generate_chain(stores=3, items=20, days=400, seed=0)
    for name in TABLES:
        assert again[name].equals(chain_tables[name]), name
    other = generate_chain(stores=3, items=20, days=400, seed=1)
    assert not other["sales"].equals(chain_tables["sales"])


def test_sales_keys_are_unique_and_values_valid(chain_tables):
    sales = chain_tables["sales"]
    assert sales.select(DATE, STORE, ITEM).is_duplicated().sum() == 0
    assert sales[SALES].min() >= 0
    assert (sales[SALES] == sales[SALES].round()).all()
    assert sales["price"].min() > 0
    assert set(sales[OPEN].unique()) <= {0.0, 1.0}
    assert set(sales[PROMO].unique()) == {0.0, 1.0}


def test_stores_and_items_multiply_into_series(chain_tables):
    series = chain_tables["sales"].select(STORE, ITEM).unique()
    assert series.height == 3 * 20
    assert chain_tables["stores"].height == 3 and chain_tables["items"].height == 20
    assert "ice_cream" in chain_tables["items"]["category"].to_list()


def test_series_start_and_end_at_different_dates(medium):
    spans = medium["sales"].group_by(STORE, ITEM).agg(
        pl.col(DATE).min().alias("first"), pl.col(DATE).max().alias("last")
    )
    last_day = medium["sales"][DATE].max()
    assert spans.filter(pl.col("first") > DEFAULT_START).height > 0  # launches
    assert spans.filter(pl.col("last") < last_day).height > 0  # delistings


def test_future_follows_the_last_sales_day_for_the_listed_series(chain_tables):
    sales, future = chain_tables["sales"], chain_tables["future"]
    last = sales[DATE].max()
    assert last == DEFAULT_START + timedelta(days=399)
    assert future[DATE].min() == last + timedelta(days=1)
    assert future[DATE].max() == last + timedelta(days=28)
    assert future.group_by(STORE, ITEM).len()["len"].unique().to_list() == [28]
    listed = sales.filter(pl.col(DATE) == last).select(STORE, ITEM).sort(STORE, ITEM)
    assert future.select(STORE, ITEM).unique().sort(STORE, ITEM).equals(listed)
    assert SALES not in future.columns and STOCKOUT not in future.columns


def test_weather_covers_history_and_future_for_every_store(chain_tables):
    weather = chain_tables["weather"]
    assert weather.group_by(STORE).len()["len"].unique().to_list() == [400 + 28]
    assert weather[DATE].max() == chain_tables["future"][DATE].max()
    assert weather["precip_mm"].min() >= 0
    assert 0.2 < (weather["precip_mm"] > 0).mean() < 0.6


def test_closed_days_sell_nothing_and_christmas_is_closed(chain_tables):
    sales = chain_tables["sales"]
    closed = sales.filter(pl.col(OPEN) == 0)
    assert closed.height > 0
    assert closed[SALES].sum() == 0 and closed[STOCKOUT].sum() == 0
    assert (sales.filter(pl.col(DATE) == date(2023, 12, 25))[OPEN] == 0).all()
    events = chain_tables["events"]
    assert {"christmas", "easter", "new_year", "black_friday", "payday"} <= set(events["event"])
    assert events.filter(pl.col(STORE).is_not_null()).height > 0  # local events


def test_stockouts_censor_sales(medium):
    s = medium["sales"].filter(pl.col(OPEN) == 1)
    assert 0.003 < s[STOCKOUT].mean() < 0.05
    # Per series, a stockout day sells well below the series' usual day.
    ratio = (
        s.with_columns(pl.col(SALES).mean().over(STORE, ITEM, PROMO).alias("usual"))
        .filter(pl.col("usual") > 2)
        .group_by(STOCKOUT)
        .agg((pl.col(SALES).sum() / pl.col("usual").sum()).alias("ratio"))
        .sort(STOCKOUT)["ratio"]
    )
    assert ratio[1] < 0.45
    assert ratio[0] > 0.9


def test_slow_items_are_intermittent(medium):
    rates = medium["sales"].filter(pl.col(OPEN) == 1).group_by(STORE, ITEM).agg(
        pl.col(SALES).mean().alias("rate"), (pl.col(SALES) == 0).mean().alias("zeros")
    )
    slow = rates.filter(pl.col("rate") < 0.3)
    assert slow.height >= 10
    assert slow["zeros"].mean() > 0.75
    assert rates.filter(pl.col("rate") > 10)["zeros"].mean() < 0.05
    # Over-dispersed counts: variance well above the mean for fast items too.
    fast = medium["sales"].filter(pl.col(OPEN) == 1, pl.col(PROMO) == 0).group_by(STORE, ITEM).agg(
        (pl.col(SALES).var() / pl.col(SALES).mean()).alias("dispersion"), pl.col(SALES).mean()
    ).filter(pl.col(SALES) > 5)
    assert fast["dispersion"].median() > 1.5


def _hot_cold_ratio(tables: dict[str, pl.DataFrame], category: str) -> float:
    """Sales on the warmer half of days against the colder half, within store, item and month
    (so the yearly cycle does not stand in for the weather)."""
    df = (
        _with_items(tables)
        .filter(pl.col("category") == category, pl.col(OPEN) == 1, pl.col(STOCKOUT) == 0,
                pl.col(PROMO) == 0)
        .join(tables["weather"], on=[DATE, STORE])
        .with_columns(pl.col(DATE).dt.strftime("%Y-%m").alias("month"))
        .with_columns(
            (pl.col("temp_max") > pl.col("temp_max").median().over(STORE, ITEM, "month"))
            .alias("hot")
        )
        .group_by("hot").agg(pl.col(SALES).sum()).sort("hot")
    )
    return df[SALES][1] / df[SALES][0]


def test_ice_cream_sells_more_on_hot_days_and_soup_less(medium):
    # Within a month the warmer half of days is ~4-5 C warmer: x1.4 at 8 %/C for ice cream.
    assert _hot_cold_ratio(medium, "ice_cream") > 1.15
    assert _hot_cold_ratio(medium, "soup") < 0.9
    assert 0.85 < _hot_cold_ratio(medium, "household") < 1.15


def test_promotions_lift_sales_then_dip(medium):
    s = medium["sales"].filter(pl.col(OPEN) == 1, pl.col(STOCKOUT) == 0)
    by = s.group_by(STORE, ITEM, PROMO).agg(pl.col(SALES).mean()).pivot(
        PROMO, index=[STORE, ITEM], values=SALES
    ).drop_nulls().filter(pl.col("0.0") > 1)
    uplift = (by["1.0"] / by["0.0"]).median()
    assert 1.5 < uplift < 4
    # The week after a promotion sells less than the series' regular weeks.
    s = s.sort(STORE, ITEM, DATE).with_columns(
        (pl.col(PROMO).shift(1).over(STORE, ITEM) == 1).alias("just_ended") & (pl.col(PROMO) == 0)
    )
    regular = s.filter(pl.col(PROMO) == 0).with_columns(
        pl.col(SALES).mean().over(STORE, ITEM).alias("usual")
    ).filter(pl.col("usual") > 1)
    after = regular.filter(pl.col("just_ended"))
    assert after[SALES].sum() / after["usual"].sum() < 0.9


def test_weekly_shape_differs_by_category(medium):
    by = (
        _with_items(medium).filter(pl.col(OPEN) == 1)
        .group_by("category", pl.col(DATE).dt.weekday().alias("wd")).agg(pl.col(SALES).sum())
        .with_columns((pl.col(SALES) / pl.col(SALES).sum().over("category")).alias("share"))
        .filter(pl.col("wd") == 6)
    )
    saturday = dict(zip(by["category"], by["share"]))
    assert saturday["alcohol"] > saturday["household"] + 0.02
    assert all(1 / 7 < share < 0.3 for share in saturday.values())


def test_christmas_run_up_and_boxing_day(medium):
    daily = medium["sales"].group_by(DATE).agg(pl.col(SALES).sum())

    def mean(lo: date, hi: date) -> float:
        return daily.filter(pl.col(DATE).is_between(lo, hi))[SALES].mean()  # type: ignore

    before = mean(date(2023, 11, 13), date(2023, 12, 10))
    assert mean(date(2023, 12, 18), date(2023, 12, 23)) > 1.2 * before
    assert mean(date(2023, 12, 26), date(2023, 12, 26)) < 0.8 * before  # boxing day


def test_transactions_sum_to_the_sales_of_their_days(chain_tables):
    tx, sales = chain_tables["transactions"], chain_tables["sales"]
    assert tx["transaction_id"].is_unique().all()
    daily = tx.group_by(pl.col(TIMESTAMP).dt.date().alias(DATE), STORE, ITEM).agg(
        pl.col(QUANTITY).sum()
    )
    window = sales.filter(pl.col(DATE) > sales[DATE].max() - timedelta(days=28))
    assert window[DATE].n_unique() == 28
    joined = window.join(daily, on=[DATE, STORE, ITEM], how="full", coalesce=True).fill_null(0)
    assert joined.height == window.height  # no lines outside the sales rows
    assert (joined[SALES] == joined[QUANTITY]).all()


def test_transactions_look_like_till_lines(chain_tables):
    tx = chain_tables["transactions"].join(chain_tables["stores"], on=STORE)
    q = tx[QUANTITY]
    assert ((q >= 1) & (q <= 3)).mean() > 0.9
    assert 0 < (q < 0).sum() < 0.05 * tx.height  # a few returns
    hour = tx[TIMESTAMP].dt.hour()
    assert hour.min() >= 6 and hour.max() <= 22
    # Weekdays peak at lunch and after work, not at opening time.
    weekday = tx.filter(pl.col(TIMESTAMP).dt.weekday() <= 5)
    by_hour = weekday.group_by(pl.col(TIMESTAMP).dt.hour().alias("h")).len()
    busiest = by_hour.sort("len", descending=True)["h"][0]
    assert 16 <= busiest <= 19
    sunday = tx.filter(pl.col(TIMESTAMP).dt.weekday() == 7, pl.col("type") != "express")
    assert sunday[TIMESTAMP].dt.hour().is_between(10, 15).all()


def test_inventory_is_plausible(chain_tables):
    inv = chain_tables["inventory"]
    future_series = chain_tables["future"].select(STORE, ITEM).unique()
    assert inv.height == future_series.height
    assert (inv["as_of"] == chain_tables["sales"][DATE].max()).all()
    assert inv["on_hand"].min() >= 0 and inv["on_order"].min() >= 0
    assert ((inv["on_order"] % inv["pack_size"]) == 0).all()
    assert ((inv["max_stock"] % inv["pack_size"]) == 0).all()
    assert inv["service_level"].is_between(0.5, 0.999).all()
    pending = inv.filter(pl.col("on_order") > 0)
    assert pending["next_arrival_date"].null_count() == 0
    assert (pending["next_arrival_date"] > pending["as_of"]).all()


def test_no_transactions_or_future_when_asked(tmp_path: Path):
    tables = generate_chain(stores=1, items=3, days=30, transactions_days=0, future_days=0)
    assert tables["transactions"].height == 0
    assert dict(tables["transactions"].schema) == CONTRACT["transactions"]
    assert tables["future"].height == 0
    assert tables["weather"][DATE].max() == tables["sales"][DATE].max()
    write_chain(tables, tmp_path)  # empty tables still write


def test_start_date_can_be_chosen():
    tables = generate_chain(stores=1, items=2, days=10, start="2024-03-01", transactions_days=2)
    assert tables["sales"][DATE].min() == date(2024, 3, 1)


@pytest.mark.parametrize(
    "kwargs", [{"stores": 0}, {"items": -1}, {"days": 0}, {"seed": -3},
               {"days": 10, "transactions_days": 11}, {"start": "2024-13-01"}],
)
def test_bad_arguments_say_which(kwargs):
    with pytest.raises(ShelfcastError, match=next(iter(kwargs))):
        generate_chain(**kwargs)


def test_write_chain_writes_each_table_by_name(chain_tables, tmp_path: Path):
    out = write_chain(chain_tables, tmp_path / "csv", fmt="csv")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    back = pl.read_csv(out / "sales.csv", try_parse_dates=True)
    assert back.height == chain_tables["sales"].height
    with pytest.raises(ShelfcastError, match="format"):
        write_chain(chain_tables, tmp_path / "x", fmt="xml")


def test_written_folder_passes_load_dataset(chain_dir: Path, chain_tables):
    from shelfcast.data.load import load_dataset

    dataset = load_dataset(chain_dir)
    assert dataset.report.errors == []
    assert dataset.report.tables == {name: chain_tables[name].height for name in TABLES}
    keys = [STORE, ITEM, DATE]
    assert dataset.sales.sort(keys).equals(chain_tables["sales"].sort(keys))
    assert dataset.future is not None and dataset.transactions is not None
