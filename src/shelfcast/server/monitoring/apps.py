from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "shelfcast.server.monitoring"
    label = "monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shelfcast.server.monitoring.metrics import register_collector

        register_collector()
