"""Inventory policies, vectorised over all SKUs: what each SKU should order before the rules.

- ``RS``: periodic review, order-up-to. Every review, order up to S, the service-level
  quantile of demand over the protection period (lead time + review period), lowered where
  the shelf may empty before the delivery by what lost sales give back (``lost_sales.py``),
  and, where whole packs leave the position above it, to the level whose average service
  over the cycles the packs cover reaches the target (``lots.py``). A window forecast well
  above the SKU's usual rate takes a higher stockout risk (``peaks.py``): its safety stock
  would wait weeks to sell.
- ``SQ``: reorder point s (the same quantile), fixed lot Q (``lot_days`` of expected demand,
  whole packs); when the position is below s, order as many lots as bring it back to s.
- ``SS``: reorder point s, order up to S = s + ``lot_days`` of expected demand.

The inventory position is on hand at ``as_of`` plus what is on order and arrives in time; the
demand before arrival is part of the protection period's distribution (so it is not subtracted
a second time). The expected stock when the order arrives is reported alongside.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from shelfcast.replenish.demand import nb_quantile, window_moments
from shelfcast.replenish.inputs import SkuArrays
from shelfcast.replenish.lost_sales import lost_sales_target
from shelfcast.replenish.lots import lot_order_up_to, lot_width
from shelfcast.replenish.peaks import peak_level

__all__ = ["Policy", "Need", "policy_need"]


class Policy(StrEnum):
    RS = "RS"
    """Periodic review, order-up-to (R, S)."""
    SQ = "sQ"
    """Reorder point, fixed lot (s, Q)."""
    SS = "sS"
    """Reorder point, order-up-to (s, S)."""


@dataclass(frozen=True)
class Need:
    """What a policy asks for, per SKU, before packs, minimum orders and caps."""

    target: np.ndarray
    """The level the position should reach: S for RS and sS, s for sQ."""
    position: np.ndarray
    """On hand + on order arriving in time."""
    raw: np.ndarray
    """Units to order (>= 0, not yet in packs)."""
    protection_mean: np.ndarray
    protection_var: np.ndarray
    lead_mean: np.ndarray
    """Expected demand before an order placed now arrives."""
    lead_var: np.ndarray
    at_arrival: np.ndarray
    """Expected stock when the order arrives (without it), never below 0."""
    lost_sales_credit: np.ndarray | None = None
    """The cycle service that lost (not back-ordered) demand before arrival adds to
    P(protection-period demand <= target) (``lost_sales.py``); None: none counted."""
    level: np.ndarray | None = None
    """The service level S was set for, per SKU (below the target on a peak window:
    ``peaks.py``); None: the target."""
    lot_width: np.ndarray | None = None
    """How far above the target whole packs leave the position, where the target is set for
    the average over those cycles (``lots.py``; 0: a single cycle's level); None: not used."""


def policy_need(
    sku: SkuArrays, policy: Policy | str = Policy.RS, *, lot_days: int = 7,
    lost_sales: bool = True, packs_over_cycles: bool = True, peaks: bool = True,
) -> Need:
    """The units each SKU needs under ``policy`` (see the module docstring).

    ``lost_sales``: for ``RS``, size S for the cycle service target when unmet demand is lost
    (a shop), not back-ordered (``lost_sales.py``). ``packs_over_cycles``: for ``RS``, lower S
    to the level whose service averaged over the positions whole packs leave reaches the
    target (``lots.py``). ``peaks``: for ``RS``, where ``sku.usual_rate`` is known, the level
    of a window forecast above the usual rate (``peaks.py``).
    """
    policy = Policy(policy)
    protection = sku.lead_time + sku.review_period
    pm, pv = window_moments(sku.mean, sku.var, 0, protection)
    lm, lv = window_moments(sku.mean, sku.var, 0, sku.lead_time)
    if sku.window_var_factor is not None:
        # Days are not independent for lumpy demand: widen the sums as past errors say.
        pv = pv * sku.window_var_factor
        lv = lv * sku.window_var_factor
    level = sku.service_level
    if policy is Policy.RS and peaks and sku.usual_rate is not None:
        level = peak_level(level, pm, sku.usual_rate, protection)
    target = nb_quantile(level, pm, pv)
    position = sku.on_hand + sku.on_order
    credit = width = None
    if policy is Policy.RS:
        rm, rv = window_moments(sku.mean, sku.var, sku.lead_time, sku.review_period,
                                tail=sku.tail)
        if sku.window_var_factor is not None:
            rv = rv * sku.window_var_factor
        if lost_sales:
            target, credit = lost_sales_target(level, position, target,
                                               (pm, pv), (lm, lv), (rm, rv))
        if packs_over_cycles:
            width = lot_width(sku.pack_size, rm / np.maximum(sku.review_period, 1),
                              sku.shelf_life, protection)
            # At the level the lost-sales credit left (the target less the credit).
            net = np.broadcast_to(level, target.shape)
            if credit is not None:
                net = np.where(credit > 0, np.maximum(net - credit, 0.5), net)
            target = lot_order_up_to(net, width, pm, pv, target)
        raw = target - position
    else:
        lot_mean, _ = window_moments(sku.mean, sku.var, sku.lead_time, lot_days, tail=sku.tail)
        if policy is Policy.SQ:
            lot = np.maximum(sku.pack_size, np.round(lot_mean / sku.pack_size) * sku.pack_size)
            lots = np.ceil(np.maximum(target - position, 0.0) / lot)
            raw = np.where(position < target, lots * lot, 0.0)
        else:
            order_up_to = target + lot_mean
            raw = np.where(position < target, order_up_to - position, 0.0)
    raw = np.where(pm > 0, np.maximum(raw, 0.0), 0.0)
    at_arrival = np.maximum(position - lm, 0.0)
    return Need(
        target=target,
        position=position,
        raw=raw,
        protection_mean=pm,
        protection_var=pv,
        lead_mean=lm,
        lead_var=lv,
        at_arrival=at_arrival,
        lost_sales_credit=credit,
        level=np.broadcast_to(level, pm.shape).copy(),
        lot_width=width,
    )
