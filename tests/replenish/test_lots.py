"""The order-up-to level over the cycles whole packs cover (``lots.py``)."""

from __future__ import annotations

import numpy as np

from shelfcast.config import Settings
from shelfcast.replenish.constraints import apply_constraints
from shelfcast.replenish.demand import nb_quantile
from shelfcast.replenish.inputs import prepare_inputs
from shelfcast.replenish.lots import lot_order_up_to, lot_width
from shelfcast.replenish.policies import policy_need
from tests.replenish.frames import forecast_frame, inventory_frame


def _replay(order_up_to: float, pack: int, mean: float, days: int,
            seed: int) -> tuple[float, float]:
    """(cycle service, average stock) of a daily review, lead time 0, lost sales, ordering
    ``order_up_to - position`` rounded up to whole packs; Poisson demand."""
    rng = np.random.default_rng(seed)
    stock, met, held = order_up_to, 0, 0.0
    for demand in rng.poisson(mean, days):
        need = max(order_up_to - stock, 0.0)
        stock += np.ceil(need / pack) * pack
        met += demand <= stock
        stock = max(stock - demand, 0.0)
        held += stock
    return met / days, held / days


def test_packs_averaged_over_cycles_hit_the_target_with_less_stock() -> None:
    # A daily review of Poisson(4) with packs of 12: rounding up leaves the position in
    # [S, S + 11], so the plain target quantile over-serves; the averaged level is on target.
    mean, pack, target = 4.0, 12, 0.95
    s_plain = float(nb_quantile(target, np.array([mean]), np.array([mean]))[0])
    s_lot = float(lot_order_up_to(np.array([target]), np.array([pack - 1.0]), np.array([mean]),
                                  np.array([mean]), np.array([s_plain]))[0])
    assert s_lot < s_plain
    plain_service, plain_stock = _replay(s_plain, pack, mean, 40_000, 1)
    lot_service, lot_stock = _replay(s_lot, pack, mean, 40_000, 1)
    assert plain_service > target + 0.02
    assert abs(lot_service - target) <= 0.02
    assert lot_stock < plain_stock


def test_packs_of_one_and_perishables_keep_the_single_cycle_level() -> None:
    rate, protection = np.array([5.0, 5.0, 5.0]), np.array([3, 3, 3])
    width = lot_width(np.array([1.0, 12.0, 12.0]), rate, np.array([np.nan, np.nan, 4.0]),
                      protection)
    # Packs of 1: nothing above S; a 4-day shelf life: the rounded-up units would expire.
    assert width.tolist() == [0.0, 11.0, 0.0]
    upper = np.array([20.0, 20.0, 20.0])
    s = lot_order_up_to(np.full(3, 0.95), width, rate * 3, rate * 3, upper)
    assert s[0] == 20 and s[2] == 20 and 9 <= s[1] < 20


def test_the_order_still_reaches_the_level_in_whole_packs() -> None:
    fc = forecast_frame(np.full((2, 10), 4.0), np.full((2, 10), 4.0))
    inv = inventory_frame(2, on_hand=3.0, pack_size=[1, 12], lead_time_days=1,
                          review_period_days=1)
    sku = prepare_inputs(fc, inv, settings=Settings())
    need = policy_need(sku)
    plain = policy_need(sku, packs_over_cycles=False)
    assert need.target[0] == plain.target[0] and need.target[1] < plain.target[1]
    order = apply_constraints(sku, need)
    assert order.quantity[1] % 12 == 0
    assert need.position[1] + order.quantity[1] >= need.target[1]
