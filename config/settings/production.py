"""Production: every secret comes from the environment and the process refuses to start without it."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CREDENTIALS_ENCRYPTION_KEYS, SANDBOX_ADMIN_TOKEN, SECRET_KEY, env

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
# base has already refused malformed keys (config/settings/encryption_keys.py).
if not CREDENTIALS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "CREDENTIALS_ENCRYPTION_KEYS (or CREDENTIALS_ENCRYPTION_KEYS_FILE) must be set in production: "
        "exchange private keys are encrypted with it."
    )
if not SANDBOX_ADMIN_TOKEN:
    raise ImproperlyConfigured("SANDBOX_ADMIN_TOKEN must be set in production.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
