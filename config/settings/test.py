"""Tests: the real PostgreSQL and Redis (DATABASE_URL / REDIS_URL), fast hashing, eager nothing."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import VAR_DIR, env
from .devkeys import dev_encryption_keys, dev_secret_key

SECRET_KEY = dev_secret_key(VAR_DIR)
# Like local: CREDENTIALS_ENCRYPTION_KEYS(_FILE) when set, else the checkout's development key.
CREDENTIALS_ENCRYPTION_KEYS = CREDENTIALS_ENCRYPTION_KEYS or dev_encryption_keys(VAR_DIR)  # noqa: F405
SANDBOX_ADMIN_TOKEN = "test-admin-token"  # noqa: S105 (a test fixture, not a secret)

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "kb-test",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "capacity": 10_000, "prefix": "kb-test"},
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # type: ignore[assignment]  # no collectstatic here
WHITENOISE_AUTOREFRESH = True

# Servers started by tests in threads must not keep connections that block dropping the test DB.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
