"""Settings: one frozen dataclass, built once at each edge (CLI options, Django settings).

Every field has a default that makes `make demo` work with nothing configured; the
environment (``SHELFCAST_*`` and a few conventional names) overrides them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shelfcast.errors import ConfigurationError

__all__ = ["Settings", "DEFAULT_QUANTILES", "typed_env_values"]

DEFAULT_QUANTILES: tuple[float, ...] = (0.10, 0.50, 0.80, 0.90, 0.95, 0.99)



def typed_env_values(
    env: Mapping[str, str], fields: Iterable[tuple[str, str, Callable[[str], object]]]
) -> dict[str, object]:
    """``{name: kind(env[key])}`` for each ``(name, key, kind)`` whose key is set; a value
    that does not parse is a ConfigurationError naming the variable."""
    values: dict[str, object] = {}
    for name, key, kind in fields:
        if key in env:
            try:
                values[name] = kind(env[key])
            except ValueError as exc:
                raise ConfigurationError(
                    f"{key}={env[key]!r} is not a valid {getattr(kind, '__name__', 'value')}",
                    details={"setting": key, "value": env[key]},
                ) from exc
    return values

@dataclass(frozen=True)
class Settings:
    """What the core needs to know about the chain and the workspace."""

    home: Path = Path("var")
    """The workspace: SQLite database, Parquet history, forecasts, models, logs."""
    time_zone: str = "UTC"
    """The chain's time zone: a transaction belongs to the local calendar day of its timestamp."""
    country: str | None = None
    """ISO country code for public holidays from the ``holidays`` package (None: none)."""
    horizon_days: int = 28
    quantiles: tuple[float, ...] = field(default=DEFAULT_QUANTILES)
    lead_time_days: int = 2
    review_period_days: int = 1
    service_level: float = 0.95

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(
                f"TIME_ZONE {self.time_zone!r} is not a known time zone (expected an IANA name "
                "such as 'Europe/London')",
                details={"setting": "TIME_ZONE", "value": self.time_zone},
            ) from exc
        if not 1 <= self.horizon_days <= 366:
            raise ConfigurationError(
                f"horizon_days must be between 1 and 366, got {self.horizon_days}"
            )
        if not 0 < self.service_level < 1:
            raise ConfigurationError(
                f"service_level must be strictly between 0 and 1, got {self.service_level}"
            )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment, then explicit ``overrides`` (CLI options) on top."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if "SHELFCAST_HOME" in env:
            values["home"] = Path(env["SHELFCAST_HOME"])
        tz = env.get("SHELFCAST_TIME_ZONE") or env.get("TIME_ZONE")
        if tz:
            values["time_zone"] = tz
        country = env.get("SHELFCAST_COUNTRY")
        if country:
            values["country"] = country
        values.update(typed_env_values(env, (
            ("horizon_days", "SHELFCAST_HORIZON_DAYS", int),
            ("lead_time_days", "SHELFCAST_LEAD_TIME_DAYS", int),
            ("review_period_days", "SHELFCAST_REVIEW_PERIOD_DAYS", int),
            ("service_level", "SHELFCAST_SERVICE_LEVEL", float),
        )))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
