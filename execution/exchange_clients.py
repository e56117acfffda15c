"""Ready-to-use Kalshi clients for a stored credential: the environment's URLs, the decrypted key
(only inside the signer), the shared rate limiter, the metadata cache and the call log.

Callers pass a credential id, never a key; the key is decrypted here, in the process that signs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache

from accounts.models import ExchangeCredential
from accounts.services import credential_private_key
from execution.call_log import ExchangeCallLog
from execution.kalshi.cache import MetadataCache
from execution.kalshi.ratelimit import TIERS, InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from execution.kalshi.rest import KalshiClient, endpoints_for
from execution.kalshi.signing import Signer
from execution.kalshi.ws import KalshiWebSocket


@cache
def rate_limiter() -> RateLimiter:
    """One limiter per process: Redis (shared by every process) unless running embedded."""
    if getattr(settings, "EMBEDDED", False):
        return InMemoryRateLimiter()
    import redis

    return RedisRateLimiter(redis.Redis.from_url(settings.REDIS_URL), prefix="kb:kalshi:ratelimit")


@cache
def metadata_cache() -> MetadataCache:
    """Markets, events and series through the Django cache (Redis in production)."""
    return MetadataCache(django_cache, ttl=float(settings.KALSHI_METADATA_TTL_SECONDS))


def _signer(credential: ExchangeCredential) -> Signer:
    return Signer.from_material(credential_private_key(credential_id=credential.pk))


def kalshi_client_for_credential(*, credential_id: int, **options: Any) -> KalshiClient:
    """A signed REST client for one stored credential (any environment, same code)."""
    credential = ExchangeCredential.objects.get(pk=credential_id)
    urls = endpoints_for(credential.environment, sandbox_url=settings.SANDBOX_URL)
    options.setdefault("limiter", rate_limiter())
    options.setdefault("limits", TIERS[settings.KALSHI_RATE_LIMIT_TIER])
    options.setdefault("cache", metadata_cache())
    options.setdefault("call_hook", ExchangeCallLog(user_id=credential.user_id, credential_id=credential.pk))
    return KalshiClient(
        urls.rest_url,
        signer=_signer(credential),
        environment=credential.environment,
        credential_id=credential.pk,
        **options,
    )


def kalshi_websocket_for_credential(*, credential_id: int, **options: Any) -> KalshiWebSocket:
    """A signed WebSocket client for one stored credential."""
    credential = ExchangeCredential.objects.get(pk=credential_id)
    urls = endpoints_for(credential.environment, sandbox_url=settings.SANDBOX_URL)
    return KalshiWebSocket(urls.ws_url, _signer(credential), **options)
