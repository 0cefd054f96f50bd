"""The rules an order must obey, in their order of precedence, vectorised over all SKUs.

1. Hard caps first: shelf capacity (``max_stock``: stock after the delivery may not exceed it)
   and, for perishables, the shelf-life cap (no more than sells before it expires, at the
   service target).
2. Whole packs: the nearest pack count when rounding down still reaches the service target,
   else the next count up; within the caps either way.
3. Minimum order: a smaller non-zero order is raised to it only if that fits the caps and is
   worth it by cost; otherwise nothing is ordered.

A cap is never broken to reach the service target: when the smallest order that would reach
it does not fit, the line is flagged ``unreachable``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelfcast.replenish.costs import CostModel, fill_prices
from shelfcast.replenish.demand import nb_cdf, nb_expected_shortage, nb_quantile, window_moments
from shelfcast.replenish.inputs import SkuArrays
from shelfcast.replenish.policies import Need

__all__ = ["Order", "apply_constraints", "shelf_life_cap", "sellable_window"]


@dataclass(frozen=True)
class Order:
    """The final order per SKU and why it is what it is."""

    quantity: np.ndarray
    """Units, a whole number of packs, >= 0."""
    packs: np.ndarray
    cap: np.ndarray
    """The most the caps allow (inf when none)."""
    capped_by_stock: np.ndarray
    """The shelf capacity cut the order."""
    capped_by_shelf_life: np.ndarray
    """The shelf-life cap cut the order."""
    rounded: np.ndarray
    """Whole packs changed the quantity."""
    rounded_up: np.ndarray
    """Rounded up to whole packs, because rounding down would miss the target."""
    min_order_raised: np.ndarray
    min_order_skipped: np.ndarray
    """Below the minimum order and not raised (no fit, or not worth it): nothing ordered."""
    unreachable: np.ndarray
    """The service target cannot be reached within the caps."""
    achieved_service: np.ndarray
    """The cycle service level it gives: P(protection-period demand <= position + order), plus
    the lost-sales credit where the policy counted one (``lost_sales.py``)."""


def sellable_window(sku: SkuArrays, need: Need) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, mean, var) of the demand from now until an order placed now expires, for the
    perishable SKUs: the lead time plus the shelf life after arrival. Widened by the SKU's
    calibration factor like the protection period, so both windows are judged alike."""
    rows = np.flatnonzero(np.isfinite(sku.shelf_life))
    life = np.maximum(sku.shelf_life[rows], 1).astype(np.int64)
    m, v = window_moments(sku.mean[rows], sku.var[rows], 0, sku.lead_time[rows] + life,
                          tail=(sku.tail_mean[rows], sku.tail_var[rows]))
    if sku.window_var_factor is not None:
        v = v * sku.window_var_factor[rows]
    return rows, m, v


def shelf_life_cap(sku: SkuArrays, need: Need) -> np.ndarray:
    """The most a perishable may order (inf for the others): what sells before it expires at
    the target service level.

    Everything in the position sells before the new units (oldest first), so the position plus
    the order may not exceed the service-target quantile of the demand from now until the
    order's units expire (lead time + shelf life). When the shelf life covers the review
    period that is never below the order-up-to level, so the cap only binds on stock the
    target does not need; when it is shorter, the target is out of reach and the line says so.
    The target, not the newsvendor's critical ratio, sets the level: with a supermarket's
    margins (30 %) the critical ratio is near 0.3 and would make every fresh item's target
    unreachable by design; the target is the store's own trade-off, item by item, and waste is
    costed where an order is optional (the minimum-order test).
    """
    cap = np.full(sku.n, np.inf)
    if not np.isfinite(sku.shelf_life).any():
        return cap
    rows, m, v = sellable_window(sku, need)
    sellable = nb_quantile(sku.service_level[rows], m, v)
    cap[rows] = np.maximum(sellable - need.position[rows], 0.0)
    return cap


MIN_ORDER_HORIZON_DAYS = 365
"""The longest a minimum order is judged over (and its units held): a year."""


