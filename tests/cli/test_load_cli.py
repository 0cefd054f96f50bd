"""``shelfcast load DATA_DIR``: the generated chain into the database."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.server.catalog.models import Item, Store
from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast
from shelfcast.server.orders.models import Alert, OrderProposal
from shelfcast.server.inventory.models import InventorySnapshot
from shelfcast.server.sales.models import DailySales

runner = CliRunner()


def test_load_puts_the_chain_in_the_database(db, chain_dir: Path, chain_tables, settings,  # type: ignore[no-untyped-def]
                                            tmp_path: Path) -> None:
    settings.SHELFCAST_HOME = tmp_path  # the first model is trained and kept here
    result = runner.invoke(app, ["load", str(chain_dir)])
    assert result.exit_code == 0, result.output
    sales, items = chain_tables["sales"], chain_tables["items"]
    assert Store.objects.count() == chain_tables["stores"].height
    assert Item.objects.count() == items.height
    assert DailySales.objects.count() == sales.height
    assert InventorySnapshot.objects.count() == chain_tables["inventory"].height
    first = items.row(0, named=True)
    item = Item.objects.get(item_id=first["item_id"])
    assert item.category == first["category"]
    assert item.attributes["pack_size"] == first["pack_size"]
    row = sales.filter(pl.col("sales") > 0).row(0, named=True)
    stored = DailySales.objects.get(store_id=row["store_id"], item_id=row["item_id"],
                                    date=row["date"])
    assert (stored.sales, stored.price) == (row["sales"], row["price"])
    assert f"{sales.height} daily sales rows" in result.output
    # No model was live: one was trained, registered and used to publish.
    live = ModelVersion.objects.get(is_live=True)
    assert (tmp_path / "models" / live.version).is_dir()
    published = PublishedForecast.objects.count()
    assert published > 0 and OrderProposal.objects.count() > 0
    assert set(PublishedForecast.objects.values_list("model_version__version", flat=True)) == {
        live.version}
    alerts = Alert.objects.filter(is_active=True).count()
    # Loading again replaces rows, it does not add them, and trains nothing new.
    assert runner.invoke(app, ["load", str(chain_dir)]).exit_code == 0
    assert DailySales.objects.count() == sales.height
    assert PublishedForecast.objects.count() == published
    assert Alert.objects.filter(is_active=True).count() == alerts
    assert ModelVersion.objects.count() == 1


def test_load_refuses_an_invalid_folder_and_writes_nothing(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sales.csv").write_text("date,store_id,item_id,sales\n2024-01-01,S1,I1,-3\n")
    result = runner.invoke(app, ["load", str(tmp_path)])
    assert result.exit_code == 1
    assert "error" in result.output and "Traceback" not in result.output
    assert DailySales.objects.count() == 0 and Store.objects.count() == 0
