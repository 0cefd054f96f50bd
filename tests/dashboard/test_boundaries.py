"""The dashboard is a client of the API: no module of it imports Django, the server or a
database library, and only ``data_access`` speaks HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import shelfcast.dashboard

DASHBOARD = Path(shelfcast.dashboard.__file__).parent
FORBIDDEN = ("django", "rest_framework", "shelfcast.server", "sqlalchemy", "psycopg", "sqlite3")
HTTP = ("httpx", "requests", "urllib3", "aiohttp")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_reaches_the_database_and_one_speaks_http() -> None:
    modules = sorted(DASHBOARD.rglob("*.py"))
    assert len(modules) >= 12  # app, data_access, common, 8 pages...
    speaking_http = []
    for path in modules:
        imports = _imports(path)
        assert not [n for n in imports if n.startswith(FORBIDDEN)], path
        if any(n.split(".")[0] in HTTP for n in imports):
            speaking_http.append(path.name)
    assert speaking_http == ["data_access.py"]