def _worth_min_order(
    sku: SkuArrays, need: Need, qty: np.ndarray, costs: CostModel
) -> np.ndarray:
    """Is ordering ``qty`` (the raised minimum) cheaper than ordering nothing?

    Judged over the days the minimum would last (position + order at the expected daily rate;
    at least the protection period, at most a year, and for a perishable no longer than its
    units keep): not ordering now is not a one-cycle saving, since the next review faces the
    same small need and the same minimum, so the shelf stays short over those days. Nothing
    costs the margin of the demand the position leaves unmet over them; the minimum costs the
    (smaller) margin still lost, the holding it adds (units beyond the protection period's
    expected demand, held until they sell at the daily rate), and, for perishables, the waste
    it adds (expected unsold units when its units expire, less those without it).
    """
    cost, price = fill_prices(sku.unit_cost, sku.price, costs)
    margin = price - cost
    m, pos = need.protection_mean, need.position
    protection = np.maximum(sku.lead_time + sku.review_period, 1)
    daily = m / protection
    # A tiny daily rate makes a huge (even infinite) number of days: clipped to the year.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lasts = np.where(daily > 0, (pos + qty) / daily, MIN_ORDER_HORIZON_DAYS)
    horizon = np.clip(np.ceil(lasts), protection, MIN_ORDER_HORIZON_DAYS)
    perishable = np.isfinite(sku.shelf_life)
    keeps = sku.lead_time + np.maximum(np.nan_to_num(sku.shelf_life, posinf=0.0), 1)
    horizon = np.where(perishable, np.minimum(horizon, np.maximum(keeps, protection)), horizon)
    hm, hv = window_moments(sku.mean, sku.var, 0, horizon.astype(np.int64), tail=sku.tail)
    if sku.window_var_factor is not None:
        hv = hv * sku.window_var_factor
    lost_none = margin * nb_expected_shortage(pos, hm, hv)
    lost_min = margin * nb_expected_shortage(pos + qty, hm, hv)

    def held_unit_days(stock: np.ndarray) -> np.ndarray:
        # Stock beyond the period's expected demand sells at the daily rate: held on average
        # half the days it takes to sell it (at most the horizon's year).
        excess = np.maximum(stock - m, 0.0)
        days = np.where(daily > 0, excess / np.maximum(daily, 1e-12), MIN_ORDER_HORIZON_DAYS)
        return excess * np.minimum(days, MIN_ORDER_HORIZON_DAYS) / 2.0

    holding = costs.holding_per_day(cost) * (held_unit_days(pos + qty) - held_unit_days(pos))
    waste = np.zeros(sku.n)
    if perishable.any():
        rows, lm, lv = sellable_window(sku, need)

        def unsold(stock: np.ndarray) -> np.ndarray:
            # E[(stock - D)^+] = stock - E[D] + E[(D - stock)^+]
            return np.maximum(stock - lm + nb_expected_shortage(stock, lm, lv), 0.0)

        added = unsold(pos[rows] + qty[rows]) - unsold(pos[rows])
        waste[rows] = cost[rows] * (1.0 - costs.salvage_rate) * np.maximum(added, 0.0)
    return lost_min + holding + waste <= lost_none


def apply_constraints(
    sku: SkuArrays, need: Need, *, costs: CostModel | None = None
) -> Order:
    """Caps, then whole packs, then the minimum order (see the module docstring)."""
    costs = costs or CostModel()
    pack = sku.pack_size
    cap_stock = np.maximum(sku.max_stock - need.at_arrival, 0.0)
    cap_shelf = shelf_life_cap(sku, need)
    cap = np.minimum(cap_stock, cap_shelf)
    # Units: never trust float noise to make a fractional order.
    raw = np.floor(need.raw + 1e-9)
    capped = np.minimum(raw, cap)
    # Which cap binds (the lower one), for the reason text.
    capped_by_stock = (raw > cap) & (cap_stock <= cap_shelf)
    capped_by_shelf = (raw > cap) & (cap_shelf < cap_stock)

    # 2. Whole packs: the nearest count when rounding down still reaches the target (the
    # down-rounded units were safety to spare); otherwise up, so packs do not cost service;
    # never a count that breaks a cap.
    max_packs = np.floor(np.where(np.isfinite(cap), cap, 1e15) / pack + 1e-9)
    down = np.floor(capped / pack + 1e-9)
    nearest = np.floor(capped / pack + 0.5)
    down_keeps_target = need.position + down * pack >= need.target - 1e-9
    wanted = np.where(down_keeps_target, nearest, np.ceil(capped / pack - 1e-9))
    packs = np.minimum(wanted, max_packs)
    qty = packs * pack
    rounded = qty != capped
    rounded_up = qty > capped

    # 3. Minimum order: raise a small order to it when it fits and pays; else nothing.
    min_packs = np.ceil(sku.min_order / pack - 1e-9)
    below = (qty > 0) & (packs < min_packs)
    raised_qty = min_packs * pack
    fits = raised_qty <= cap + 1e-9
    worth = np.zeros(sku.n, dtype=bool)
    if below.any():
        worth = _worth_min_order(sku, need, np.where(below, raised_qty, qty), costs)
    raise_ = below & fits & worth
    skip = below & ~raise_
    packs = np.where(raise_, min_packs, np.where(skip, 0.0, packs))
    qty = packs * pack

    # The smallest order that would reach the target, if the caps allowed it.
    shortfall = np.maximum(need.target - need.position, 0.0)
    smallest_packs = np.maximum(
        np.ceil(shortfall / pack - 1e-9), np.where(shortfall > 0, min_packs, 0.0)
    )
    smallest = smallest_packs * pack
    reached = need.position + qty >= need.target
    unreachable = (need.raw > 0) & ~reached & (smallest > cap + 1e-9)
    achieved = nb_cdf(need.position + qty, need.protection_mean, need.protection_var)
    if need.lost_sales_credit is not None:
        # The credit was reckoned for the order before packs: close enough to report.
        achieved = np.minimum(achieved + need.lost_sales_credit, 1.0)
    return Order(
        quantity=qty,
        packs=packs,
        cap=cap,
        capped_by_stock=capped_by_stock,
        capped_by_shelf_life=capped_by_shelf,
        rounded=rounded & (qty > 0) & ~raise_,
        rounded_up=rounded_up & rounded & (qty > 0) & ~raise_,
        min_order_raised=raise_,
        min_order_skipped=skip,
        unreachable=unreachable,
        achieved_service=achieved,
    )
