"""The order-up-to level when whole packs leave the shelf above it: the target over the cycles.

Ordering ``S - position`` in whole packs of Q rounds up, so after each order the position is
somewhere in ``[S, S + Q - 1]``, roughly evenly (the periodic review, order-in-packs policy of
Hadley and Whitin). Every cycle then starts at or above S, and those above it are served
beyond the target: over the cycles, a pack-rounded S over-serves by what the round-up adds
(the synthetic chain's non-perishables: 0.986 at a 95 % target). The target is the share of
cycles met, so the level is set for the cycles as they run: the smallest s whose average
service over the positions ``s .. s + Q - 1`` reaches the target,

    mean over u of P(D <= s + u) = 1 - (G(s) - G(s + W)) / W >= target,  W = Q - 1,

with G(x) = E[(D - x)^+] (the loss function, on the window's moments). That holds only where
the rounded-up units keep until they sell: for a perishable whose units would expire first,
the surplus is thrown away rather than serving later cycles, and S stays as it is.
"""

from __future__ import annotations

import numpy as np

from shelfcast.replenish.demand import nb_expected_shortage

__all__ = ["KEEP_MARGIN", "lot_width", "lot_order_up_to"]

KEEP_MARGIN = 4.0
"""The rounded-up units must keep this many times the protection period plus the days they
take to sell (a slow spell makes them last longer, and they sell after the older stock);
otherwise the level is not lowered. On the synthetic chain (60-day replay, 95 % target) a
margin of 2 took the perishables from 0.932 to 0.927 and added waste; 4 leaves them as they
were (0.931, the same waste) and the non-perishables on target (0.967)."""


def lot_width(
    pack: np.ndarray,
    daily_rate: np.ndarray,
    shelf_life: np.ndarray,
    protection_days: np.ndarray,
) -> np.ndarray:
    """W per SKU: how far above the level packs leave the position (``pack - 1``), or 0 where
    those units would not keep (a perishable whose shelf life is shorter than
    ``KEEP_MARGIN`` times the protection period plus the days the pack takes to sell)."""
    width = np.maximum(pack - 1.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sells_in = np.where(daily_rate > 0, width / daily_rate, np.inf)
    life = np.where(np.isfinite(shelf_life), shelf_life, np.inf)
    keeps = life >= KEEP_MARGIN * (protection_days + sells_in)
    return np.where(keeps & (daily_rate > 0), width, 0.0)


def lot_order_up_to(
    level: np.ndarray,
    width: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """The smallest whole s in ``[upper - width, upper]`` whose average service over the
    positions ``s .. s + width`` reaches ``level`` (see the module docstring).

    ``upper`` is the level for a single cycle (the target quantile), which always qualifies
    (the average of the cdf from there up is at least the cdf there); a bisection over at most
    ``width + 1`` whole numbers, on the rows with ``width >= 1``.
    """
    out = np.asarray(upper, dtype=np.float64).copy()
    rows = np.flatnonzero((width >= 1) & (mean > 0))
    if rows.size == 0:
        return out
    w, m, v, lvl = width[rows], mean[rows], var[rows], level[rows]
    hi = out[rows]
    lo = np.maximum(hi - w, 0.0)
    todo = np.flatnonzero(lo < hi)
    while todo.size:
        mid = np.floor((lo[todo] + hi[todo]) / 2.0)
        served = 1.0 - (nb_expected_shortage(mid, m[todo], v[todo])
                        - nb_expected_shortage(mid + w[todo], m[todo], v[todo])) / w[todo]
        good = served >= lvl[todo]
        hi[todo] = np.where(good, mid, hi[todo])
        lo[todo] = np.where(good, lo[todo], mid + 1.0)
        todo = todo[lo[todo] < hi[todo]]
    out[rows] = hi
    return out
