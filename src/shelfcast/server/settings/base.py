"""Settings shared by every environment; values come from ``env`` (the one module that reads
the environment). ``local``, ``production`` and ``test`` start from here."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from shelfcast import __version__
from shelfcast.logs import logging_config
from shelfcast.server.settings.env import (
    INSECURE_SECRET_KEY,
    channel_layers_config,
    core_settings,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    throttle_rates,
)

SHELFCAST = core_settings()
"""The core's ``Settings`` (workspace, time zone, horizon, quantiles...), built once here."""
SHELFCAST_HOME = SHELFCAST.home.resolve()
SHELFCAST_VERSION = __version__

SECRET_KEY = env_str("SECRET_KEY") or INSECURE_SECRET_KEY
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "daphne",  # before staticfiles: `runserver` then serves ASGI (WebSockets included)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "shelfcast.server.core",
    "shelfcast.server.accounts",
    "shelfcast.server.catalog",
    "shelfcast.server.sales",
    "shelfcast.server.inventory",
    "shelfcast.server.forecasts",
    "shelfcast.server.orders",
    "shelfcast.server.jobs",
    "shelfcast.server.live",
    "shelfcast.server.monitoring",
]

MIDDLEWARE = [
    # Outermost: every answer, an error shielded below included, gets its X-Request-ID and log line.
    "shelfcast.server.core.request_log.RequestLogMiddleware",
    "shelfcast.server.api.middleware.ErrorShieldMiddleware",
    "shelfcast.server.core.metrics.RequestMetricsMiddleware",
    "shelfcast.server.api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: keeps the whole chain in the request's thread under ASGI (no hop per middleware).
    "shelfcast.server.api.middleware.SyncChainMiddleware",
]

ROOT_URLCONF = "shelfcast.server.urls"
WSGI_APPLICATION = "shelfcast.server.wsgi.application"
ASGI_APPLICATION = "shelfcast.server.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(SHELFCAST_HOME)}
SHELFCAST_REQUEST_THREADS = env_int("SHELFCAST_REQUEST_THREADS", 8, minimum=1)
"""Threads that run requests in one ``shelfcast serve`` process (``cli/serve_app.py``); keep
it below ``DATABASE_POOL_MAX_SIZE``, which also serves the background writers."""
SHELFCAST_REQUEST_QUEUE = env_int("SHELFCAST_REQUEST_QUEUE", 100, minimum=0)
"""Requests of one process that may wait for a request thread; more are answered 503 with
``Retry-After`` at once (``cli/serve_app.py``), so that an overload keeps latency bounded."""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = channel_layers_config()
for _layer in CHANNEL_LAYERS.values():  # live rounds push an event per item touched: not 100
    _layer.setdefault("CONFIG", {}).setdefault("capacity", 10_000)

LANGUAGE_CODE = "en-us"
TIME_ZONE = SHELFCAST.time_zone
"""The chain's time zone: a transaction's business day is its local calendar day here."""
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# Static files (admin, Swagger UI/Redoc from drf-spectacular-sidecar) are served by
# WhiteNoise straight from the installed packages: no collectstatic step, no CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# Bodies: JSON up to SHELFCAST_MAX_BODY_BYTES, uploads up to SHELFCAST_MAX_UPLOAD_BYTES;
# larger ones answer 413 in the error shape before being read.
SHELFCAST_MAX_BODY_BYTES = env_int("SHELFCAST_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)
SHELFCAST_MAX_UPLOAD_BYTES = env_int("SHELFCAST_MAX_UPLOAD_BYTES", 512 * 1024 * 1024,
                                     minimum=1024)
SHELFCAST_UPLOAD_PATHS = ("/api/uploads/",)
SHELFCAST_MAX_TRANSACTIONS = env_int("SHELFCAST_MAX_TRANSACTIONS", 10_000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = SHELFCAST_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

METRICS_ALLOWED_CIDRS = env_list("METRICS_ALLOWED_CIDRS", [])
SHELFCAST_THROTTLE_RATES = throttle_rates()
SHELFCAST_TOKEN_CACHE_SECONDS = env_int("SHELFCAST_TOKEN_CACHE_SECONDS", 5)
"""How long a process remembers an active token (accounts/authentication.py); 0: never."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["shelfcast.server.accounts.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["shelfcast.server.accounts.permissions.CanRead"],
    "DEFAULT_THROTTLE_CLASSES": ["shelfcast.server.accounts.throttling.RoleRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shelfcast.server.api.exception_handler.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "shelfcast API",
    "DESCRIPTION": (
        "Sales forecasting and replenishment for supermarket chains. Authenticate with "
        "`Authorization: Token <key>` (`shelfcast token create --role R --name N`). Every error "
        'answers `{"error": "<code>", "message": "...", "details": {...}}`.'
    ),
    "VERSION": __version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shelfcast.server.api.schema.add_error_responses",
    ],
}

# LOG_FORMAT=json (one object a line: request id, store, item, model version, latency) or
# text (the default, for a terminal): shelfcast.logs.
try:
    LOGGING = logging_config(env_str("LOG_FORMAT"), env_str("LOG_LEVEL", "INFO"))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
