"""The cost model: holding, lost margin and waste, and what follows from it.

The inventory table gives ``unit_cost``; the selling price comes from the latest ``price`` in
``sales`` where there is one. Where either is missing, the model fills in from a margin rate, so
costs stay comparable between SKUs even for a chain that shares no money figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CostModel", "fill_prices"]


@dataclass(frozen=True)
class CostModel:
    """Money assumptions for replenishment decisions and for the simulation's total cost."""

    holding_rate_per_year: float = 0.25
    """Holding cost per year as a fraction of the unit cost (capital, space, shrink)."""
    margin_rate: float = 0.30
    """Gross margin as a fraction of the price, used when price or cost is unknown."""
    salvage_rate: float = 0.0
    """Fraction of the unit cost recovered from an expired unit."""

    def holding_per_day(self, unit_cost: np.ndarray) -> np.ndarray:
        return unit_cost * self.holding_rate_per_year / 365.0


def fill_prices(
    unit_cost: np.ndarray, price: np.ndarray, costs: CostModel
) -> tuple[np.ndarray, np.ndarray]:
    """(unit_cost, price) with gaps (NaN) filled from each other and the margin rate.

    With neither known, a price of 1 (costs then read as fractions of the price).
    """
    cost = np.asarray(unit_cost, dtype=np.float64).copy()
    p = np.asarray(price, dtype=np.float64).copy()
    keep = 1.0 - costs.margin_rate
    only_cost = np.isfinite(cost) & ~np.isfinite(p)
    p[only_cost] = cost[only_cost] / keep
    neither = ~np.isfinite(cost) & ~np.isfinite(p)
    p[neither] = 1.0
    no_cost = ~np.isfinite(cost)
    cost[no_cost] = p[no_cost] * keep
    # A price at or below cost (a clearance) still leaves a margin to lose; keep it positive.
    p = np.maximum(p, cost * 1.01)
    return cost, p
