"""Replay a history day by day under a replenishment policy, and score it.

Each simulated day, for every SKU at once: the delivery due arrives in the morning; the day's
real demand is sold from stock, oldest units first (what cannot be met is lost, not
back-ordered); units past their shelf life are thrown away at the close; on review days an
order is placed (forecast -> policy -> the rules of ``constraints``) and arrives after the lead
time. Demand is the recorded sales, so it does not react to our stockouts.

Forecasts do not depend on the orders, so each source's daily demand distributions are
computed once and every service level of a sweep reuses them. Sources:

- :class:`ModelSource` (shelfcast's ``Forecaster`` or any model with the same
  ``fit/update/predict``): refit every ``refit_every`` days on the sales known so far, and
  rolled forward with ``update`` (no refit) on the days between, forecasting every review day.
- :class:`TextbookSource`: the method of BENCHMARKS.md (``textbook.py``), in NumPy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl

from shelfcast.config import Settings
from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, ITEM, SALES, STOCKOUT, STORE
from shelfcast.errors import ShelfcastError
from shelfcast.replenish.calibrate import past_window_errors, variance_factor
from shelfcast.replenish.constraints import Order, apply_constraints
from shelfcast.replenish.costs import CostModel, fill_prices
from shelfcast.replenish.demand import window_moments
from shelfcast.replenish.inputs import SkuArrays, forecast_matrix, resolve_inventory
from shelfcast.replenish.policies import Need, Policy, policy_need
from shelfcast.replenish.textbook import (
    one_day_ahead_sigma,
    textbook_need,
    weekday_mean_forecast,
)

__all__ = [
    "SimulationSetup",
    "DemandSource",
    "ModelSource",
    "TextbookSource",
    "setup_from_dataset",
    "simulate",
    "simulate_sweep",
    "inventory_at_fill_rate",
    "MAX_SHELF_LIFE_SIMULATED",
    "RULE_CAUSES",
]

MAX_SHELF_LIFE_SIMULATED = 60
RULE_CAUSES: tuple[str, ...] = ("none", "packs", "min_order", "capacity", "shelf_life")
"""What shaped a review's order, by increasing precedence: cycles are scored per cause, so
the simulation shows which rule costs service (a cycle takes the cause of the order that
opened it)."""


def _order_cause(order: Order) -> np.ndarray:
    """The most telling rule that changed each order, as an index into ``RULE_CAUSES``."""
    cause = np.zeros(order.quantity.shape, dtype=np.int8)
    cause[order.rounded] = 1
    cause[order.min_order_raised | order.min_order_skipped] = 2
    cause[order.capped_by_stock] = 3
    cause[order.capped_by_shelf_life] = 4
    return cause
"""Shelf lives longer than this are not tracked by age (nothing expires within a replay)."""


@dataclass(frozen=True)
class SimulationSetup:
    """The SKUs, their rules, and their demand on a dense day axis."""

    keys: pl.DataFrame
    """``store_id, item_id`` in row order."""
    dates: np.ndarray
    """datetime64[D], the day axis of ``demand``."""
    demand: np.ndarray
    """(SKUs, days): units demanded (recorded sales, missing days 0)."""
    rules: SkuArrays
    """Lead times, review periods, packs, caps, costs; its stock and forecast are ignored."""
    start: int
    """Index of the first simulated day."""
    days: int


class DemandSource(Protocol):
    name: str

    def matrices(self, t: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """(mean, var), (SKUs, horizon): demand of days t+1 .. t+horizon known at close of t."""
        ...

    def need(self, sku: SkuArrays, policy: Policy) -> Need:
        ...


def _dense(sales: pl.DataFrame, keys: pl.DataFrame, first: date, last: date) -> np.ndarray:
    n = keys.height
    days = (last - first).days + 1
    cells = (
        sales.select(DATE, STORE, ITEM, SALES)
        .join(keys.with_row_index("_row"), on=[STORE, ITEM], how="inner")
        .filter(pl.col(DATE).is_between(first, last))
    )
    out = np.zeros((n, days))
    rows = cells["_row"].to_numpy().astype(np.int64)
    cols = (cells[DATE].to_numpy().astype("datetime64[D]") - np.datetime64(first, "D")).astype(
        np.int64
    )
    out[rows, cols] = np.maximum(cells[SALES].to_numpy(), 0.0)
    return out


def setup_from_dataset(
    dataset: Dataset,
    *,
    days: int,
    settings: Settings | None = None,
    inventory: pl.DataFrame | None = None,
    history_days: int = 7 * 12,
) -> SimulationSetup:
    """Replay the last ``days`` days of ``dataset.sales`` for the SKUs of its inventory table.

    ``inventory`` replaces the dataset's (the benchmark assumes one for data that have none).
    The textbook method needs ``history_days`` before the start (12 weeks: 4 for the forecast,
    8 for its errors).
    """
    settings = settings or Settings()
    inv = inventory if inventory is not None else dataset.inventory
    if inv is None or inv.height == 0:
        raise ShelfcastError(
            "simulate-policy needs an inventory table (lead times, packs, caps); "
            "add inventory.csv to the folder (DATA_FORMAT.md)"
        )
    last: date = dataset.last_date
    first_sim = last - timedelta(days=days - 1)
    first = max(dataset.first_date, first_sim - timedelta(days=history_days))
    if (first_sim - dataset.first_date).days < 28 + 14:
        raise ShelfcastError(
            f"simulate-policy --days {days}: the sales history ({dataset.first_date} to {last}) "
            f"leaves {(first_sim - dataset.first_date).days} days before the replay; "
            "at least 42 are needed to forecast from"
        )
    resolved = resolve_inventory(inv, settings=settings, default_as_of=first_sim,
                                 sales=dataset.sales, items=dataset.items)
    keys = resolved.select(STORE, ITEM)
    demand = _dense(dataset.sales, keys, first, last)
    n = keys.height
    zeros = np.zeros(n)
    rules = SkuArrays(
        store_id=keys[STORE].to_numpy(), item_id=keys[ITEM].to_numpy(),
        as_of=np.full(n, np.datetime64(first_sim, "D")),
        on_hand=zeros, on_order=zeros, on_order_day=np.zeros(n, dtype=np.int64),
        lead_time=resolved["lead_time_days"].to_numpy().astype(np.int64),
        review_period=resolved["review_period_days"].to_numpy().astype(np.int64),
        service_level=resolved["service_level"].to_numpy(),
        pack_size=resolved["pack_size"].to_numpy().astype(np.float64),
        min_order=resolved["min_order"].to_numpy(),
        max_stock=resolved["max_stock"].to_numpy(),
        unit_cost=resolved["unit_cost"].to_numpy(),
        price=resolved["price"].to_numpy(),
        shelf_life=resolved["shelf_life_days"].to_numpy(),
        mean=np.zeros((n, 0)), var=np.zeros((n, 0)), has_forecast=np.ones(n, dtype=bool),
        tail_mean=zeros, tail_var=zeros,
    )
    dates = np.datetime64(first, "D") + np.arange(demand.shape[1])
    return SimulationSetup(keys=keys, dates=dates, demand=demand, rules=rules,
                           start=(first_sim - first).days, days=days)


def _horizon(rules: SkuArrays) -> int:
    """Days of forecast a review needs: the protection period, and shelf lives after arrival."""
    protection = int((rules.lead_time + rules.review_period).max(initial=1))
    life = np.where(np.isfinite(rules.shelf_life), rules.shelf_life, 0)
    shelf = int(min((rules.lead_time + life).max(initial=0), 28))
    return max(protection, shelf, 1)


class TextbookSource:
    """The textbook method: weekday-mean forecast, normal safety stock on its error std."""

    name = "textbook"
    policies = (Policy.RS,)
    """The method is order-up-to only."""
    calibrate_windows = False
    """The method of BENCHMARKS.md as written: sigma sqrt(L + R), no calibration."""

    def __init__(self, setup: SimulationSetup) -> None:
        self.setup = setup
        self._sigma: dict[int, np.ndarray] = {}

    def matrices(self, t: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        history = self.setup.demand
        mean = weekday_mean_forecast(history, t, horizon)
        sigma = self._sigma.setdefault(t, one_day_ahead_sigma(history, t))
        return mean, np.broadcast_to((sigma**2)[:, None], mean.shape).copy()

    def need(self, sku: SkuArrays, policy: Policy) -> Need:  # noqa: ARG002 - textbook is (R, S)
        sigma = np.sqrt(sku.var[:, 0]) if sku.var.shape[1] else np.zeros(sku.n)
        return textbook_need(sku, sigma)


class ModelSource:
    """Forecasts from a model with ``fit(dataset)``, ``update(sales)``, ``predict(future)``.

    Refit every ``refit_every`` days on the sales up to that day (a weekly refit by default)
    and rolled forward with ``update`` in between; a forecast every review day. Covariates of
    the days forecast (price, promo, open) come from the recorded sales, as a ``future`` table
    would give them.
    """

    def __init__(
        self,
        setup: SimulationSetup,
        dataset: Dataset,
        factory: Callable[[], Any],
        *,
        name: str = "shelfcast",
        refit_every: int = 7,
        progress: Callable[[str], None] | None = None,
        cache_dir: Path | None = None,
        cache_label: str = "",
    ) -> None:
        self.setup = setup
        self.dataset = dataset
        self.factory = factory
        self.name = name
        self.refit_every = refit_every
        self.progress = progress
        self._cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._model: Any = None
        self._fitted_at: int | None = None
        self._known: int | None = None
        keys = setup.keys
        self._sales = dataset.sales.join(keys, on=[STORE, ITEM], how="semi")
        self._covariates = [c for c in self._sales.columns if c not in (SALES, STOCKOUT)]
        self._disk = None if cache_dir is None else Path(cache_dir) / self._cache_folder(
            cache_label)

    def _cache_folder(self, label: str) -> str:
        """What a day's forecast depends on besides the day: the data set (its label, the SKUs
        replayed and their sales), the source, the refit schedule (period, first day), the model."""
        digest = hashlib.sha256()
        digest.update(self.setup.keys.write_csv().encode())
        digest.update(str(self._sales.hash_rows(seed=0).sum()).encode())
        digest.update(str(getattr(self.factory, "__qualname__", self.factory)).encode())
        anchor = self._date(self.setup.start)
        return (f"{label or 'data'}_{self.name}_refit{self.refit_every}_from{anchor}_"
                f"{digest.hexdigest()[:12]}")

    def _cache_path(self, t: int, horizon: int) -> Path | None:
        if self._disk is None:
            return None
        return self._disk / f"{self._date(t)}_h{horizon}.npz"

    def _date(self, t: int) -> date:
        return (self.setup.dates[0] + t).astype(object)  # type: ignore[no-any-return]

    def _fit_day(self, t: int) -> int:
        """Refits fall on fixed days (the replay's first day, then every ``refit_every``
        days), so a day's forecast is the same whatever order the days are asked in: what
        makes a cached forecast the one a fresh run would make."""
        start = self.setup.start
        if t < start:
            return t
        return start + (t - start) // self.refit_every * self.refit_every

    def _advance(self, t: int) -> None:
        """Make the model know the sales up to day ``t``: fitted on the refit day, rolled
        forward with ``update`` from there."""
        fit_day = self._fit_day(t)
        if self._fitted_at != fit_day or self._known is None or t < self._known:
            day = self._date(fit_day)
            known = replace(
                self.dataset,
                sales=self.dataset.sales.filter(pl.col(DATE) <= day),
                future=None,
                transactions=None,
                inventory=None,
            )
            if self.progress:
                self.progress(f"{self.name}: fitting on sales up to {day}")
            self._model = self.factory().fit(known)
            self._fitted_at = fit_day
            self._known = fit_day
        if t > self._known:
            new = self._sales.filter(
                pl.col(DATE).is_between(self._date(self._known + 1), self._date(t))
            )
            self._model.update(new)
        self._known = t

    def matrices(self, t: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        if (t, horizon) in self._cache:
            return self._cache[t, horizon]
        path = self._cache_path(t, horizon)
        if path is not None and path.exists():
            with np.load(path) as stored:
                self._cache[t, horizon] = (stored["mean"], stored["var"])
            return self._cache[t, horizon]
        self._advance(t)
        first, last = self._date(t + 1), self._date(t + horizon)
        keys = self.setup.keys
        dates = pl.DataFrame({DATE: pl.date_range(first, last, "1d", eager=True)})
        future = keys.join(dates, how="cross").join(
            self._sales.select(self._covariates), on=[STORE, ITEM, DATE], how="left"
        )
        # Days past the recorded history (the replay's last reviews): carry covariates forward.
        future = future.sort(STORE, ITEM, DATE).with_columns(
            pl.exclude(DATE, STORE, ITEM).forward_fill().over(STORE, ITEM)
        ).select(DATE, STORE, ITEM, *[c for c in self._covariates if c not in (DATE, STORE, ITEM)])
        forecast = self._model.predict(future)
        mean, var, has = forecast_matrix(
            forecast, keys.with_columns(pl.lit(self._date(t)).alias("as_of")), days=horizon
        )
        mean = np.where(np.isnan(mean), 0.0, mean)
        var = np.where(np.isnan(var), 0.0, var)
        self._cache[t, horizon] = (mean, var)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written then renamed: an interrupted run never leaves half a forecast behind.
            partial = path.with_name(path.stem + ".partial.npz")
            np.savez(partial, mean=mean, var=var)
            partial.replace(path)
        return mean, var

    def need(self, sku: SkuArrays, policy: Policy) -> Need:
        return policy_need(sku, policy)


def simulate(
    setup: SimulationSetup,
    source: DemandSource,
    *,
    service_level: float | None = None,
    policy: Policy | str = Policy.RS,
    costs: CostModel | None = None,
    warmup: int = 14,
    score_rows: np.ndarray | None = None,
) -> dict[str, float]:
    """Replay ``setup.days`` days with forecasts from ``source``; the scores of the replay.

    ``service_level`` overrides every SKU's target (a sweep); the first ``warmup`` days settle
    the stock from its starting point (expected demand of the protection period) and are not
    scored. ``score_rows`` scores a subset of the SKUs (every SKU is replayed).
    """
    costs = costs or CostModel()
    policy = Policy(policy)
    rules = setup.rules
    if service_level is not None:
        rules = replace(rules, service_level=np.full(rules.n, float(service_level)))
    n, start, days = rules.n, setup.start, setup.days
    horizon = _horizon(rules)
    lead, review = rules.lead_time, rules.review_period
    life = np.where(np.isfinite(rules.shelf_life) & (rules.shelf_life <= MAX_SHELF_LIFE_SIMULATED),
                    np.maximum(rules.shelf_life, 1), np.inf)
    ages = int(np.nan_to_num(life, posinf=0).max(initial=0)) + 1
    cost, price = fill_prices(rules.unit_cost, rules.price, costs)
    margin = price - cost

    # Every source starts from the same shelf: the protection period's demand at the last
    # 4 weeks' average, nothing on order.
    recent = setup.demand[:, max(start - 28, 0):start]
    first_stock = np.round(recent.mean(axis=1) * (lead + review)) if recent.size else np.zeros(n)
    stock = np.zeros((n, ages))
    stock[:, 0] = first_stock
    pipeline = np.zeros((n, days + int(lead.max(initial=0)) + 2))

    demand = setup.demand[:, start:start + days]
    sold = np.zeros((n, days))
    on_hand = np.zeros((n, days))
    wasted = np.zeros((n, days))
    ordered = np.zeros((n, days))
    cause = np.full((n, days), -1, dtype=np.int8)
    # What the source's forecast made of each review's protection window, to calibrate the
    # spread of later windows on these errors (``calibrate.py``).
    calibrated = getattr(source, "calibrate_windows", True)
    protection = lead + review
    window_mean = np.full((n, days), np.nan)
    window_var = np.full((n, days), np.nan)
    reviewed = np.zeros((n, days), dtype=bool)
    cumulative = np.zeros((n, days + 1))
    np.cumsum(setup.demand[:, start:start + days], axis=1, out=cumulative[:, 1:])
    perishable = np.isfinite(life)
    for d in range(days):
        t = start + d
        stock[:, 0] += pipeline[:, d]
        # Sell oldest first.
        left = demand[:, d].copy()
        for a in range(ages - 1, -1, -1):
            take = np.minimum(stock[:, a], left)
            stock[:, a] -= take
            left -= take
        sold[:, d] = demand[:, d] - left
        # Expire at the close: a unit received at age 0 sells on ages 0 .. life-1.
        if perishable.any():
            age_idx = np.arange(ages)[None, :]
            expiring = perishable[:, None] & (age_idx >= life[:, None] - 1)
            wasted[:, d] = (stock * expiring).sum(axis=1)
            stock[expiring] = 0.0
        on_hand[:, d] = stock.sum(axis=1)
        # Age by a day; the oldest bucket keeps what never expires.
        stock[:, -1] += stock[:, -2] if ages > 1 else 0.0
        if ages > 1:
            stock[:, 1:-1] = stock[:, :-2]
            stock[:, 0] = 0.0
        # Review at the close: order, to arrive at the start of day d + 1 + lead.
        due = (d % review) == 0
        if due.any():
            mean, var = source.matrices(t, horizon)
            rows = np.flatnonzero(due)
            outstanding = pipeline[rows, d + 1:].sum(axis=1)
            tail = mean[rows, -7:].mean(axis=1)
            tail_v = var[rows, -7:].mean(axis=1)
            sku = replace(
                rules.take(rows), on_hand=on_hand[rows, d], on_order=outstanding,
                mean=mean[rows], var=var[rows], tail_mean=tail, tail_var=tail_v,
                as_of=np.full(rows.size, setup.dates[0] + t),
                # The last 4 weeks' sales a day, as propose() takes them from `sales`.
                usual_rate=setup.demand[rows, max(t - 27, 0):t + 1].mean(axis=1),
            )
            if calibrated:
                errors, model_var, known = past_window_errors(
                    cumulative[rows], window_mean[rows], window_var[rows], reviewed[rows],
                    protection[rows], d,
                )
                sku = replace(sku, window_var_factor=variance_factor(errors, model_var, known))
                pm, pv = window_moments(mean[rows], var[rows], 0, protection[rows])
                window_mean[rows, d], window_var[rows, d] = pm, pv
                reviewed[rows, d] = True
            need = source.need(sku, policy)
            order = apply_constraints(sku, need, costs=costs)
            pipeline[rows, d + 1 + lead[rows]] += order.quantity
            ordered[rows, d] = order.quantity
            cause[rows, d] = _order_cause(order)

    if score_rows is not None:
        keep = np.asarray(score_rows)
        demand, sold, on_hand, wasted, ordered, cause = (
            a[keep] for a in (demand, sold, on_hand, wasted, ordered, cause))
        rules, cost, margin = rules.take(keep), cost[keep], margin[keep]
    return _score(demand, sold, on_hand, wasted, ordered, rules, cost, margin, costs,
                  warmup=min(warmup, days - 1), cause=cause)


def _score(  # type: ignore[no-untyped-def]
    demand, sold, on_hand, wasted, ordered, rules, cost, margin, costs, *, warmup, cause
) -> dict[str, float]:
    d, s, h, w = (a[:, warmup:] for a in (demand, sold, on_hand, wasted))
    n, days = d.shape
    lost = d - s
    short = lost > 1e-9
    # Cycles: the days from one delivery to the next, per SKU (orders on days 0, R, 2R, ...
    # arrive on days 1 + L, 1 + L + R, ...).
    review = rules.review_period
    day = np.arange(days)[None, :] + warmup
    cycle = (day - 1 - rules.lead_time[:, None]) // review[:, None]
    cycle_id = np.arange(n)[:, None] * (days + 1) + cycle
    ids, inverse = np.unique(cycle_id.ravel(), return_inverse=True)
    had_short = np.bincount(inverse, weights=short.ravel(), minlength=ids.size) > 0
    had_demand = np.bincount(inverse, weights=d.ravel(), minlength=ids.size) > 0
    # Each cycle opens with the delivery of the order placed on day cycle * R.
    order_day = cycle * review[:, None]
    valid = (order_day >= 0) & (order_day < cause.shape[1])
    cell_cause = np.where(
        valid,
        cause[np.arange(n)[:, None], np.clip(order_day, 0, cause.shape[1] - 1)],
        -1,
    )
    cycle_cause = np.full(ids.size, -1, dtype=np.int8)
    cycle_cause[inverse] = cell_cause.ravel()
    by_cause: dict[str, float] = {}
    for code, name in enumerate(RULE_CAUSES):
        hit = cycle_cause == code
        by_cause[f"cycles_{name}"] = int(hit.sum())
        by_cause[f"cycle_service_level_{name}"] = (
            float(1.0 - had_short[hit].mean()) if hit.any() else float("nan")
        )
    total_demand = d.sum()
    avg_inventory = h.sum(axis=0).mean()
    avg_demand = total_demand / days
    holding = (h * costs.holding_per_day(cost)[:, None]).sum()
    lost_margin = (lost * margin[:, None]).sum()
    waste_cost = (w * (cost * (1 - costs.salvage_rate))[:, None]).sum()
    return {
        "cycle_service_level": float(1.0 - had_short.mean()),
        "cycle_service_level_with_demand": float(
            1.0 - had_short[had_demand].mean() if had_demand.any() else 1.0
        ),
        "fill_rate": float(s.sum() / total_demand) if total_demand > 0 else 1.0,
        "stockout_days": int(short.sum()),
        "avg_inventory_units": float(avg_inventory),
        "avg_inventory_value": float((h * cost[:, None]).sum(axis=0).mean()),
        "days_of_cover": float(avg_inventory / avg_demand) if avg_demand > 0 else float("inf"),
        "waste_units": float(w.sum()),
        "lost_units": float(lost.sum()),
        "ordered_units": float(ordered[:, warmup:].sum()),
        "holding_cost": float(holding),
        "lost_margin": float(lost_margin),
        "waste_cost": float(waste_cost),
        "total_cost": float(holding + lost_margin + waste_cost),
        "skus": int(n),
        "days": int(days),
        **by_cause,
    }


def simulate_sweep(
    setup: SimulationSetup,
    sources: Sequence[DemandSource],
    *,
    service_levels: Sequence[float | None] = (None,),
    policies: Sequence[Policy | str] = (Policy.RS,),
    costs: CostModel | None = None,
    warmup: int = 14,
    groups: dict[str, np.ndarray] | None = None,
) -> pl.DataFrame:
    """One row of scores per source, policy and service level (None: the inventory's own).

    With ``groups`` (name -> SKU rows), one more row per group, scored on its SKUs only
    (column ``group``; ``all`` for every SKU).
    """
    rows = []
    for source in sources:
        allowed = getattr(source, "policies", None)
        for policy in policies:
            if allowed is not None and Policy(policy) not in allowed:
                continue
            for level in service_levels:
                for group, subset in {"all": None, **(groups or {})}.items():
                    scores = simulate(setup, source, service_level=level, policy=policy,
                                      costs=costs, warmup=warmup, score_rows=subset)
                    row = {"source": source.name, "policy": Policy(policy).value,
                           "target_service_level": level, **scores}
                    if groups:
                        row = {"group": group, **row}
                    rows.append(row)
    return pl.DataFrame(rows)


def inventory_at_fill_rate(curve: pl.DataFrame, fill_rates: np.ndarray) -> np.ndarray:
    """Average inventory a method needs for each fill rate, interpolated along its sweep
    (``fill_rate``, ``avg_inventory_units`` rows); NaN outside the fill rates it reached."""
    c = curve.sort("fill_rate")
    x = c["fill_rate"].to_numpy()
    y = c["avg_inventory_units"].to_numpy()
    # Keep the efficient frontier: more inventory must buy more fill rate.
    keep = np.r_[True, np.diff(x) > 0]
    x, y = x[keep], y[keep]
    out = np.interp(fill_rates, x, y, left=np.nan, right=np.nan)
    return out
