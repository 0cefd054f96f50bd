"""Model tracking: what a training run records, how two versions compare, and the optional
mirror of a version to MLflow.

Every version's record is its artifact's ``metadata.json`` (``shelfcast.forecast.artifact``,
the one owner of that format): parameters, data range, features, backtest metrics. The daily
run adds ``run`` (business date and why it trained). MLflow, when ``MLFLOW_TRACKING_URI`` is
set, receives a copy; it is never the source of truth and is imported only then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shelfcast.data.dataset import Dataset
from shelfcast.errors import ConfigurationError, ShelfcastError

__all__ = ["BACKTEST_METRICS", "holdout_metrics", "compare_metadata", "mlflow_mirror",
           "mlflow_enabled"]

BACKTEST_METRICS = ("wape", "bias", "mae", "rmsse", "pinball", "cov_q90", "cov_80")


def holdout_metrics(dataset: Dataset, *, country: str | None, days: int) -> dict[str, Any]:
    """One backtest window: fit without the last ``days`` days, score them.

    Returns ``{"backtest": {metric: value, "horizon_days": days}}``, or ``{"backtest_note":
    why}`` when the history is too short for it.
    """
    from shelfcast.forecast import Forecaster
    from shelfcast.forecast.backtest import backtest
    from shelfcast.forecast.metrics import evaluate

    try:
        results = backtest(dataset, {"shelfcast": lambda: Forecaster(country=country)},
                           windows=1, horizon=days, step=days)
    except ShelfcastError as exc:
        return {"backtest_note": f"not run: {exc.message}"}
    row = evaluate(results).row(0, named=True)
    metrics: dict[str, Any] = {k: float(row[k]) for k in BACKTEST_METRICS if row.get(k) is not None}
    metrics["horizon_days"] = days
    return {"backtest": metrics}


def _flat(meta: Mapping[str, Any]) -> dict[str, Any]:
    data = meta.get("data") or {}
    out: dict[str, Any] = {
        "created_at": meta.get("created_at"),
        "data.first_date": data.get("first_date"), "data.last_date": data.get("last_date"),
        "data.series": data.get("series"), "data.rows": data.get("rows"),
        "features": len(meta.get("features") or []),
        "training.rows": (meta.get("training") or {}).get("rows"),
        "training.trees": (meta.get("training") or {}).get("trees"),
    }
    for key, value in sorted((meta.get("parameters") or {}).items()):
        out[f"parameters.{key}"] = value
    for key, value in sorted((meta.get("backtest") or {}).items()):
        out[f"backtest.{key}"] = value
    return out


def compare_metadata(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows ``{"field", "a", "b", "change"}`` for two versions' metadata; ``change`` is b - a
    for numbers, ``"changed"``/``""`` otherwise. Features added or dropped are listed too."""
    fa, fb = _flat(a), _flat(b)
    rows = []
    for key in list(dict.fromkeys([*fa, *fb])):
        va, vb = fa.get(key), fb.get(key)
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)) \
                and not isinstance(va, bool) and not isinstance(vb, bool):
            change: Any = round(vb - va, 6)
        else:
            change = "" if va == vb else "changed"
        rows.append({"field": key, "a": va, "b": vb, "change": change})
    added = sorted(set(b.get("features") or []) - set(a.get("features") or []))
    dropped = sorted(set(a.get("features") or []) - set(b.get("features") or []))
    if added or dropped:
        rows.append({"field": "features.added/dropped", "a": ", ".join(dropped) or "-",
                     "b": ", ".join(added) or "-", "change": "changed"})
    return rows


def mlflow_enabled(environ: Mapping[str, str] | None = None) -> bool:
    return bool((os.environ if environ is None else environ).get("MLFLOW_TRACKING_URI"))


def mlflow_mirror(folder: Path, metadata: Mapping[str, Any], *,
                  experiment: str = "shelfcast") -> str:
    """Log one version to MLflow (``MLFLOW_TRACKING_URI``): parameters, data range and feature
    count as params, backtest metrics as metrics, the artifact folder as artifacts. Returns
    the MLflow run id."""
    try:
        import mlflow
    except ImportError as exc:
        raise ConfigurationError(
            "MLFLOW_TRACKING_URI is set but MLflow is not installed: pip install mlflow-skinny "
            "(or unset MLFLOW_TRACKING_URI)") from exc
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=str(metadata.get("version", folder.name))) as run:
        flat = _flat(metadata)
        params = {k: v for k, v in flat.items() if not k.startswith("backtest.") and v is not None}
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        metrics = {k.removeprefix("backtest."): float(v) for k, v in flat.items()
                   if k.startswith("backtest.") and isinstance(v, (int, float))}
        if metrics:
            mlflow.log_metrics(metrics)
        mlflow.set_tags({"shelfcast.version": str(metadata.get("version", folder.name)),
                         "shelfcast.run_date": str((metadata.get("run") or {}).get("date", ""))})
        mlflow.log_artifacts(str(folder), artifact_path="model")
        return str(run.info.run_id)
