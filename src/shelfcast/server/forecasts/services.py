"""Writes of the forecasts app: the model registry.

``model_version_register(path=...)`` records an artifact version folder (``DIR/<version>/``,
see ``shelfcast.forecast.artifact``); ``model_version_promote(version=...)`` makes one version
the live one (promoting an older version is the rollback).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from shelfcast.errors import ModelNotFoundError
from shelfcast.forecast.artifact import METADATA_FILE
from shelfcast.server.forecasts.models import ModelVersion

__all__ = ["model_version_register", "model_version_promote"]


def _read_metadata(folder: Path) -> dict:
    meta_path = folder / METADATA_FILE
    if not meta_path.is_file():
        raise ModelNotFoundError(
            f"{folder} is not a model version folder (no {METADATA_FILE}); train one with "
            f"`shelfcast train DATA_DIR --model-dir DIR` and register DIR/<version>",
            details={"path": str(folder)},
        )
    return json.loads(meta_path.read_text())


def model_version_register(*, path: str | Path) -> ModelVersion:
    """Record the artifact version in ``path``; the same version again returns the stored row.

    It becomes the live version when no version is live yet (the first model serves at once).
    """
    folder = Path(path).resolve()
    meta = _read_metadata(folder)
    version = str(meta.get("version") or folder.name)
    existing = ModelVersion.objects.filter(version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            row = ModelVersion.objects.create(
                version=version, path=str(folder), metadata=meta,
                metrics=meta.get("backtest") or {},
            )
    except IntegrityError:  # registered concurrently by another process: same version
        return ModelVersion.objects.get(version=version)
    if not ModelVersion.objects.filter(is_live=True).exists():
        try:
            row = model_version_promote(version=version)
        except IntegrityError:  # another version became live meanwhile; it stays live
            row.refresh_from_db()
    return row


@transaction.atomic
def model_version_promote(*, version: str) -> ModelVersion:
    """Make ``version`` the one live version (atomic: never zero or two live versions seen)."""
    try:
        row = ModelVersion.objects.select_for_update().get(version=version)
    except ModelVersion.DoesNotExist:
        known = list(ModelVersion.objects.values_list("version", flat=True)[:10])
        raise ModelNotFoundError(
            f"no model version {version!r} is registered",
            details={"version": version, "known": known},
        ) from None
    now = timezone.now()
    ModelVersion.objects.filter(is_live=True).exclude(pk=row.pk).update(is_live=False)
    ModelVersion.objects.filter(pk=row.pk).update(is_live=True, promoted_at=now)
    row.is_live = True
    row.promoted_at = now
    _notify_promoted()  # this thread (inside the transaction) sees the change at once
    transaction.on_commit(_notify_promoted)  # and every thread once it is committed
    return row


def _notify_promoted() -> None:
    # In-process readers reload at once; other processes notice within a second.
    from shelfcast.server.forecasts.serving import live_model_invalidate

    live_model_invalidate()
