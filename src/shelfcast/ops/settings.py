"""Settings of the daily run and of monitoring, read from the environment.

Kept apart from ``shelfcast.config.Settings`` (what the forecasting core needs) because only
operations read them; every one has a default that works on the sample chain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shelfcast.config import typed_env_values
from shelfcast.errors import ConfigurationError

__all__ = ["OpsSettings"]


@dataclass(frozen=True)
class OpsSettings:
    data_dir: Path | None = None
    """The dataset folder the daily run reads (``SHELFCAST_DATA_DIR``); None: ``<home>/sample``."""
    retrain_every_days: int = 7
    """Retrain when the newest model's data end this many days or more before the run date."""
    degradation_ratio: float = 0.25
    """Retrain when recent WAPE exceeds the model's backtest WAPE by this share (0.25: +25 %)."""
    alert_wape: float = 1.0
    """Alert when a store and category's WAPE over the recent window exceeds this."""
    alert_bias: float = 0.25
    """Alert when the relative bias (forecast - actual) / actual exceeds this in absolute value."""
    alert_coverage_q90: float = 0.75
    """Alert when fewer than this share of actuals fall at or below q90 (nominal 0.90)."""
    alert_psi: float = 0.25
    """Alert when a feature's population stability index exceeds this (0.1-0.25: watch)."""
    monitor_window_days: int = 7
    """Scored days that the accuracy alerts and the degradation check look back over."""
    drift_reference_days: int = 56
    """The reference for drift: the same season a year earlier widened to this many days, or
    the last this many days of the model's training data (``drift.reference_window``)."""
    drift_recent_days: int = 28
    """The most recent days compared with that reference."""

    def __post_init__(self) -> None:
        for name in ("retrain_every_days", "monitor_window_days", "drift_reference_days",
                     "drift_recent_days"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("degradation_ratio", "alert_wape", "alert_bias", "alert_psi"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 < self.alert_coverage_q90 <= 1:
            raise ConfigurationError(
                f"alert_coverage_q90 must be in (0, 1], got {self.alert_coverage_q90}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> OpsSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("SHELFCAST_DATA_DIR"):
            values["data_dir"] = Path(env["SHELFCAST_DATA_DIR"])
        values.update(typed_env_values(env, [
            (name, f"SHELFCAST_{name.upper()}", kind) for name, kind in (
                ("retrain_every_days", int), ("degradation_ratio", float), ("alert_wape", float),
                ("alert_bias", float), ("alert_coverage_q90", float), ("alert_psi", float),
                ("monitor_window_days", int), ("drift_reference_days", int),
                ("drift_recent_days", int),
            )
        ]))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
