"""The rules an order must obey, in their order of precedence, vectorised over all SKUs.

1. Hard caps first: shelf capacity (``max_stock``: stock after the delivery may not exceed it)
   and, for perishables, the shelf-life cap (no more than sells before it expires).
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

from shelfcast.replenish.costs import CostModel, critical_ratio, fill_prices
from shelfcast.replenish.demand import nb_cdf, nb_expected_shortage, nb_quantile, window_moments
from shelfcast.replenish.inputs import SkuArrays
from shelfcast.replenish.policies import Need

__all__ = ["Order", "apply_constraints", "shelf_life_cap"]


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
    """P(protection-period demand <= position + order): the cycle service level it gives."""


def shelf_life_cap(sku: SkuArrays, need: Need, costs: CostModel) -> np.ndarray:
    """Stock allowed at arrival for perishables: what sells before it expires (inf otherwise).

    The newsvendor quantile of demand over the shelf life after arrival, at the lower of the
    service target and the critical ratio (when waste costs more than the margin it protects,
    stock less). Less the stock expected to be there already: old stock sells first.
    """
    perishable = np.isfinite(sku.shelf_life)
    cap = np.full(sku.n, np.inf)
    if not perishable.any():
        return cap
    rows = np.flatnonzero(perishable)
    life = np.maximum(sku.shelf_life[rows], 1).astype(np.int64)
    m, v = window_moments(sku.mean[rows], sku.var[rows], sku.lead_time[rows], life,
                          tail=(sku.tail_mean[rows], sku.tail_var[rows]))
    cost, price = fill_prices(sku.unit_cost[rows], sku.price[rows], costs)
    level = np.minimum(sku.service_level[rows], critical_ratio(cost, price, costs))
    sellable = nb_quantile(level, m, v)
    cap[rows] = np.maximum(sellable - need.at_arrival[rows], 0.0)
    return cap


def _worth_min_order(
    sku: SkuArrays, need: Need, qty: np.ndarray, costs: CostModel
) -> np.ndarray:
    """Is ordering ``qty`` (the raised minimum) cheaper than ordering nothing this cycle?

    Nothing: the margin lost on the expected shortage. The minimum: the (smaller) margin
    lost, plus holding the units beyond expected demand until they sell, plus, for
    perishables, the expected waste of what does not sell within the shelf life.
    """
    cost, price = fill_prices(sku.unit_cost, sku.price, costs)
    margin = price - cost
    m, v, pos = need.protection_mean, need.protection_var, need.position
    lost_none = margin * nb_expected_shortage(pos, m, v)
    lost_min = margin * nb_expected_shortage(pos + qty, m, v)
    daily = m / np.maximum(sku.lead_time + sku.review_period, 1)
    excess = np.maximum(pos + qty - m, 0.0)
    # Excess sells at the daily rate: on average held half the days it takes to sell it.
    days_held = np.where(daily > 0, excess / np.maximum(daily, 1e-12), 365.0)
    holding = costs.holding_per_day(cost) * excess * np.minimum(days_held, 365.0) / 2.0
    waste = np.zeros(sku.n)
    perishable = np.isfinite(sku.shelf_life)
    if perishable.any():
        rows = np.flatnonzero(perishable)
        life = np.maximum(sku.shelf_life[rows], 1).astype(np.int64)
        lm, lv = window_moments(sku.mean[rows], sku.var[rows], 0, life,
                                tail=(sku.tail_mean[rows], sku.tail_var[rows]))
        stock = pos[rows] + qty[rows]
        # E[(stock - D)^+] = stock - E[D] + E[(D - stock)^+]
        unsold = stock - lm + nb_expected_shortage(stock, lm, lv)
        waste[rows] = cost[rows] * (1.0 - costs.salvage_rate) * np.maximum(unsold, 0.0)
    return lost_min + holding + waste <= lost_none


def apply_constraints(
    sku: SkuArrays, need: Need, *, costs: CostModel | None = None
) -> Order:
    """Caps, then whole packs, then the minimum order (see the module docstring)."""
    costs = costs or CostModel()
    pack = sku.pack_size
    cap_stock = np.maximum(sku.max_stock - need.at_arrival, 0.0)
    cap_shelf = shelf_life_cap(sku, need, costs)
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
