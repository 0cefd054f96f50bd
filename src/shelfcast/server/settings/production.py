"""Production: refuses to start with ``DEBUG`` on, without a real ``SECRET_KEY`` or without
``ALLOWED_HOSTS``; HTTPS everywhere (behind a proxy, set ``SECURE_PROXY_SSL_HEADER``);
passes ``manage.py check --deploy`` with no warning (tested)."""

from django.core.exceptions import ImproperlyConfigured

from shelfcast.server.settings.base import *  # noqa: F403
from shelfcast.server.settings.base import DEBUG, SECRET_KEY
from shelfcast.server.settings.env import INSECURE_SECRET_KEY, env_bool, env_int, env_list, env_str

if DEBUG:
    raise ImproperlyConfigured("DEBUG is on: production settings refuse to start with DEBUG=1")
if not env_str("SECRET_KEY") or SECRET_KEY == INSECURE_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: production needs its own secret key (50+ random characters, "
        "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: use 50+ random characters, not starting with 'django-insecure'"
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: the host names this server answers to")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Health checks and metrics scrapes come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^metrics$"]
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER")  # e.g. "HTTP_X_FORWARDED_PROTO,https"
if _proxy_header:
    _name, _, _value = _proxy_header.partition(",")
    SECURE_PROXY_SSL_HEADER = (_name.strip(), _value.strip() or "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
WHITENOISE_USE_FINDERS = True
