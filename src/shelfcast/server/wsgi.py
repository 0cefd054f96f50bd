"""WSGI entry point (REST only, e.g. ``gunicorn shelfcast.server.wsgi``); WebSockets need ASGI."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from shelfcast.server import DEFAULT_SETTINGS_MODULE, ensure_workspace

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
ensure_workspace()

application = get_wsgi_application()
