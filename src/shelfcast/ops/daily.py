"""The daily batch run (DESIGN.md, flow 1) as named steps over one business date.

    ingest -> validate -> train -> forecast -> replenish -> publish -> monitor

Each step reads what the earlier ones wrote under ``<home>/runs/<date>/`` and writes its own
output there before it is marked done in ``state.json`` (``ops.state``). So:

- running the same date again does nothing new (the publication happens once);
- a run killed or failed at any step resumes at that step, with the earlier steps' files, so
  with the same numbers;
- one step can run alone (``run(steps=["train"])``: what each Airflow task does), once the
  steps before it are done.

The database is reached only through a ``Sink`` (the server's is
``shelfcast.server.monitoring.sink.DatabaseSink``), so this module stays pure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from shelfcast.config import Settings
from shelfcast.data.dataset import Dataset
from shelfcast.data.load import load_dataset, validate_folder
from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.artifact import list_versions, load_model, read_metadata, save_model
from shelfcast.ops import accuracy, tracking
from shelfcast.ops.alerts import degraded, monitoring_alerts
from shelfcast.ops.drift import feature_drift
from shelfcast.ops.settings import OpsSettings
from shelfcast.ops.snapshot import as_of, write_snapshot
from shelfcast.ops.state import STEPS, RunState, run_dir, runs_dir

__all__ = ["Sink", "DailyRun", "StepOrderError", "HOLDOUT_DAYS"]

HOLDOUT_DAYS = 14
"""The quick backtest recorded with each model the daily run trains."""
DATA, FORECAST_FILE, ORDERS_FILE, ALERTS_FILE = "data", "forecast.parquet", "orders.parquet", "alerts.parquet"
MONITOR = "monitor"


class StepOrderError(ShelfcastError):
    code = "step_order"


class Sink(Protocol):
    """Where the daily run writes outside its folder: the server's database."""

    def live_version(self) -> str | None: ...

    def register(self, folder: Path, *, promote: bool) -> None: ...

    def publish(self, *, run_date: date, dataset: Dataset, forecast: pl.DataFrame,
                orders: pl.DataFrame | None, alerts: pl.DataFrame | None,
                model_version: str) -> dict[str, int]: ...

    def record_monitoring(self, *, run_date: date, scores: pl.DataFrame, drift: pl.DataFrame,
                          alerts: pl.DataFrame, model_version: str) -> dict[str, int]: ...


