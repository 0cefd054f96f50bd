"""Tokens in the admin: list, revoke (untick active), change role; a token added here gets a
fresh key, shown once in the confirmation message."""

from django.contrib import admin, messages

from shelfcast.server.accounts.models import ApiToken
from shelfcast.server.accounts.services import token_key_assign


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "key_prefix", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at"]
    fields = ["name", "role", "is_active", "key_prefix", "created_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            key = token_key_assign(token=obj)
            messages.warning(request, f"The key of {obj.name!r} is {key} - copy it now, it is "
                                      "not shown again.")
        super().save_model(request, obj, form, change)
