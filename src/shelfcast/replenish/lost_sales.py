"""The order-up-to level for a cycle service target when unmet demand is lost.

The textbook level S, the target quantile of protection-period demand, is exact when unmet
demand waits for the next delivery (back-orders): the cycle after the delivery runs short
exactly when the demand of the whole protection period exceeds S. A supermarket's shopper
does not wait. When the demand before the delivery arrives exceeds the position (the shelf
empties before the truck comes), that excess is lost rather than carried into the next cycle,
and the cycle after the delivery then runs short only if its own demand exceeds the order:

    P(cycle met) = P(D_L + D_R <= pos + Q) + P(D_L > pos, pos + Q - D_L < D_R <= Q)

with D_L the demand before arrival and D_R the review period's after it. The second term
(the *lost-sales credit*) is what the back-order level over-provides; it matters where the
shelf may empty before the delivery, as with lumpy demand (a wholesale order) on short
cycles. It is summed over D_L's excess over the position:
credit(Q) = sum over x of P(D_L = pos + x) (F_R(Q) - F_R(Q - x)). The level is then the quantile of
protection-period demand at (target - credit), the credit taken at the back-order order, never
above the back-order level. It is taken only where the position covers the expected demand
before arrival: the credit is for the lump that empties a shelf now and then, not for a shelf
that is short by design.
"""

from __future__ import annotations

import numpy as np

from shelfcast.replenish.demand import nb_cdf, nb_quantile

__all__ = ["lost_sales_credit", "lost_sales_target", "CREDIT_FLOOR"]

BINS = 2
"""Bins of D_L's excess over the position in the credit's sum (a Monte Carlo test holds it to
2 points)."""
CREDIT_FLOOR = 5e-3
"""Below this chance of an empty shelf before arrival (the most the credit can be), the
back-order level is kept as it is."""


def lost_sales_credit(
    order: np.ndarray,
    position: np.ndarray,
    lead: tuple[np.ndarray, np.ndarray],
    review: tuple[np.ndarray, np.ndarray],
    *,
    covered: np.ndarray | None = None,
) -> np.ndarray:
    """The lost-sales credit (see the module docstring) of ordering ``order`` at ``position``.

    ``lead`` and ``review`` are (mean, variance) of D_L and D_R; ``covered``, P(D_L <= position)
    when the caller has it. The sum over D_L's excess x over the position, of
    P(x) (F_R(Q) - F_R(Q - x)), is taken over ``BINS`` equal bins of x in [0, Q] (each at its
    middle) plus the tail x > Q, where the cycle is met if D_R <= Q.
    """
    lm, lv = lead
    rm, rv = review
    q = np.maximum(np.floor(order), 0.0)
    f_q = nb_cdf(q, rm, rv)
    width = q / BINS
    below = nb_cdf(position, lm, lv) if covered is None else covered
    credit = np.zeros(q.shape)
    for j in range(1, BINS + 1):
        upper = nb_cdf(position + np.floor(j * width), lm, lv)
        x_mid = (j - 0.5) * width
        credit += (upper - below) * (f_q - nb_cdf(q - np.maximum(x_mid, 1.0), rm, rv))
        below = upper
    credit += (1.0 - below) * f_q
    return np.where(lm > 0, np.clip(credit, 0.0, 1.0), 0.0)


def lost_sales_target(
    level: np.ndarray,
    position: np.ndarray,
    backorder_target: np.ndarray,
    protection: tuple[np.ndarray, np.ndarray],
    lead: tuple[np.ndarray, np.ndarray],
    review: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """(order-up-to level, credit) per SKU for a cycle service ``level`` under lost sales.

    Only SKUs whose position covers the expected demand before arrival but may not cover all
    of it (P(D_L > position) >= ``CREDIT_FLOOR``) are recomputed; the others keep
    ``backorder_target`` and a credit of 0.
    """
    target = np.asarray(backorder_target, dtype=np.float64).copy()
    credit = np.zeros(target.shape)
    lm, lv = lead
    # Only a shelf expected to last until the delivery but that may not (a lump of demand):
    # where the position is short of the expected demand before arrival, the shortage is
    # the rule, not a tail, and counting it as a credit would let a slow mover's shelf sit
    # empty while zero-demand days score as cycles met.
    at_risk = (lm > 0) & (target > position) & (position >= lm)
    idx = np.flatnonzero(at_risk)
    covered = nb_cdf(position[idx], lm[idx], lv[idx])
    keep = 1.0 - covered >= CREDIT_FLOOR
    idx, covered = idx[keep], covered[keep]
    # The credit is at most P(D_L > pos): where even that cannot take S one unit lower, the
    # level stands (one cdf evaluation that spares those SKUs the credit's half dozen).
    level_at = np.broadcast_to(level, target.shape)[idx]
    movable = (nb_cdf(target[idx] - 1.0, protection[0][idx], protection[1][idx])
               + (1.0 - covered) >= level_at)
    rows, covered = idx[movable], covered[movable]
    if rows.size == 0:
        return target, credit
    pm, pv = protection[0][rows], protection[1][rows]
    pos, lvl = position[rows], np.broadcast_to(level, target.shape)[rows]
    # One step: the credit of the back-order order, then the level short of the target by
    # it. The credit hardly moves with the order (both F_R terms shift together), and one
    # step keeps the cost to a few cdf evaluations on the SKUs at risk.
    c = lost_sales_credit(target[rows] - pos, pos, (lm[rows], lv[rows]),
                          (review[0][rows], review[1][rows]), covered=covered)
    target[rows] = np.minimum(nb_quantile(np.maximum(lvl - c, 0.5), pm, pv), target[rows])
    credit[rows] = c
    return target, credit
