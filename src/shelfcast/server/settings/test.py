"""The test suite: an in-memory SQLite database by default (the PostgreSQL runs swap in the
suite's own server, see tests/plugins/django_db.py), fast password hashing, in-memory
channel layer, throttling generous unless a test lowers it."""

from shelfcast.server.settings.base import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "[::1]"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
SHELFCAST_THROTTLE_RATES = {role: "100000/min" for role in ("anon", "viewer", "till", "analyst",
                                                            "admin")}
