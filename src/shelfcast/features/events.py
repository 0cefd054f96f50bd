"""Events and public holidays: the day's event, and the distance to the next and the last one.

Events come from the dataset's ``events`` table (for every store, or one store) and, when
``Settings.country`` is set, from the ``holidays`` package. Names are lower-case and become a
native categorical, so the model can learn each holiday's own effect; the days before and after
(shopping before Christmas, the quiet day after) are learned from ``days_to_event`` /
``days_since_event`` with the names of that next and last event.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from shelfcast.data.schema import DATE, EVENT, STORE

__all__ = ["EVENT_FEATURES", "EVENT_CATEGORICALS", "event_calendar", "event_features", "MAX_DISTANCE"]

MAX_DISTANCE = 14
"""Days before/after an event beyond which its distance is not given (null)."""
EVENT_CATEGORICALS: tuple[str, ...] = ("event", "next_event", "last_event")
EVENT_FEATURES: tuple[str, ...] = (*EVENT_CATEGORICALS, "event_count", "days_to_event", "days_since_event")


def _holidays(country: str, start: date, end: date) -> pl.DataFrame:
    import holidays

    from shelfcast.errors import ConfigurationError

    try:
        days = holidays.country_holidays(country, years=range(start.year, end.year + 1))
    except NotImplementedError as exc:
        raise ConfigurationError(
            f"country {country!r} is not known to the holidays package (expected an ISO code "
            "such as 'GB', 'US', 'EC')",
            details={"setting": "country", "value": country},
        ) from exc
    rows = [(d, name) for d, name in sorted(days.items()) if start <= d <= end]
    return pl.DataFrame(
        {DATE: [d for d, _ in rows], EVENT: [n for _, n in rows], STORE: [None] * len(rows)},
        schema={DATE: pl.Date, EVENT: pl.String, STORE: pl.String},
    )


def event_calendar(
    events: pl.DataFrame | None, *, country: str | None, start: date, end: date
) -> pl.DataFrame:
    """All events between ``start`` and ``end``: ``date, event, store_id`` (null = every store)."""
    parts = []
    if events is not None and events.height:
        ev = events.select(
            pl.col(DATE),
            pl.col(EVENT).cast(pl.String),
            (pl.col(STORE).cast(pl.String) if STORE in events.columns else pl.lit(None, pl.String)).alias(STORE),
        )
        parts.append(ev)
    if country:
        parts.append(_holidays(country, start, end))
    if not parts:
        return pl.DataFrame(schema={DATE: pl.Date, EVENT: pl.String, STORE: pl.String})
    out = pl.concat(parts).filter(pl.col(DATE).is_between(start, end), pl.col(EVENT).is_not_null())
    name = pl.col(EVENT).str.to_lowercase().str.strip_chars().str.replace_all(r"[^a-z0-9]+", "_")
    return out.with_columns(name.alias(EVENT)).unique().sort(DATE, EVENT)


def event_features(calendar: pl.DataFrame, stores: list[str], start: date, end: date) -> pl.DataFrame:
    """Per store and day between ``start`` and ``end``: the columns of :data:`EVENT_FEATURES`."""
    days = pl.DataFrame({DATE: pl.date_range(start, end, eager=True)})
    grid = pl.DataFrame({STORE: stores}, schema={STORE: pl.String}).join(days, how="cross")
    everywhere = calendar.filter(pl.col(STORE).is_null()).drop(STORE)
    per_store = pl.concat(
        [
            everywhere.join(pl.DataFrame({STORE: stores}, schema={STORE: pl.String}), how="cross"),
            calendar.filter(pl.col(STORE).is_in(stores)).select(DATE, EVENT, STORE),
        ],
        how="diagonal",
    )
    daily = per_store.group_by(STORE, DATE).agg(
        pl.col(EVENT).sort().first(), pl.len().cast(pl.Float64).alias("event_count")
    )
    g = grid.join(daily, on=[STORE, DATE], how="left").sort(STORE, DATE)
    ev_date = pl.when(pl.col(EVENT).is_not_null()).then(pl.col(DATE))
    # The next/last event strictly after/before today: shift by one day before filling.
    next_name = pl.col(EVENT).shift(-1).backward_fill().over(STORE)
    last_name = pl.col(EVENT).shift(1).forward_fill().over(STORE)
    next_date_strict = ev_date.shift(-1).backward_fill().over(STORE)
    last_date_strict = ev_date.shift(1).forward_fill().over(STORE)
    days_to = (next_date_strict - pl.col(DATE)).dt.total_days()
    days_since = (pl.col(DATE) - last_date_strict).dt.total_days()
    near = MAX_DISTANCE
    out = g.with_columns(
        pl.col("event_count").fill_null(0.0),
        pl.when(days_to <= near).then(next_name).alias("next_event"),
        pl.when(days_since <= near).then(last_name).alias("last_event"),
        pl.when(days_to <= near).then(days_to.cast(pl.Float64)).alias("days_to_event"),
        pl.when(days_since <= near).then(days_since.cast(pl.Float64)).alias("days_since_event"),
    )
    return out.select(STORE, DATE, *EVENT_FEATURES)
