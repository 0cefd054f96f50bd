"""API tokens with a role. The key is shown once, at creation; only its SHA-256 is stored."""

from __future__ import annotations

from django.db import models

__all__ = ["Role", "ApiToken"]


class Role(models.TextChoices):
    VIEWER = "viewer", "viewer: read"
    TILL = "till", "till: POST transactions only"
    ANALYST = "analyst", "analyst: read, predict, upload, runs, train"
    ADMIN = "admin", "admin: everything, promote models"


class ApiToken(models.Model):
    name = models.CharField(max_length=100, help_text="Who or what uses it (a till, a script...)")
    role = models.CharField(max_length=16, choices=Role.choices)
    key_prefix = models.CharField(max_length=8, help_text="The first characters, to recognise it")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True, help_text="Untick to revoke the token")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.key_prefix}...)"

    # DRF's request.user is the token: it is an authenticated principal.
    is_authenticated = True
    is_anonymous = False
