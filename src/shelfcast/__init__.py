"""shelfcast: sales forecasting and replenishment for supermarket chains."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Looked up on first use: reading the installed packages' metadata costs about 0.3 s,
    # which every command (and every forecast process) would otherwise pay at import.
    if name != "__version__":
        raise AttributeError(f"module 'shelfcast' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("shelfcast")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
