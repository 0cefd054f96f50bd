"""The model artifact: one saved Forecaster and its metadata, defined once for every user.

A model directory holds versions, each a folder::

    DIR/<version>/
        forecaster.json, booster.ubj, state.parquet, ...   the Forecaster's own files
        metadata.json                                     what the version is (below)

``version`` is ``YYYYMMDDTHHMMSSZ-<6 hex>`` (UTC creation time, then random): versions sort by
name in the order they were made, and two made in the same second still differ. The server's
registry, the Airflow DAG and Spark read and write versions through these functions only.

``metadata.json``::

    {"version", "created_at" (ISO 8601 UTC), "shelfcast_version",
     "data": {"first_date", "last_date", "series", "rows", "source"},
     "features": [...], "parameters": {...}, "quantiles": [...],
     "training": {"rows", "trees", "notes"},
     "backtest": {...metric: value...} or null, "backtest_note": str or null}
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shelfcast.errors import ModelNotFoundError
from shelfcast.forecast.forecaster import Forecaster

__all__ = ["METADATA_FILE", "ModelVersion", "new_version", "save_model", "load_model", "list_versions", "read_metadata"]

METADATA_FILE = "metadata.json"
_VERSION = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")


@dataclass(frozen=True)
class ModelVersion:
    """A loaded version: the model, its name and its metadata."""

    version: str
    path: Path
    model: Forecaster
    metadata: dict[str, Any]


def new_version(now: datetime | None = None) -> str:
    """``20261123T190102Z-a1b2c3``: sortable by creation time, unique."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _metadata(model: Forecaster, version: str, created: datetime, extra: dict[str, Any]) -> dict[str, Any]:
    from shelfcast import __version__

    state = model.state_
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.get_params().items()}
    meta: dict[str, Any] = {
        "version": version,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "shelfcast_version": __version__,
        "data": {
            "first_date": model.first_date_.isoformat(),
            "last_date": model.last_date_.isoformat(),
            "series": int(state.select("store_id", "item_id").unique().height),
        },
        "features": model.spec_.feature_names,
        "parameters": params,
        "quantiles": list(model.calibrator_.quantiles),
        "training": {
            "rows": model.n_train_rows_, "trees": model.best_iteration_, "notes": model.notes_,
        },
        "backtest": None,
        "backtest_note": None,
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(meta.get(key), dict):
            meta[key] = {**meta[key], **value}
        else:
            meta[key] = value
    return meta


def save_model(
    model: Forecaster, model_dir: str | Path, *, metadata: dict[str, Any] | None = None,
    version: str | None = None,
) -> Path:
    """Save a fitted ``model`` as a new version under ``model_dir``; returns its folder.

    ``metadata`` adds to (or overrides) the recorded fields, e.g. ``{"backtest": {...},
    "data": {"source": "..."}}``.
    """
    created = datetime.now(UTC).replace(microsecond=0)
    version = version or new_version(created)
    if not _VERSION.match(version):
        raise ModelNotFoundError(
            f"{version!r} is not a model version (expected YYYYMMDDTHHMMSSZ-xxxxxx)"
        )
    folder = Path(model_dir) / version
    tmp = Path(model_dir) / f".{version}.partial"
    model.save(tmp)
    meta = _metadata(model, version, created, metadata or {})
    (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2, default=str))
    tmp.rename(folder)  # a reader never sees a half-written version
    return folder


def list_versions(model_dir: str | Path) -> list[str]:
    """The versions in ``model_dir``, oldest first (empty when none, or no such folder)."""
    root = Path(model_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _VERSION.match(p.name)
                  and (p / METADATA_FILE).exists())


def read_metadata(model_dir: str | Path, version: str) -> dict[str, Any]:
    path = Path(model_dir) / version / METADATA_FILE
    if not path.exists():
        raise ModelNotFoundError(
            f"no model version {version!r} in {model_dir}",
            details={"model_dir": str(model_dir), "version": version},
        )
    return json.loads(path.read_text())


def load_model(model_dir: str | Path, version: str | None = None) -> ModelVersion:
    """The version asked for, or the newest one when ``version`` is None."""
    versions = list_versions(model_dir)
    if not versions:
        raise ModelNotFoundError(
            f"no saved model in {model_dir} (train one with `shelfcast train DATA_DIR "
            f"--model-dir {model_dir}`)",
            details={"model_dir": str(model_dir)},
        )
    if version is None:
        version = versions[-1]
    elif version not in versions:
        shown = ", ".join(versions[-5:])
        raise ModelNotFoundError(
            f"no model version {version!r} in {model_dir} (have {len(versions)}: ...{shown})",
            details={"model_dir": str(model_dir), "version": version, "versions": versions},
        )
    folder = Path(model_dir) / version
    return ModelVersion(version, folder, Forecaster.load(folder), read_metadata(model_dir, version))
