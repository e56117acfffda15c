"""Settings shared by every deployment; the per-environment modules override what differs."""

from __future__ import annotations

import warnings
from pathlib import Path

import django_stubs_ext
import environ

from .encryption_keys import encryption_keys_from_env

# Lets annotations like ModelAdmin[User] and QuerySet[Bot] work at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Local state of this checkout: the embedded mode's SQLite database and the generated dev keys.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The embedded mode (`make demo`) runs everything in one process on SQLite, in-memory cache and
# channel layer, and eager Celery. Every other mode uses the real PostgreSQL and Redis.
EMBEDDED = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "core",
    "accounts",
    "builder",
    "execution",
    "sandbox",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentLengthMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [FRONTEND_DIST],
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

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/kalshi_bots")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request (and /healthz) in seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "kb",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# Live feeds are latest-state and conflated, so at-most-once pub/sub delivery is enough
# (DESIGN §9): anything that must not be lost is in the database first.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "capacity": 10_000, "expiry": 30},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Sign-in throttling (accounts/login_throttle.py): this many failures per (address, email), or per
# address across all emails (password spraying), within the window answer 429.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=300)
# Sign-up throttling: this many registration attempts per address within the window.
REGISTER_LIMIT = env.int("REGISTER_LIMIT", default=20)
REGISTER_WINDOW_SECONDS = env.int("REGISTER_WINDOW_SECONDS", default=3600)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
# whitenoise 6 serves files through sync iterators, and Django under ASGI warns about each one.
# Harmless for the editor's few, cached, compressed assets.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser with a size limit, a depth limit and only storable strings (core/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.HardenedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kalshi Bot Builder API",
    "DESCRIPTION": "Build, validate, publish and run trading bots for the Kalshi exchange.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"EnvironmentEnum": "accounts.models.Environment"},
}

# Celery: the broker is Redis; results are only read by health checks and tests.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "execution.prune_exchange_calls": {"task": "execution.prune_exchange_calls", "schedule": 24 * 3600},
}

# Exchange-credential encryption: Fernet keys, newest first (MultiFernet encrypts with the first
# and decrypts with any, which is how rotation works), from CREDENTIALS_ENCRYPTION_KEYS or
# CREDENTIALS_ENCRYPTION_KEYS_FILE. A malformed key stops the process here, not at first use.
CREDENTIALS_ENCRYPTION_KEYS: list[str] = encryption_keys_from_env(env)

# The built-in sandbox exchange (its own process, or in-process in the embedded mode).
SANDBOX_HOST = env.str("SANDBOX_HOST", default="127.0.0.1")
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8001)
SANDBOX_ADMIN_TOKEN = env.str("SANDBOX_ADMIN_TOKEN", default="")
# Where the product reaches the sandbox (its own service in compose; in-process in the embedded mode).
SANDBOX_URL = env.str("SANDBOX_URL", default=f"http://{SANDBOX_HOST}:{SANDBOX_PORT}")
# Every new user gets a sandbox account funded with this much paper money.
SANDBOX_STARTING_BALANCE_DOLLARS = env.int("SANDBOX_STARTING_BALANCE_DOLLARS", default=1000)

# The Kalshi client (execution/kalshi): how long exchange calls are kept, how long market metadata
# is cached (Kalshi suggests 5-30 s), and the usage tier the local rate limiter assumes.
EXCHANGE_CALL_RETENTION_DAYS = env.int("EXCHANGE_CALL_RETENTION_DAYS", default=30)
KALSHI_METADATA_TTL_SECONDS = env.float("KALSHI_METADATA_TTL_SECONDS", default=15.0)
KALSHI_RATE_LIMIT_TIER = env.str("KALSHI_RATE_LIMIT_TIER", default="basic")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
