"""Roles (INTERFACES.md): viewer reads; till only POSTs transactions; analyst reads, predicts,
uploads, runs and trains; admin does everything, promotion included."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from shelfcast.server.accounts.models import ApiToken, Role

__all__ = ["RolePermission", "CanRead", "CanIngest", "CanAnalyse", "IsAdmin"]


class RolePermission(BasePermission):
    roles: ClassVar[frozenset[str]] = frozenset()
    message = "This token's role may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if token.role in self.roles:
            return True
        self.message = (
            f"A '{token.role}' token may not do this; it needs one of: "
            f"{', '.join(sorted(self.roles))}."
        )
        return False


class CanRead(RolePermission):
    roles = frozenset({Role.VIEWER, Role.ANALYST, Role.ADMIN})


class CanIngest(RolePermission):
    roles = frozenset({Role.TILL, Role.ADMIN})


class CanAnalyse(RolePermission):
    roles = frozenset({Role.ANALYST, Role.ADMIN})


class IsAdmin(RolePermission):
    roles = frozenset({Role.ADMIN})
