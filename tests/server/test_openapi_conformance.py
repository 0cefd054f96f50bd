"""Schemathesis over the OpenAPI schema: generated requests to every endpoint (valid ones and
invalid ones), through the WSGI application on the test database; no 5xx, and every
response (status, content type, body) as the schema documents it.

One check is left out for invalid data: "invalid data must answer 4xx". By design
(INTERFACES.md) a batch of transactions answers 200 and rejects each malformed line on its
own, in ``rejected``; the other checks still hold for those answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import signals
from django.db import close_old_connections
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

MAX_EXAMPLES = 40
# A schema-valid upload (any file under any name) is rarely a dataset, and OpenAPI cannot say
# which file names are tables: /api/uploads/ answers such bodies 400 by design (INTERFACES.md).
UPLOAD_EXCLUDED = {"/api/uploads/": [positive_data_acceptance]}


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """As Django's test client does: the handler must not close the test's connection (and
    its transaction) at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_schema_says(catalog, token_for, keep_connection, live_model_version, mode) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    headers = {"Authorization": f"Token {token_for('admin')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/health/", "/api/transactions/"}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.body:
            continue  # nothing to make invalid (no body, no parameters): health
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, excluded_checks=[
                negative_data_rejection, *UPLOAD_EXCLUDED.get(operation.path, [])])

        check()
