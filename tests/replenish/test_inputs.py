"""Pack sizes, unit costs and shelf lives: the inventory row, else the items table, else defaults."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from shelfcast.config import Settings
from shelfcast.errors import DataValidationError
from shelfcast.replenish.inputs import prepare_inputs
from shelfcast.replenish.proposals import propose
from tests.replenish.frames import forecast_frame, inventory_frame


def test_the_items_table_fills_what_the_inventory_leaves_blank() -> None:
    fc = forecast_frame(np.full((3, 10), 10.0))
    inv = inventory_frame(3, on_hand=0.0, pack_size=[6, None, None])
    items = pl.DataFrame({
        "item_id": ["I0", "I1", "I9"], "category": ["a", "b", "c"],
        "pack_size": [24, 12, 99], "unit_cost": [1.5, None, 9.0],
        "shelf_life_days": [None, 4.0, 1.0],
    })
    sku = prepare_inputs(fc, inv, settings=Settings(), items=items)
    # I0: the inventory's 6 wins; I1: the items' 12; I2 (no items row): the default 1.
    assert sku.pack_size.tolist() == [6.0, 12.0, 1.0]
    assert sku.unit_cost[0] == 1.5 and np.isnan(sku.unit_cost[1:]).all()
    assert np.isnan(sku.shelf_life[0]) and sku.shelf_life[1] == 4.0
    orders = propose(fc, inv, settings=Settings(), items=items).orders
    by_item = dict(zip(orders["item_id"], orders["quantity"], strict=True))
    assert by_item["I0"] % 6 == 0 and by_item["I1"] % 12 == 0


def test_an_items_value_that_is_not_a_number_is_named() -> None:
    fc = forecast_frame(np.full((1, 10), 10.0))
    inv = inventory_frame(1, on_hand=0.0)
    items = pl.DataFrame({"item_id": ["I0"], "pack_size": ["a dozen"]})
    with pytest.raises(DataValidationError, match=r"items: column pack_size .*row 1.*'a dozen'"):
        prepare_inputs(fc, inv, settings=Settings(), items=items)


def test_text_numbers_in_the_items_table_are_read() -> None:
    fc = forecast_frame(np.full((1, 10), 10.0))
    inv = inventory_frame(1, on_hand=0.0)
    items = pl.DataFrame({"item_id": ["I0"], "pack_size": ["12"], "unit_cost": ["2.5"]})
    sku = prepare_inputs(fc, inv, settings=Settings(), items=items)
    assert sku.pack_size.tolist() == [12.0] and sku.unit_cost.tolist() == [2.5]


def test_a_calibration_factor_widens_the_order_of_its_sku_only() -> None:
    fc = forecast_frame(np.full((2, 10), 10.0))
    inv = inventory_frame(2, on_hand=0.0)
    plain = propose(fc, inv, settings=Settings()).orders
    factors = pl.DataFrame({"store_id": ["S1"], "item_id": ["I1"], "window_var_factor": [4.0]})
    wide = propose(fc, inv, settings=Settings(), window_var_factor=factors).orders
    assert wide["quantity"][0] == plain["quantity"][0]
    assert wide["quantity"][1] > plain["quantity"][1]
