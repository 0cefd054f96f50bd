"""Shared fixtures live in tests/plugins/, one module per kind of fixture."""

pytest_plugins: list[str] = [
    "tests.plugins.workspace",
    "tests.plugins.postgres",
    "tests.plugins.retail_slices",
    "tests.plugins.chain",
    "tests.plugins.django_db",
    "tests.plugins.api",
    "tests.plugins.models",
    "tests.plugins.dashboard",
]
