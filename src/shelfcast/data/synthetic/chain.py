"""``generate_chain``: every table of a synthetic chain; ``write_chain``: the dataset folder.

The series are simulated in chunks (a few million store-item-days each) so that memory
stays near the size of the output; everything within a chunk is whole-array NumPy.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from shelfcast.data.schema import (
    DATE, ITEM, OPEN, PRICE, PROMO, QUANTITY, SALES, STOCKOUT, STORE, TABLES, TIMESTAMP,
    TRANSACTION_ID, UNIT_PRICE,
)
from shelfcast.data.synthetic.calendar import make_calendar
from shelfcast.data.synthetic.catalog import (
    CATEGORIES, TYPE_PRICE_INDEX, TYPE_WEEKLY, WEEKLY_STRENGTH, Items, Stores, category_array,
    make_items, make_stores,
)
from shelfcast.data.synthetic.inventory import make_inventory
from shelfcast.data.synthetic.noise import ar1
from shelfcast.data.synthetic.pricing import ItemDays, make_item_days
from shelfcast.data.synthetic.tills import till_lines
from shelfcast.data.synthetic.weather import Weather, make_weather
from shelfcast.data.tables import write_table
from shelfcast.errors import ConfigurationError

__all__ = ["generate_chain", "write_chain", "DEFAULT_START", "CHUNK_CELLS"]

DEFAULT_START = date(2023, 1, 2)
"""A Monday; the default three years then end on 2025-12-31 and the future runs into 2026."""
CHUNK_CELLS = 2_000_000
"""Store-item-days simulated at once: about 16 MB per float array."""
RAIN_BETA = -0.008
"""d log(store traffic) / d precip_mm: rain keeps some shoppers at home."""
STOCKOUT_START = 0.003
"""Daily probability that a stockout starts (tripled on promotion); episodes last ~2.5 days."""


def _check(**values: int) -> None:
    for name, value in values.items():
        low = 1 if name in ("stores", "items", "days") else 0
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigurationError(
                f"generate_chain: {name} must be a whole number >= {low}, got {value!r}",
                details={"parameter": name, "value": repr(value)},
            )


def _start(start: date | str | None) -> date:
    if start is None:
        return DEFAULT_START
    if isinstance(start, date):
        return start
    try:
        return date.fromisoformat(start)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"generate_chain: start must be a date or YYYY-MM-DD, got {start!r}",
            details={"parameter": "start", "value": repr(start)},
        ) from None


def _dates(start: date, t: np.ndarray) -> pl.Series:
    return pl.Series(DATE, (np.datetime64(start, "D") + t).astype("datetime64[D]")).cast(pl.Date)


def generate_chain(
    *,
    stores: int = 10,
    items: int = 500,
    days: int = 1095,
    seed: int = 0,
    start: date | str | None = None,
    future_days: int = 28,
    transactions_days: int = 28,
) -> dict[str, pl.DataFrame]:
    """Simulate a supermarket chain: ``stores`` x ``items`` daily series over ``days`` days.

    Returns every table of DATA_FORMAT.md (``sales``, ``future``, ``events``, ``stores``,
    ``items``, ``weather``, ``inventory``, ``transactions``), typed as the core expects.
    ``future`` covers the ``future_days`` days after the last day of sales (planned prices,
    promotions, opening) for every series still listed; ``weather`` covers them too;
    ``transactions`` holds the till lines of the last ``transactions_days`` days of sales
    (0: an empty table). The same arguments always give the same tables.
    """
    _check(stores=stores, items=items, days=days, seed=seed, future_days=future_days,
           transactions_days=transactions_days)
    if transactions_days > days:
        raise ConfigurationError(
            f"generate_chain: transactions_days ({transactions_days}) cannot exceed days ({days})"
        )
    start = _start(start)
    n_hist, n_all = days, days + future_days
    rng = np.random.default_rng(seed)
    st = make_stores(rng, stores, n_hist)
    it = make_items(rng, items, n_hist)
    cal = make_calendar(rng, start, n_all, n_hist, st.ids, st.kind)
    wx = make_weather(rng, start, n_all, st.ids, st.region)
    item_days = make_item_days(rng, it, start, n_all)

    t_all = np.arange(n_all)
    dow = (t_all + start.weekday()) % 7
    doy = (np.datetime64(start, "D") + t_all - np.datetime64(f"{start.year}-01-01")).astype(int)
    weekly = np.array([c.weekly for c in CATEGORIES])
    weekly = 1 + WEEKLY_STRENGTH * (weekly / weekly.mean(axis=1, keepdims=True) - 1)
    yearly = np.exp(category_array("yearly_amp")[:, None]
                    * np.cos(2 * np.pi * (doy[None, :] - category_array("yearly_peak")[:, None])
                             / 365.25))
    cat_day = weekly[:, dow] * yearly * cal.day_effect
    type_weekly = 1 + WEEKLY_STRENGTH * (TYPE_WEEKLY / TYPE_WEEKLY.mean(axis=1, keepdims=True) - 1)
    store_day = (type_weekly[st.kind][:, dow] * cal.store_effect * cal.open
                 * np.exp(st.trend[:, None] * t_all[None, :] / 365.25)
                 * np.exp(RAIN_BETA * np.minimum(wx.precip, 30.0)))
    store_price = TYPE_PRICE_INDEX[st.kind]

    n_series = stores * items
    per_chunk = max(1, CHUNK_CELLS // n_all)
    parts: dict[str, list[pl.DataFrame]] = {"sales": [], "future": [], "tx": [], "inv": []}
    seeds = np.random.SeedSequence([seed, 7]).spawn((n_series + per_chunk - 1) // per_chunk)
    for k, n0 in enumerate(range(0, n_series, per_chunk)):
        _chunk(
            np.random.default_rng(seeds[k]), np.arange(n0, min(n0 + per_chunk, n_series)),
            parts, start=start, n_hist=n_hist, n_tx=transactions_days, st=st, it=it, wx=wx,
            cat_day=cat_day, store_day=store_day, store_price=store_price,
            item_days=item_days, is_open=cal.open, dow=dow,
        )

    tables = {
        "sales": pl.concat(parts["sales"]),
        "future": pl.concat(parts["future"]),
        "events": cal.events,
        "stores": st.table,
        "items": it.table,
        "weather": wx.table,
        "inventory": pl.concat(parts["inv"]),
        "transactions": _number_lines(pl.concat(parts["tx"])),
    }
    return {name: tables[name] for name in TABLES}


def _chunk(
    rng: np.random.Generator, series: np.ndarray, parts: dict[str, list[pl.DataFrame]], *,
    start: date, n_hist: int, n_tx: int, st: Stores, it: Items, wx: Weather,
    cat_day: np.ndarray, store_day: np.ndarray, store_price: np.ndarray, item_days: ItemDays,
    is_open: np.ndarray, dow: np.ndarray,
) -> None:
    """Simulate the series of one chunk and append its rows to ``parts``."""
    n_items = len(it.ids)
    s, i = series // n_items, series % n_items
    c = it.category[i]
    n_all = cat_day.shape[1]
    first = np.maximum(it.launch[i], st.opened[s])
    t = np.arange(n_hist)

    # Expected demand: item rate x store pull x category calendar x store calendar x price,
    # promotion and life cycle x weather response x a persistent series-level wobble.
    wobble = ar1(rng.normal(0.0, 0.1, (len(series), n_hist)), 0.7)
    beta, ref = category_array("temp_beta")[c][:, None], category_array("temp_ref")[c][:, None]
    weather = np.exp(beta * (wx.temp[s, :n_hist] - ref)
                     + category_array("rain_beta")[c][:, None] * wx.precip[s, :n_hist])
    mu = (np.exp(it.log_rate[i] + np.log(st.scale[s]))[:, None] * cat_day[c, :n_hist]
          * store_day[s, :n_hist] * item_days.multiplier[i, :n_hist] * weather * np.exp(wobble))
    k = it.dispersion[i][:, None]
    demand = rng.poisson(rng.gamma(k, mu / k))  # negative binomial: Poisson of a gamma mean

    alive = (t[None, :] >= first[:, None]) & (t[None, :] <= it.end[i][:, None])
    is_open_h = is_open[s, :n_hist] > 0
    promo = item_days.promo[i]
    # Stockouts: episodes start at random (more often on promotion) and last a few days;
    # sales are what was on the shelf, a fraction of demand.
    starts = rng.random((len(series), n_hist)) < STOCKOUT_START * (1 + 2 * promo[:, :n_hist])
    length = rng.geometric(0.4, starts.sum())
    r0, t0 = np.nonzero(starts)
    marks = np.zeros((len(series), n_hist + 1), dtype=np.int32)
    np.add.at(marks, (r0, t0), 1)
    np.add.at(marks, (r0, np.minimum(t0 + length, n_hist)), -1)
    stockout = (np.cumsum(marks[:, :n_hist], axis=1) > 0) & alive & is_open_h
    sales = np.where(is_open_h, demand, 0).astype(np.float64)
    sales[stockout] = np.floor(sales[stockout] * rng.uniform(0.0, 0.6, stockout.sum()))
    price = np.round(item_days.price[i] * store_price[s][:, None], 2)

    rows, days = np.nonzero(alive)
    store_ids = pl.Series(st.ids, dtype=pl.String)
    item_ids = pl.Series(it.ids, dtype=pl.String)
    parts["sales"].append(pl.DataFrame([
        _dates(start, days),
        store_ids.gather(s[rows]).alias(STORE),
        item_ids.gather(i[rows]).alias(ITEM),
        pl.Series(SALES, sales[rows, days], dtype=pl.Float64),
        pl.Series(PRICE, price[rows, days], dtype=pl.Float64),
        pl.Series(PROMO, promo[rows, days], dtype=pl.Float64),
        pl.Series(OPEN, is_open_h[rows, days].astype(np.float64)),
        pl.Series(STOCKOUT, stockout[rows, days].astype(np.float64)),
    ]))

    # Still listed on the last day: forecast them, and count their stock.
    listed = np.flatnonzero(alive[:, -1])
    n_fut = n_all - n_hist
    if n_fut:
        fr = np.repeat(listed, n_fut)
        fd = np.tile(np.arange(n_hist, n_all), len(listed))
        parts["future"].append(pl.DataFrame([
            _dates(start, fd),
            store_ids.gather(s[fr]).alias(STORE),
            item_ids.gather(i[fr]).alias(ITEM),
            pl.Series(PRICE, price[fr, fd], dtype=pl.Float64),
            pl.Series(PROMO, promo[fr, fd], dtype=pl.Float64),
            pl.Series(OPEN, is_open[s[fr], fd], dtype=pl.Float64),
        ]))
    else:
        parts["future"].append(parts["sales"][-1].head(0).drop(SALES, STOCKOUT))
    recent = slice(max(0, n_hist - 28), n_hist)
    open_days = np.maximum((alive & is_open_h)[listed, recent].sum(axis=1), 1)
    parts["inv"].append(make_inventory(
        rng, store_ids=st.ids, items=it, s=s[listed], i=i[listed],
        rate=sales[listed, recent].sum(axis=1) / open_days,
        out_of_stock=stockout[listed, -1], as_of=start + timedelta(days=n_hist - 1),
    ))

    w0 = n_hist - n_tx
    window = np.where(alive[:, w0:], sales[:, w0:], 0.0)
    rr, tt = np.nonzero(window > 0)
    cell, qty, second = till_lines(rng, window[rr, tt], st.kind[s[rr]], dow[w0 + tt])
    epoch_day = (np.datetime64(start, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    day = epoch_day + w0 + tt[cell]
    parts["tx"].append(pl.DataFrame([
        pl.Series(TIMESTAMP, (day * 86_400 + second) * 1_000_000).cast(
            pl.Datetime("us", "UTC")),
        store_ids.gather(s[rr[cell]]).alias(STORE),
        item_ids.gather(i[rr[cell]]).alias(ITEM),
        pl.Series(QUANTITY, qty, dtype=pl.Float64),
        pl.Series(UNIT_PRICE, price[rr[cell], w0 + tt[cell]], dtype=pl.Float64),
    ]))


def _number_lines(tx: pl.DataFrame) -> pl.DataFrame:
    """Order lines as the tills printed them and give each a unique id: store, day, sequence."""
    tx = tx.sort(STORE, TIMESTAMP, ITEM, QUANTITY)
    day = pl.col(TIMESTAMP).dt.date()
    return tx.select(
        pl.concat_str(
            pl.col(STORE), day.dt.strftime("%Y%m%d"),
            (pl.int_range(pl.len()).over(STORE, day) + 1).cast(pl.String).str.zfill(6),
            separator="-",
        ).alias(TRANSACTION_ID),
        TIMESTAMP, STORE, ITEM, QUANTITY, UNIT_PRICE,
    )


def write_chain(
    tables: dict[str, pl.DataFrame], out_dir: str | Path, *, fmt: str = "parquet"
) -> Path:
    """Write each table as ``<out_dir>/<name>.<fmt>`` (``parquet`` or ``csv``); return the path."""
    if fmt not in ("parquet", "csv"):
        raise ConfigurationError(
            f"write_chain: format must be 'parquet' or 'csv', got {fmt!r}",
            details={"parameter": "fmt", "value": fmt},
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        write_table(df, out / f"{name}.{fmt}")
    return out
