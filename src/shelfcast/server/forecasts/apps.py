from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "shelfcast.server.forecasts"
    label = "forecasts"
    default_auto_field = "django.db.models.BigAutoField"
