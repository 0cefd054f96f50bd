"""Policies: order-up-to, reorder points, promotions, zero demand."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from shelfcast.config import Settings
from shelfcast.replenish.demand import nb_cdf
from shelfcast.replenish.inputs import prepare_inputs
from shelfcast.replenish.lost_sales import lost_sales_credit
from shelfcast.replenish.policies import Policy, policy_need
from shelfcast.replenish.proposals import propose
from tests.replenish.frames import AS_OF, forecast_frame, inventory_frame


def test_order_up_to_covers_the_protection_period_quantile() -> None:
    fc = forecast_frame(np.full((1, 10), 10.0), np.full((1, 10), 10.0))
    inv = inventory_frame(1, on_hand=5.0, on_order=4.0, lead_time_days=2, review_period_days=1)
    need = policy_need(prepare_inputs(fc, inv, settings=Settings()))
    # Poisson(30): q95 = 39. Position 9 -> 30 to order.
    assert need.target[0] == 39 and need.raw[0] == 30


def test_on_order_arriving_after_an_order_placed_now_does_not_count() -> None:
    fc = forecast_frame(np.full((2, 10), 10.0), np.full((2, 10), 10.0))
    inv = inventory_frame(2, on_hand=5.0, on_order=20.0,
                          next_arrival_date=[AS_OF + timedelta(2), AS_OF + timedelta(6)])
    need = policy_need(prepare_inputs(fc, inv, settings=Settings()))
    assert need.position.tolist() == [25.0, 5.0]


def test_defaults_come_from_settings_where_the_table_is_silent() -> None:
    fc = forecast_frame(np.full((1, 10), 10.0), np.full((1, 10), 10.0))
    inv = inventory_frame(1, on_hand=0.0)
    sku = prepare_inputs(fc, inv, settings=Settings(lead_time_days=3, review_period_days=2,
                                                     service_level=0.9))
    assert sku.lead_time[0] == 3 and sku.review_period[0] == 2 and sku.service_level[0] == 0.9


def test_reorder_point_policies_order_only_below_the_reorder_point() -> None:
    fc = forecast_frame(np.full((2, 20), 10.0), np.full((2, 20), 10.0))
    inv = inventory_frame(2, on_hand=[10.0, 100.0], pack_size=6)
    sku = prepare_inputs(fc, inv, settings=Settings(), extra_days=7)
    for policy in (Policy.SQ, Policy.SS):
        need = policy_need(sku, policy)
        assert need.raw[0] > 0 and need.raw[1] == 0
    sq = policy_need(sku, Policy.SQ)
    assert sq.raw[0] % 6 == 0 and sq.raw[0] >= 70  # a lot is a week of demand, in packs


def test_an_item_on_promotion_next_week_gets_a_larger_order() -> None:
    base = np.full((2, 14), 8.0)
    base[1, 3:10] *= 2.4  # the promo week, as the forecast sees it
    fc = forecast_frame(base, base * 1.5)
    inv = inventory_frame(2, on_hand=20.0, review_period_days=7, lead_time_days=2)
    future = fc.select("date", "store_id", "item_id").with_columns(
        promo=((pl.col("store_id") == "S1") & (pl.col("date") >= AS_OF + timedelta(4)))
        .cast(pl.Float64)
    )
    # The last four weeks sold 8 a day for both.
    sales = pl.DataFrame({
        "date": [AS_OF] * 2, "store_id": ["S0", "S1"], "item_id": ["I0", "I1"],
        "sales": [8.0 * 28] * 2,
    })
    out = propose(fc, inv, sales=sales, future=future)
    q = dict(zip(out.orders["item_id"], out.orders["quantity"], strict=True))
    assert q["I1"] > q["I0"] * 1.5
    reason = out.orders.filter(out.orders["item_id"] == "I1")["reason"][0]
    assert reason.startswith("promo from ") and "% expected" in reason


def test_zero_demand_items_get_no_order() -> None:
    fc = forecast_frame(np.zeros((3, 10)), np.zeros((3, 10)))
    inv = inventory_frame(4, on_hand=[0.0, 0.0, 5.0, 0.0], pack_size=6, min_order=12.0)
    out = propose(fc.filter(fc["item_id"] != "I3"), inv)  # I3 has no forecast at all
    assert out.orders.height == 0
    assert set(out.alerts.filter(out.alerts["kind"] == "excess_stock")["item_id"]) == {"I2"}


def _lost_sales_cycle_met(pos, order, lead_days, review_days, day_mean, day_var, rng, n=400_000):
    """Monte Carlo of one cycle under lost sales: the shelf holds ``pos`` until the delivery
    of ``order``; demand before it beyond the shelf is lost; the cycle is met when the review
    period's demand after the delivery is covered."""
    p = day_mean / day_var
    r = day_mean * day_mean / (day_var - day_mean)
    lead = rng.negative_binomial(r, p, (n, lead_days)).sum(axis=1)
    review = rng.negative_binomial(r, p, (n, review_days)).sum(axis=1)
    at_arrival = np.maximum(pos - lead, 0) + order
    return float((review <= at_arrival).mean())


def test_the_lost_sales_credit_matches_a_monte_carlo_of_lost_sales_cycles() -> None:
    rng = np.random.default_rng(7)
    lead_days, review_days, day_mean, day_var = 2, 1, 6.0, 60.0  # lumpy: variance 10x mean
    lm, lv = lead_days * day_mean, lead_days * day_var
    rm, rv = review_days * day_mean, review_days * day_var
    pm, pv = lm + rm, lv + rv
    for pos, order in [(14.0, 6.0), (20.0, 3.0), (12.0, 10.0)]:
        pos_a, order_a = np.array([pos]), np.array([order])
        backorder = nb_cdf(pos_a + order_a, np.array([pm]), np.array([pv]))[0]
        credit = lost_sales_credit(order_a, pos_a, (np.array([lm]), np.array([lv])),
                                   (np.array([rm]), np.array([rv])))[0]
        simulated = _lost_sales_cycle_met(pos, order, lead_days, review_days, day_mean,
                                          day_var, rng)
        assert credit > 0.01
        assert abs(backorder + credit - simulated) < 0.02, (pos, order)


def test_lost_sales_lower_s_for_lumpy_short_cycles_and_never_for_a_shelf_short_by_design() -> None:
    # Three SKUs, lead time 2, daily review, 6 a day with variance 60 (lumpy):
    # a position covering the lead time (credit taken), a position well above S (no order),
    # an empty shelf (short by design: the back-order level stands).
    mean = np.full((3, 10), 6.0)
    fc = forecast_frame(mean, mean * 10.0)
    inv = inventory_frame(3, on_hand=[14.0, 200.0, 0.0], lead_time_days=2,
                          review_period_days=1)
    sku = prepare_inputs(fc, inv, settings=Settings())
    shop = policy_need(sku)
    backorder = policy_need(sku, lost_sales=False)
    assert shop.target[0] < backorder.target[0]
    assert shop.lost_sales_credit is not None and shop.lost_sales_credit[0] > 0
    assert shop.raw[1] == backorder.raw[1] == 0
    assert shop.target[2] == backorder.target[2] and shop.lost_sales_credit[2] == 0
    # The level it orders to still gives the target once the credit is counted.
    achieved = nb_cdf(shop.target, shop.protection_mean, shop.protection_var)
    assert achieved[0] + shop.lost_sales_credit[0] >= 0.95 - 0.01
