"""The embedded default (`make demo`): one process, SQLite, in-memory cache and channel layer,
eager Celery. With DATABASE_URL and REDIS_URL set (as `make up` does) it uses the real services
instead, with the same code."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import VAR_DIR, env
from .devkeys import dev_encryption_keys, dev_secret_key

SECRET_KEY = SECRET_KEY or dev_secret_key(VAR_DIR)  # noqa: F405
CREDENTIALS_ENCRYPTION_KEYS = CREDENTIALS_ENCRYPTION_KEYS or dev_encryption_keys(VAR_DIR)  # noqa: F405
SANDBOX_ADMIN_TOKEN = SANDBOX_ADMIN_TOKEN or dev_secret_key(VAR_DIR)[:32]  # noqa: F405

EMBEDDED = not env.str("REDIS_URL", default="")

if not env.str("DATABASE_URL", default=""):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "demo.sqlite3",
            # IMMEDIATE: a transaction takes the write lock when it begins, so concurrent writers
            # (web requests, the embedded sandbox's threads) wait up to `timeout` for each other;
            # a DEFERRED read-then-write transaction fails at once with "database is locked".
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

if EMBEDDED:
    EMBEDDED_SERVICES = ["sandbox.embedded.serve"]
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10_000}}
    }
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
# Otherwise base's CELERY_BROKER_URL stands: CELERY_BROKER_URL if set, else REDIS_URL.

# Serve the built editor straight from frontend/dist without collectstatic.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # type: ignore[assignment]  # no collectstatic here
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
