from django.contrib import admin

from shelfcast.server.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "attempts", "created_at", "started_at", "finished_at"]
    list_filter = ["kind", "status"]
