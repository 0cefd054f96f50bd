from django.contrib import admin

from shelfcast.server.monitoring.models import AccuracyScore, DriftScore, MonitoringAlert

admin.site.register(AccuracyScore)
admin.site.register(DriftScore)
admin.site.register(MonitoringAlert)
