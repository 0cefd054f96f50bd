"""The rules always hold: whole packs, minimum orders, capacity, shelf life, nothing negative."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelfcast.config import Settings
from shelfcast.replenish.constraints import apply_constraints, shelf_life_cap
from shelfcast.replenish.costs import CostModel
from shelfcast.replenish.demand import nb_quantile, window_moments
from shelfcast.replenish.inputs import prepare_inputs
from shelfcast.replenish.policies import Policy, policy_need
from tests.replenish.frames import forecast_frame, inventory_frame

N = 12
sku_lists = {
    "on_hand": st.lists(st.floats(0, 200), min_size=N, max_size=N),
    "on_order": st.lists(st.floats(0, 50), min_size=N, max_size=N),
    "pack_size": st.lists(st.integers(1, 48), min_size=N, max_size=N),
    "min_order": st.lists(st.floats(0, 100), min_size=N, max_size=N),
    "max_stock": st.lists(st.floats(0, 300), min_size=N, max_size=N),
    "lead_time_days": st.lists(st.integers(0, 5), min_size=N, max_size=N),
    "review_period_days": st.lists(st.integers(1, 7), min_size=N, max_size=N),
    "service_level": st.lists(st.floats(0.5, 0.999), min_size=N, max_size=N),
    "shelf_life_days": st.lists(st.one_of(st.none(), st.integers(1, 10)), min_size=N,
                                max_size=N),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    means=st.lists(st.floats(0, 40), min_size=N, max_size=N),
    dispersion=st.floats(1.0, 5.0),
    policy=st.sampled_from(list(Policy)),
    **sku_lists,
)
def test_orders_obey_every_rule(means, dispersion, policy, **columns) -> None:
    mean = np.repeat(np.asarray(means)[:, None], 20, axis=1)
    fc = forecast_frame(mean, mean * dispersion)
    inv = inventory_frame(N, **columns)
    sku = prepare_inputs(fc, inv, settings=Settings(), extra_days=7)
    need = policy_need(sku, policy)
    order = apply_constraints(sku, need)
    q = order.quantity
    assert (q >= 0).all()
    # whole packs
    np.testing.assert_allclose(q, order.packs * sku.pack_size)
    assert np.all(order.packs == np.round(order.packs))
    # a minimum order is met or nothing is ordered
    assert np.all((q == 0) | (q >= sku.min_order - 1e-9))
    # shelf capacity: the stock expected when it arrives plus the order fits
    assert np.all(need.at_arrival + q <= np.maximum(sku.max_stock, need.at_arrival) + 1e-9)
    # never above the caps
    assert np.all(q <= order.cap + 1e-9)
    # zero demand: no order
    assert np.all(q[need.protection_mean == 0] == 0)
    # a target out of reach is said, never met by breaking a cap
    reached = need.position + q >= need.target
    assert np.all(reached | order.unreachable | (q < need.raw) | (need.raw == 0))


def test_packs_round_up_when_rounding_down_would_miss_the_target() -> None:
    fc = forecast_frame(np.full((3, 5), 10.0), np.full((3, 5), 10.0))
    inv = inventory_frame(3, on_hand=0.0, pack_size=[12, 12, 1], lead_time_days=2,
                          review_period_days=1)
    sku = prepare_inputs(fc, inv, settings=Settings())
    # The rounding of a given S (the level averaged over the packs' cycles: test_lots.py).
    need = policy_need(sku, packs_over_cycles=False)
    order = apply_constraints(sku, need)
    # S = q95 of Poisson(30) = 39 -> 39 / 12 = 3.25; 3 packs (36) miss S, so 4 packs.
    assert need.target.tolist() == [39.0, 39.0, 39.0]
    assert order.quantity.tolist() == [48.0, 48.0, 39.0]
    assert order.rounded_up.tolist() == [True, True, False]
    assert (order.achieved_service[:2] >= 0.95).all()


def test_packs_round_to_the_nearest_when_rounding_down_still_meets_the_target() -> None:
    # (s, S): s = 39 (q95 of Poisson(30)), S = s + a week (70) = 109 = 9.08 packs of 12.
    # Down to 9 packs (108) still clears s, so the nearest count stands; for (R, S) the
    # order is S - position, so rounding down always misses S and it rounds up.
    fc = forecast_frame(np.full((2, 12), 10.0), np.full((2, 12), 10.0))
    inv = inventory_frame(2, on_hand=0.0, pack_size=12, lead_time_days=2,
                          review_period_days=1, unit_cost=1.0)
    sku = prepare_inputs(fc, inv, settings=Settings(), extra_days=7)
    need = policy_need(sku, Policy.SS)
    order = apply_constraints(sku, need)
    assert need.raw.tolist() == [109.0, 109.0]
    assert order.quantity.tolist() == [108.0, 108.0]
    assert order.rounded.tolist() == [True, True]
    assert order.rounded_up.tolist() == [False, False]
    assert (need.position + order.quantity >= need.target).all()


def test_a_reason_says_when_packs_were_rounded_up_for_the_target() -> None:
    from shelfcast.replenish.proposals import propose

    fc = forecast_frame(np.full((1, 5), 10.0), np.full((1, 5), 10.0))
    inv = inventory_frame(1, on_hand=0.0, pack_size=12, lead_time_days=2, review_period_days=1)
    orders = propose(fc, inv, settings=Settings()).orders
    # The level for the cycles the packs cover is 35 (test_lots.py): 2.9 packs, so 3.
    assert orders["quantity"].to_list() == [36.0]
    assert "order up to 35 (95 % of 3-day demand over the cycles a pack covers" in (
        orders["reason"][0])
    assert "rounded up to 3 pack(s) of 12 to keep the 95 % target" in orders["reason"][0]


def test_one_pack_that_does_not_fit_is_not_ordered_and_is_flagged() -> None:
    fc = forecast_frame(np.full((1, 5), 5.0))
    inv = inventory_frame(1, on_hand=0.0, pack_size=24, max_stock=20.0)
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    order = apply_constraints(sku, need)
    assert order.quantity.tolist() == [0.0]
    assert order.unreachable.tolist() == [True]


def test_minimum_order_is_raised_when_worth_it_and_skipped_when_not() -> None:
    # A fast mover short of stock: raising 6 units to a minimum of 12 pays.
    # A slow mover (0.05 a day) needing one unit: 200 units would sit for years.
    fc = forecast_frame(np.array([[10.0] * 5, [0.05] * 5]), np.array([[10.0] * 5, [0.05] * 5]))
    inv = inventory_frame(2, on_hand=[30.0, 0.0], min_order=[40.0, 200.0])
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    assert need.raw[0] > 0 and need.raw[1] > 0
    order = apply_constraints(sku, need, costs=CostModel())
    assert order.quantity.tolist() == [40.0, 0.0]
    assert order.min_order_raised.tolist() == [True, False]
    assert order.min_order_skipped.tolist() == [False, True]


def test_a_perishable_never_gets_more_than_sells_before_it_expires() -> None:
    rng = np.random.default_rng(0)
    n = 200
    mean = rng.gamma(1.0, 8.0, (n, 1)) * np.ones((1, 12))
    fc = forecast_frame(mean, mean * 2.0)
    life = rng.integers(1, 6, n)
    inv = inventory_frame(n, on_hand=rng.uniform(0, 30, n), shelf_life_days=life,
                          review_period_days=rng.integers(1, 4, n),
                          pack_size=rng.integers(1, 7, n), unit_cost=1.0)
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    order = apply_constraints(sku, need)
    # The demand from now until the order's units expire (lead time + shelf life), at the
    # target service level: the position (sold first) plus the order never exceeds it.
    m, v = window_moments(sku.mean, sku.var, 0, sku.lead_time + life)
    sellable = nb_quantile(sku.service_level, m, v)
    ordered = order.quantity > 0
    assert np.all(need.position[ordered] + order.quantity[ordered] <= sellable[ordered] + 1e-9)
    assert np.isfinite(shelf_life_cap(sku, need)).all()
    assert ordered.any()


def test_the_shelf_life_cap_keeps_the_target_when_the_shelf_life_covers_the_cycle() -> None:
    # Same demand, review every 3 days; shelf lives of 1, 2 (shorter than the cycle) and
    # 3, 5 (covering it). Packs of 1, no minimum: only the cap can stand in the way.
    mean = np.full((4, 14), 6.0)
    fc = forecast_frame(mean, mean * 1.5)
    inv = inventory_frame(4, on_hand=0.0, shelf_life_days=[1, 2, 3, 5], review_period_days=3,
                          lead_time_days=2, unit_cost=1.0, service_level=0.95)
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    order = apply_constraints(sku, need)
    reaches = need.position + order.quantity >= need.target - 1e-9
    assert reaches.tolist() == [False, False, True, True]
    assert order.unreachable.tolist() == [True, True, False, False]
    assert order.capped_by_shelf_life[:2].all() and not order.capped_by_shelf_life[2:].any()
    # The achieved level of a capped line is what the cap allows, below the target.
    assert (order.achieved_service[:2] < 0.95).all()
    assert (order.achieved_service[2:] >= 0.95 - 1e-9).all()


def test_a_perishable_minimum_order_is_placed_only_when_its_margin_pays_for_its_waste() -> None:
    # Two perishables, 3 days of shelf life, 4 a day, nothing on hand: each needs 14 units and
    # has a minimum of 20, within the shelf-life cap. The expected waste of the 6 extra units
    # is the same; a 50 % margin pays for it (placed), a 1 % margin does not (skipped).
    fc = forecast_frame(np.full((2, 10), 4.0), np.full((2, 10), 6.0))
    inv = inventory_frame(2, on_hand=0.0, shelf_life_days=3, lead_time_days=1,
                          review_period_days=1, min_order=20.0, unit_cost=1.0,
                          service_level=0.95)
    sku = replace(prepare_inputs(fc, inv, settings=Settings()), price=np.array([2.0, 1.01]))
    need = policy_need(sku)
    assert (need.raw < 20).all()
    order = apply_constraints(sku, need)
    assert (order.cap >= 20).all()
    assert order.min_order_raised.tolist() == [True, False]
    assert order.min_order_skipped.tolist() == [False, True]
    assert order.quantity.tolist() == [20.0, 0.0]


def test_the_minimum_order_weighs_the_stockout_it_prevents() -> None:
    # A non-perishable at 5 a day with nothing on hand needs about 12 units; its minimum
    # is 30. Skipping loses the margin of the stockout; the extra 18 units sell in days.
    # The same item already stocked beyond its need orders nothing at all.
    fc = forecast_frame(np.full((2, 10), 5.0), np.full((2, 10), 8.0))
    inv = inventory_frame(2, on_hand=[0.0, 40.0], lead_time_days=1, review_period_days=1,
                          min_order=30.0, unit_cost=1.0)
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    order = apply_constraints(sku, need)
    assert order.quantity.tolist() == [30.0, 0.0]
    assert order.min_order_raised.tolist() == [True, False]
    assert not order.min_order_skipped.any()


def test_a_longer_shelf_life_never_lowers_the_order() -> None:
    mean = np.full((2, 20), 6.0)
    fc = forecast_frame(mean)
    inv = inventory_frame(2, on_hand=0.0, shelf_life_days=[2, 10], review_period_days=3,
                          unit_cost=1.0)
    sku = prepare_inputs(fc, inv, settings=Settings())
    order = apply_constraints(sku, policy_need(sku))
    assert order.quantity[0] < order.quantity[1]
    assert order.capped_by_shelf_life[0]


def test_a_slow_mover_gets_its_minimum_order_when_skipping_would_leave_it_empty() -> None:
    # 0.3 a day, empty shelf, minimum 48 (about 160 days of demand), unit cost 1.4, price 2.4.
    # Against one cycle's lost margin the minimum never pays, so every review would skip it and
    # the shelf would stay empty; over the days it lasts, the margin it saves (about 48 units)
    # far outweighs holding it. A minimum of 2,000 (years of demand) is still skipped.
    fc = forecast_frame(np.full((2, 10), 0.3), np.full((2, 10), 0.4))
    inv = inventory_frame(2, on_hand=0.0, lead_time_days=4, review_period_days=3,
                          min_order=[48.0, 2000.0], unit_cost=1.4)
    sku = replace(prepare_inputs(fc, inv, settings=Settings()), price=np.array([2.4, 2.4]))
    need = policy_need(sku)
    assert (need.raw > 0).all()
    order = apply_constraints(sku, need)
    assert order.min_order_raised.tolist() == [True, False]
    assert order.min_order_skipped.tolist() == [False, True]
    assert order.quantity.tolist() == [48.0, 0.0]
