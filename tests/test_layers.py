"""The core never imports the edges' heavy frameworks (DESIGN.md: layers point one way)."""

import subprocess
import sys

import pytest

CORE = ["shelfcast.data", "shelfcast.features", "shelfcast.forecast", "shelfcast.replenish",
        "shelfcast.config", "shelfcast.errors", "shelfcast.live", "shelfcast.ops",
        "shelfcast.logs"]
EDGES = ["django", "streamlit", "pyspark", "httpx", "rest_framework", "channels"]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_edge_framework(module: str) -> None:
    code = (
        "import importlib, sys, pkgutil\n"
        f"pkg = importlib.import_module({module!r})\n"
        "for m in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(','.join(sorted(e for e in {EDGES!r} if e in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"
