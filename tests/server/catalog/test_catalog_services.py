"""Stores and items: a table describes them; a load that only names them (sales-only) must not
wipe what an earlier table said."""

from __future__ import annotations

import polars as pl

from shelfcast.server.catalog.models import Item, Store
from shelfcast.server.catalog.services import items_upsert, stores_upsert


def test_a_sales_only_load_keeps_the_stored_category_and_attributes(db) -> None:  # type: ignore[no-untyped-def]
    items_upsert(ids={"I1"}, items=pl.DataFrame({"item_id": ["I1"], "category": ["dairy"],
                                                 "brand": ["acme"]}))
    stores_upsert(ids={"S1"}, stores=pl.DataFrame({"store_id": ["S1"], "region": ["north"]}))

    assert items_upsert(ids={"I1", "I2"}) == 2  # named only in sales: I2 is new
    assert stores_upsert(ids={"S1", "S2"}) == 2

    kept = Item.objects.get(item_id="I1")
    assert (kept.category, kept.attributes) == ("dairy", {"brand": "acme"})
    assert Item.objects.get(item_id="I2").category == ""
    assert Store.objects.get(store_id="S1").attributes == {"region": "north"}
    assert Store.objects.filter(store_id="S2").exists()


def test_a_new_table_still_updates_what_it_describes(db) -> None:  # type: ignore[no-untyped-def]
    items_upsert(ids={"I1"}, items=pl.DataFrame({"item_id": ["I1"], "category": ["dairy"]}))
    items_upsert(ids={"I1"}, items=pl.DataFrame({"item_id": ["I1"], "category": ["bakery"]}))
    assert Item.objects.get(item_id="I1").category == "bakery"
