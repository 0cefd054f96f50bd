"""A developer's machine and ``make demo``: SQLite in the workspace unless ``DATABASE_URL``
says otherwise; the development secret key is accepted; ``DEBUG`` stays off unless set (the
API answers JSON errors either way)."""

from shelfcast.server.settings.base import *  # noqa: F403
from shelfcast.server.settings.base import ALLOWED_HOSTS

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
