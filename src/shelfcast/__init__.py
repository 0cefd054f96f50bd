"""shelfcast: sales forecasting and replenishment for supermarket chains."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("shelfcast")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
