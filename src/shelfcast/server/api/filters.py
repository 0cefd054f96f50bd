"""The filters every read takes (INTERFACES.md): ``store_id``, ``item_id``, ``category``
(each one value or several separated by commas), ``date_from``, ``date_to`` (inclusive; a
``date_to`` before ``date_from`` selects nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.validators import RegexValidator
from django.db.models import QuerySet
from rest_framework import serializers

__all__ = ["ReadFilters", "ReadFilterSerializer"]


@dataclass(frozen=True)
class ReadFilters:
    store_id: list[str] | None = None
    item_id: list[str] | None = None
    category: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None

    def apply(self, qs: QuerySet, *, date_field: str | None = "date") -> QuerySet:
        """``qs`` narrowed to these filters; the dates apply to ``date_field`` (None: ignored)."""
        if self.store_id:
            qs = qs.filter(store_id__in=self.store_id)
        if self.item_id:
            qs = qs.filter(item_id__in=self.item_id)
        if self.category:
            qs = qs.filter(item__category__in=self.category)
        if date_field and self.date_from:
            qs = qs.filter(**{f"{date_field}__gte": self.date_from})
        if date_field and self.date_to:
            qs = qs.filter(**{f"{date_field}__lte": self.date_to})
        return qs


class _CommaList(serializers.CharField):
    def to_internal_value(self, data: Any) -> list[str]:
        text = super().to_internal_value(data)
        if "\x00" in text:
            raise serializers.ValidationError("Null characters are not allowed.")
        return [part.strip() for part in text.split(",") if part.strip()]


_NO_NUL = RegexValidator(r"^[^\x00]*$", "Null characters are not allowed.")


def _ids(help_text: str) -> _CommaList:
    return _CommaList(required=False, allow_blank=True, validators=[_NO_NUL], help_text=help_text)


class ReadFilterSerializer(serializers.Serializer):
    """Blank values filter nothing."""

    store_id = _ids("One store, or several: S01,S02")
    item_id = _ids("One item, or several separated by commas")
    category = _ids("One category, or several")
    date_from = serializers.DateField(required=False, help_text="First day (inclusive)")
    date_to = serializers.DateField(required=False, help_text="Last day (inclusive)")

    def filters(self) -> ReadFilters:
        names = ("store_id", "item_id", "category", "date_from", "date_to")
        return ReadFilters(**{k: self.validated_data.get(k) for k in names})
