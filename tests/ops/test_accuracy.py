from datetime import date

import polars as pl
import pytest

from shelfcast.ops.accuracy import score, summarise

D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


def _forecast() -> pl.DataFrame:
    return pl.DataFrame({
        "date": [D1, D1, D2, D2, D3],
        "store_id": ["S1", "S1", "S1", "S1", "S1"],
        "item_id": ["I1", "I2", "I1", "I2", "I1"],
        "forecast": [10.0, 4.0, 10.0, 4.0, 10.0],
        "q90": [14.0, 6.0, 14.0, 6.0, 14.0],
    })


def _sales() -> pl.DataFrame:
    # I2 has no row on D2: it sold nothing that day
    return pl.DataFrame({"date": [D1, D1, D2], "store_id": ["S1", "S1", "S1"],
                         "item_id": ["I1", "I2", "I1"], "sales": [8.0, 8.0, 20.0]})


ITEMS = pl.DataFrame({"item_id": ["I1", "I2"], "category": ["dairy", "bakery"]})


def test_score_keeps_sums_per_day_store_and_category_for_observed_days_only() -> None:
    scores = score(_forecast(), _sales(), items=ITEMS)
    assert scores["date"].unique().sort().to_list() == [D1, D2]  # D3 has no actuals yet
    d2_bakery = scores.filter((pl.col("date") == D2) & (pl.col("category") == "bakery")).row(0, named=True)
    assert d2_bakery["actual"] == 0.0 and d2_bakery["abs_error"] == 4.0 and d2_bakery["covered_q90"] == 1


def test_summarise_pools_the_window_exactly() -> None:
    scores = score(_forecast(), _sales(), items=ITEMS)
    chain = summarise(scores, []).row(0, named=True)
    # |10-8| + |4-8| + |10-20| + |4-0| = 20 over 36 units sold
    assert chain["wape"] == pytest.approx(20 / 36)
    assert chain["bias"] == pytest.approx((28 - 36) / 36)
    assert chain["coverage_q90"] == pytest.approx(2 / 4)  # 8<=14, 8>6, 20>14, 0<=6
    by_category = summarise(scores, ["category"])
    assert by_category["category"].to_list() == ["bakery", "dairy"]
    assert by_category.filter(pl.col("category") == "dairy")["wape"].item() == pytest.approx(12 / 28)


def test_items_without_a_category_fall_under_none() -> None:
    scores = score(_forecast(), _sales())
    assert scores["category"].unique().to_list() == ["(none)"]
