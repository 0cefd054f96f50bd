"""``shelfcast backtest``: the Forecaster against the baselines, on the user's own history."""

from __future__ import annotations

import functools
import inspect
import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.data.schema import ITEM, STORE
from shelfcast.errors import ShelfcastError

__all__ = ["register", "backtest_command", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "mae", "rmse", "wape", "wape_q50", "bias", "mase", "rmsse", "rmspe", "pinball",
    "cov_q90", "cov_80",
)
"""What the printed table shows; the file has every metric."""


class By(str, Enum):
    horizon = "horizon"
    store = "store"
    category = "category"


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_command)


@handle_errors
def backtest_command(
    data_dir: Annotated[Path, typer.Argument(help="The dataset folder.")],
    windows: Annotated[int, typer.Option(min=1, help="How many cutoffs.")] = 4,
    horizon: Annotated[int, typer.Option(min=1, max=366, help="Days forecast after each cutoff.")] = 28,
    step: Annotated[int, typer.Option(min=1, help="Days between two cutoffs.")] = 7,
    out: Annotated[
        Path | None, typer.Option(help="Write the metric table here (.csv or .json).")
    ] = None,
    by: Annotated[
        By | None, typer.Option(help="Break the metrics down by horizon, store or category.")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(help="Compare only these models (repeatable): shelfcast, naive, "
                     "seasonal_naive, moving_average_28, weekday_mean_4. Default: all."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="A Forecaster parameter as KEY=VALUE (repeatable), e.g. "
                     "n_estimators=200."),
    ] = None,
) -> None:
    """Score the shelfcast Forecaster and the baselines on the last weeks of history.

    At each of WINDOWS cutoffs, STEP days apart, every model is trained on the sales up to
    the cutoff and forecasts the HORIZON days after it; the printed table compares them
    (WAPE judges the median q50, RMSSE and RMSPE the mean forecast; cov_q90 should be
    near 0.90).

    Example:

        shelfcast backtest data/ --windows 4 --horizon 28 --step 7 --out metrics.csv
        shelfcast backtest data/ --by category
        shelfcast backtest data/ --model shelfcast --model seasonal_naive --param max_depth=6
    """
    from shelfcast.data.load import load_dataset
    from shelfcast.forecast.backtest import backtest
    from shelfcast.forecast.baselines import BASELINES
    from shelfcast.forecast.forecaster import Forecaster
    from shelfcast.forecast.metrics import HORIZON, evaluate

    if out is not None and out.suffix.lower() not in (".csv", ".json"):
        raise ShelfcastError(f"--out {out}: the metric table is written as .csv or .json")
    params = _params(param or [])
    accepted = set(inspect.signature(Forecaster).parameters)
    if set(params) - accepted:
        raise ShelfcastError(
            f"--param: the Forecaster has no parameter(s) {sorted(set(params) - accepted)}; "
            f"it takes {sorted(accepted)}"
        )
    available = {"shelfcast": functools.partial(Forecaster, **params), **BASELINES}
    unknown = sorted(set(model or []) - set(available))
    if unknown:
        raise ShelfcastError(
            f"unknown model(s) {unknown}; choose among {sorted(available)}"
        )
    models = {k: v for k, v in available.items() if not model or k in model}
    dataset = load_dataset(data_dir, settings=settings_from_env())
    with console.status(f"Backtesting {len(models)} models over {windows} windows ..."):
        results = backtest(dataset, models, windows=windows, horizon=horizon, step=step)
    keys: list[str] = []
    if by is By.horizon:
        keys = [HORIZON]
    elif by is By.store:
        keys = [STORE]
    elif by is By.category:
        results = _with_category(results, dataset.items)
        keys = ["category"]
    table = evaluate(results, by=keys)
    cutoffs = results["cutoff"].unique().sort()
    console.print(
        f"{results.filter(pl.col('model') == next(iter(models))).height:,} forecasts per model, "
        f"cutoffs {cutoffs[0]} to {cutoffs[-1]}, horizon {horizon} days"
    )
    console.print(_rich(table, ["model", *keys]))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            table.write_csv(out)
        else:
            table.write_json(out)
        console.print(f"Metrics written to [bold]{out}[/]")


def _params(pairs: list[str]) -> dict[str, object]:
    """``["max_depth=6", "country=GB"]`` -> ``{"max_depth": 6, "country": "GB"}``."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ShelfcastError(f"--param {pair!r}: expected KEY=VALUE, e.g. n_estimators=200")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def _with_category(results: pl.DataFrame, items: pl.DataFrame | None) -> pl.DataFrame:
    if items is None or "category" not in items.columns:
        raise ShelfcastError(
            "--by category needs an items table with a category column; this dataset has "
            + ("no items table" if items is None else f"items columns {items.columns}")
        )
    categories = items.select(ITEM, pl.col("category").cast(pl.String).fill_null("(unknown)"))
    return results.join(categories, on=ITEM, how="left").with_columns(
        pl.col("category").fill_null("(unknown)")
    )


def _rich(table: pl.DataFrame, keys: list[str]) -> Table:
    cols = [*keys, *(c for c in SUMMARY_COLUMNS if c in table.columns)]
    out = Table(*cols)
    for row in table.select(cols).iter_rows():
        out.add_row(*("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
                      for v in row))
    return out
