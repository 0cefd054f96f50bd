"""The service level of a window forecast well above the usual rate (``peaks.py``)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from shelfcast.config import Settings
from shelfcast.replenish.demand import nb_quantile
from shelfcast.replenish.inputs import prepare_inputs
from shelfcast.replenish.peaks import peak_level
from shelfcast.replenish.policies import policy_need
from shelfcast.replenish.proposals import propose
from tests.replenish.frames import AS_OF, forecast_frame, inventory_frame


def test_only_windows_above_the_usual_rate_take_more_risk() -> None:
    level = np.full(5, 0.95)
    mean = np.array([30.0, 60.0, 120.0, 30.0, 3000.0])
    rate = np.array([10.0, 10.0, 10.0, np.nan, 1.0])
    got = peak_level(level, mean, rate, np.full(5, 3))
    # Ordinary (rho 1), rho 2, rho 4, rate unknown, rho 1000 (floored at the median).
    np.testing.assert_allclose(got, [0.95, 1 - 0.05 * np.sqrt(2), 0.90, 0.95, 0.5])


def test_a_peak_window_orders_up_to_its_lower_level_and_says_so() -> None:
    # Two SKUs forecast at 40 a day; one sold 40 a day over the last 4 weeks, the other 10.
    fc = forecast_frame(np.full((2, 5), 40.0), np.full((2, 5), 120.0))
    inv = inventory_frame(2, on_hand=0.0, lead_time_days=2, review_period_days=1)
    days = [AS_OF - timedelta(days=k) for k in range(28)]
    sales = pl.DataFrame({
        "date": days * 2, "store_id": ["S0"] * 28 + ["S1"] * 28,
        "item_id": ["I0"] * 28 + ["I1"] * 28, "sales": [40.0] * 28 + [10.0] * 28,
    })
    orders = propose(fc, inv, sales=sales, settings=Settings()).orders.sort("store_id")
    # The usual SKU: q95 of its 3-day demand; the peak (rho 4): q90 of the same demand.
    need = policy_need(prepare_inputs(fc, inv, settings=Settings()), peaks=False)
    m, v = need.protection_mean, need.protection_var
    assert orders["quantity"].to_list() == [nb_quantile(0.95, m, v)[0],
                                            nb_quantile(0.90, m, v)[1]]
    assert "(95 % of 3-day demand" in orders["reason"][0]
    assert "(90 % of 3-day demand" in orders["reason"][1]


def test_without_a_usual_rate_the_level_is_the_target() -> None:
    fc = forecast_frame(np.full((1, 5), 40.0), np.full((1, 5), 120.0))
    inv = inventory_frame(1, on_hand=0.0, lead_time_days=2, review_period_days=1)
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    assert sku.usual_rate is None and need.level is not None and need.level[0] == 0.95
