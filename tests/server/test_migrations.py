"""The committed migrations match the models (a model change without its migration fails)."""

from __future__ import annotations

import io

from django.core.management import call_command


def test_no_model_change_lacks_its_migration(db) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()
