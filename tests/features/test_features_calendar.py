from __future__ import annotations

from datetime import date

import polars as pl

from shelfcast.features.calendar import CALENDAR_FEATURES, calendar_features


def test_calendar_features() -> None:
    df = pl.DataFrame({"date": [date(2024, 1, 31), date(2024, 2, 15), date(2024, 2, 20)]})
    out = df.with_columns(calendar_features())
    assert list(out.columns[1:]) == list(CALENDAR_FEATURES)
    assert out["day_of_week"].to_list() == [3.0, 4.0, 2.0]  # Wed, Thu, Tue (Monday = 1)
    assert out["day_of_month"].to_list() == [31.0, 15.0, 20.0]
    assert out["days_to_month_end"].to_list() == [0.0, 14.0, 9.0]
    assert out["payday"].to_list() == [1.0, 1.0, 0.0]