@dataclass
class DailyRun:
    run_date: date
    home: Path
    data_dir: Path
    settings: Settings
    ops: OpsSettings
    sink: Sink | None = None
    on_step: Callable[[str, str], None] = field(default=lambda step, status: None)
    """Told ``(step, "start" | "done" | "skip")``: how the CLI shows progress."""

    @property
    def folder(self) -> Path:
        return run_dir(self.home, self.run_date)

    @property
    def model_dir(self) -> Path:
        return self.home / "models"

    def state(self) -> RunState:
        return RunState.load(self.folder, self.run_date)

    # -- driving -------------------------------------------------------------------------------
    def run(self, steps: Iterable[str] | None = None) -> RunState:
        """Run the steps not yet done (all of them, or those named, in their order)."""
        asked = list(STEPS) if steps is None else list(steps)
        wanted = [s for s in STEPS if s in asked]
        unknown = sorted(set(asked) - set(STEPS))
        if unknown:
            raise ShelfcastError(f"unknown step(s) {unknown}; the steps are {', '.join(STEPS)}")
        state = self.state()
        if state.data_dir and state.data_dir != str(self.data_dir):
            raise ShelfcastError(
                f"the run of {self.run_date} was started on {state.data_dir}, not "
                f"{self.data_dir}; finish it with the same --data (or remove {self.folder})",
                details={"run": str(self.folder), "data_dir": state.data_dir})
        state.data_dir = str(self.data_dir)
        for step in wanted:
            if state.is_done(step):
                self.on_step(step, "skip")
                continue
            before = [s for s in STEPS[: STEPS.index(step)] if not state.is_done(s)]
            if before:
                raise StepOrderError(
                    f"step {step!r} of {self.run_date} needs {', '.join(before)} first "
                    f"(run `shelfcast run-daily --date {self.run_date}` or those steps)",
                    details={"step": step, "missing": before})
            self.on_step(step, "start")
            state.start(step)
            started = time.perf_counter()
            try:
                summary = getattr(self, f"_{step}")(state)
            except Exception as exc:
                message = exc.message if isinstance(exc, ShelfcastError) else repr(exc)
                state.failed(step, message)
                raise
            summary["seconds"] = round(time.perf_counter() - started, 2)
            state.done(step, summary)
            self.on_step(step, "done")
        return state

    # -- helpers -------------------------------------------------------------------------------
    def _snapshot(self) -> Dataset:
        return load_dataset(self.folder / DATA, settings=self.settings)

    def _model_version(self, state: RunState) -> str:
        return str(state.summary("train")["model_version"])

    def _previous_runs(self) -> list[Path]:
        root = runs_dir(self.home)
        if not root.is_dir():
            return []
        return sorted(p for p in root.iterdir() if p.is_dir() and p.name < self.run_date.isoformat()
                      and len(p.name) == 10)

    def _recent_scores(self, scores: pl.DataFrame | None = None) -> pl.DataFrame:
        """The last ``monitor_window_days`` scored days: earlier runs' scores, then ``scores``
        (this run's, which replace any earlier scoring of the same days)."""
        frames = [pl.read_parquet(p / MONITOR / "scores.parquet") for p in self._previous_runs()
                  if (p / MONITOR / "scores.parquet").exists()]
        frames = [f for f in [*frames, scores] if f is not None and f.height]
        if not frames:
            return accuracy.empty_scores()
        every = pl.concat(frames).unique([DATE, STORE, accuracy.CATEGORY], keep="last")
        first = every[DATE].max() - timedelta(days=self.ops.monitor_window_days - 1)
        return every.filter(pl.col(DATE) >= first)

    # -- the steps -----------------------------------------------------------------------------
    def _ingest(self, state: RunState) -> dict[str, Any]:
        source = load_dataset(self.data_dir, settings=self.settings)
        cut = as_of(source, self.run_date, horizon=self.settings.horizon_days,
                    time_zone=self.settings.time_zone)
        write_snapshot(cut, self.folder / DATA)
        return {"source": str(self.data_dir), "sales_rows": cut.sales.height,
                "first_date": str(cut.first_date), "last_date": str(cut.last_date),
                "series": cut.sales.select(STORE, ITEM).unique().height,
                "future_rows": 0 if cut.future is None else cut.future.height}

    def _validate(self, state: RunState) -> dict[str, Any]:
        report = validate_folder(self.folder / DATA, settings=self.settings)
        report.raise_for_errors()
        last = date.fromisoformat(state.summary("ingest")["last_date"])
        stale = (self.run_date - timedelta(days=1) - last).days
        summary: dict[str, Any] = {"errors": 0, "warnings": len(report.warnings)}
        if stale > 0:
            summary["note"] = (f"sales end {last}, {stale} day(s) before yesterday: the forecast "
                               "starts after the last known day")
        return summary

    def _train(self, state: RunState) -> dict[str, Any]:
        reason, current = self._retrain_reason()
        if reason is None and current is not None:
            return {"trained": False, "model_version": current, "reason": "not due"}
        dataset = self._snapshot()
        extra: dict[str, Any] = {
            "data": {"source": str(self.data_dir), "rows": dataset.sales.height},
            "run": {"date": self.run_date.isoformat(), "reason": reason},
        }
        extra.update(tracking.holdout_metrics(dataset, country=self.settings.country,
                                              days=HOLDOUT_DAYS))
        from shelfcast.forecast import Forecaster

        model = Forecaster(country=self.settings.country).fit(dataset)
        folder = save_model(model, self.model_dir, metadata=extra)
        meta = read_metadata(self.model_dir, folder.name)
        promote = self._better_or_first(meta, current)
        if self.sink is not None:
            self.sink.register(folder, promote=promote)
        summary: dict[str, Any] = {
            "trained": True, "reason": reason, "model_version": folder.name if promote else current,
            "new_version": folder.name, "promoted": promote,
            "backtest_wape": (meta.get("backtest") or {}).get("wape"),
        }
        if tracking.mlflow_enabled():
            summary["mlflow_run_id"] = tracking.mlflow_mirror(folder, meta)
        return summary

    def _current_version(self) -> str | None:
        versions = list_versions(self.model_dir)
        live = self.sink.live_version() if self.sink is not None else None
        if live in versions:
            return live
        return versions[-1] if versions else None

    def _retrain_reason(self) -> tuple[str | None, str | None]:
        current = self._current_version()
        if current is None:
            return "no model yet", None
        meta = read_metadata(self.model_dir, current)
        last = date.fromisoformat(meta["data"]["last_date"])
        age = (self.run_date - timedelta(days=1) - last).days
        if age >= self.ops.retrain_every_days:
            return f"the model's data end {age} days before yesterday (every {self.ops.retrain_every_days})", current
        chain = _pooled(self._recent_scores())
        backtest_wape = (meta.get("backtest") or {}).get("wape")
        if degraded(chain, backtest_wape, self.ops.degradation_ratio,
                    min_days=self.ops.monitor_window_days):
            return (f"accuracy degraded: WAPE {chain['wape']:.2f} vs backtest "
                    f"{backtest_wape:.2f}", current)
        return None, current

    def _better_or_first(self, meta: dict[str, Any], current: str | None) -> bool:
        """Promote a new model unless its backtest is clearly worse than the live one's."""
        if current is None:
            return True
        new = (meta.get("backtest") or {}).get("wape")
        old = (read_metadata(self.model_dir, current).get("backtest") or {}).get("wape")
        if new is None or old is None:
            return True
        return bool(new <= old * (1 + self.ops.degradation_ratio))

    def _forecast(self, state: RunState) -> dict[str, Any]:
        dataset = self._snapshot()
        version = self._model_version(state)
        model = load_model(self.model_dir, version).model
        if dataset.last_date > model.last_date_:
            model.update(dataset.sales)  # newer days than the model knew: roll forward, no refit
        frame = model.predict(dataset.future, horizon=self.settings.horizon_days)
        _write(frame, self.folder / FORECAST_FILE)
        return {"model_version": version, "rows": frame.height,
                "first_date": str(frame[DATE].min()) if frame.height else None,
                "last_date": str(frame[DATE].max()) if frame.height else None,
                "units": round(float(frame[FORECAST].sum()), 3)}

    def _replenish(self, state: RunState) -> dict[str, Any]:
        from shelfcast.replenish.proposals import propose

        dataset = self._snapshot()
        if dataset.inventory is None or dataset.inventory.height == 0:
            return {"skipped": "no inventory table: no orders or alerts"}
        forecast = pl.read_parquet(self.folder / FORECAST_FILE)
        proposals = propose(forecast, dataset.inventory, settings=self.settings,
                            as_of=dataset.last_date, sales=dataset.sales, future=dataset.future,
                            events=dataset.events, items=dataset.items)
        _write(proposals.orders, self.folder / ORDERS_FILE)
        _write(proposals.alerts, self.folder / ALERTS_FILE)
        ordered = proposals.orders.filter(pl.col("quantity") > 0)
        return {"order_lines": ordered.height, "units": float(ordered["quantity"].sum()),
                "alerts": proposals.alerts.height}

    def _publish(self, state: RunState) -> dict[str, Any]:
        if self.sink is None:
            return {"skipped": "no database to publish to"}
        orders = self.folder / ORDERS_FILE
        alerts = self.folder / ALERTS_FILE
        counts = self.sink.publish(
            run_date=self.run_date, dataset=self._snapshot(),
            forecast=pl.read_parquet(self.folder / FORECAST_FILE),
            orders=pl.read_parquet(orders) if orders.exists() else None,
            alerts=pl.read_parquet(alerts) if alerts.exists() else None,
            model_version=self._model_version(state))
        return dict(counts)

    def _monitor(self, state: RunState) -> dict[str, Any]:
        dataset = self._snapshot()
        yesterday = self.run_date - timedelta(days=1)
        scores, scored_from = self._score_previous(dataset, yesterday)
        out = self.folder / MONITOR
        out.mkdir(exist_ok=True)
        window = self._recent_scores(scores)
        by_group = accuracy.summarise(window, [STORE, accuracy.CATEGORY])
        chain = _pooled(window)
        version = self._model_version(state)
        meta = read_metadata(self.model_dir, version)
        model_end = date.fromisoformat(meta["data"]["last_date"])
        drift = feature_drift(dataset, reference_end=model_end,
                              reference_days=self.ops.drift_reference_days,
                              recent_end=dataset.last_date, recent_days=self.ops.drift_recent_days)
        alerts = monitoring_alerts(by_group, chain, drift, settings=self.ops,
                                   backtest_wape=(meta.get("backtest") or {}).get("wape"))
        _write(scores, out / "scores.parquet")
        _write(drift, out / "drift.parquet")
        _write(alerts, out / "alerts.parquet")
        summary: dict[str, Any] = {
            "scored_days": scores[DATE].n_unique() if scores.height else 0,
            "scored_from_run": scored_from, "window_wape": chain.get("wape"),
            "window_bias": chain.get("bias"), "window_coverage_q90": chain.get("coverage_q90"),
            "max_psi": float(drift["psi"].max()) if drift.height else None,
            "alerts": alerts.height, "alert_kinds": sorted(set(alerts["kind"].to_list())),
        }
        if self.sink is not None:
            summary["recorded"] = self.sink.record_monitoring(
                run_date=self.run_date, scores=scores, drift=drift, alerts=alerts,
                model_version=version)
        return summary

    def _score_previous(self, dataset: Dataset, yesterday: date) -> tuple[pl.DataFrame, str | None]:
        """Score the latest earlier run's forecast on the days from its date to yesterday:
        those were the published forecasts for them."""
        for previous in reversed(self._previous_runs()):
            path = previous / FORECAST_FILE
            if path.exists():
                forecast = pl.read_parquet(path).filter(pl.col(DATE) <= yesterday)
                scores = accuracy.score(forecast, dataset.sales, items=dataset.items,
                                        last_actual_date=dataset.last_date)
                return scores, previous.name
        return accuracy.empty_scores(), None


def _pooled(window: pl.DataFrame) -> dict[str, Any]:
    """The chain's accuracy over ``window`` and how many days it covers."""
    if window.height == 0:
        return {"days": 0}
    return {**accuracy.summarise(window, []).row(0, named=True), "days": window[DATE].n_unique()}


def _write(frame: pl.DataFrame, path: Path) -> None:
    """Write beside, then rename: a killed run never leaves half a file under the real name."""
    tmp = path.with_name(f".{path.name}.tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)
