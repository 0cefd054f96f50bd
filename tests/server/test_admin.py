"""The Django admin lists every table, tokens included, and adding a token shows its key once."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from shelfcast.server.accounts.models import ApiToken
from shelfcast.server.accounts.services import token_hash
from shelfcast.server.sales.models import ItemDaySales, StoreDaySales

OUR_APPS = {"accounts", "catalog", "sales", "inventory", "forecasts", "orders", "jobs"}
DERIVED = {StoreDaySales, ItemDaySales}


@pytest.fixture
def staff(db: None) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def test_every_model_of_ours_is_in_the_admin_and_its_pages_open(staff, catalog, token_for) -> None:  # type: ignore[no-untyped-def]
    from django.apps import apps

    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert len(ours) == 15
    for model in ours:
        assert admin.site.is_registered(model), model
        meta = model._meta
        assert staff.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200
        # The roll-ups are derived from the daily sales: shown, never added by hand.
        add = 403 if model in DERIVED else 200
        assert staff.get(f"/admin/{meta.app_label}/{meta.model_name}/add/").status_code == add


def test_a_token_added_in_the_admin_gets_a_key_shown_once(staff) -> None:  # type: ignore[no-untyped-def]
    response = staff.post("/admin/accounts/apitoken/add/",
                          {"name": "dashboard", "role": "viewer", "is_active": "on"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="dashboard")
    message = next(str(m) for m in response.context["messages"])
    key = message.split(" is ")[1].split(" ")[0]
    assert token_hash(key) == token.key_hash and token.role == "viewer"
