"""Monitoring gauges for Prometheus, read from the database at each scrape of ``/metrics``.

A collector rather than module-level gauges: the daily run records in another process, and
the server's gauges must show what is in the database, not what this process last set.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shelfcast.ops.settings import OpsSettings

__all__ = ["MonitoringCollector", "register_collector"]


_NAMES = ("shelfcast_forecast_wape", "shelfcast_forecast_bias", "shelfcast_forecast_coverage_q90",
          "shelfcast_feature_psi", "shelfcast_monitoring_alerts")


class MonitoringCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The names alone, so registering does not query the database (at app start)."""
        for name in _NAMES:
            yield GaugeMetricFamily(name, name)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError

        from shelfcast.server.monitoring.selectors import latest_alerts, latest_drift, latest_window

        try:
            window = latest_window(days=OpsSettings.from_env().monitor_window_days)
            drift = latest_drift()
            alerts = latest_alerts()
        except DatabaseError:
            return  # tables not migrated yet: no monitoring gauges rather than a failed scrape
        labels = ["store_id", "category"]
        gauges = {
            name: GaugeMetricFamily(f"shelfcast_forecast_{name}", text, labels=labels)
            for name, text in (
                ("wape", "WAPE of published forecasts over the recent scored days"),
                ("bias", "Relative bias (forecast - actual) / actual over the recent scored days"),
                ("coverage_q90", "Share of actuals at or below q90 over the recent scored days"),
            )
        }
        for row in window.iter_rows(named=True):
            for name, gauge in gauges.items():
                if row[name] is not None:
                    gauge.add_metric([row["store_id"], row["category"]], float(row[name]))
        yield from gauges.values()
        psi = GaugeMetricFamily("shelfcast_feature_psi",
                                "Population stability index, training window vs recent days",
                                labels=["feature"])
        for row in drift:
            psi.add_metric([row["feature"]], float(row["psi"]))
        yield psi
        count = GaugeMetricFamily("shelfcast_monitoring_alerts",
                                  "Alerts raised by the latest daily run", labels=["kind"])
        kinds: dict[str, int] = {}
        for row in alerts:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
        for kind, n in sorted(kinds.items()):
            count.add_metric([kind], n)
        yield count


_registered: list[MonitoringCollector] = []


def register_collector() -> None:
    """Once per process (``AppConfig.ready`` may run again in tests)."""
    if not _registered:
        collector = MonitoringCollector()
        REGISTRY.register(collector)
        _registered.append(collector)
