"""Kalshi request signatures (API.md §2): RSA-PSS, SHA-256, MGF1(SHA-256), salt length 32, over
``timestamp_ms + METHOD + path`` where the path starts at the host root (it includes
``/trade-api/v2``) and carries no query string. Timestamps must be within ±30 s (§15.11)."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox.engine import errors
from sandbox.server.http import ApiError

TIMESTAMP_WINDOW_MS = 30_000
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_UNKNOWN_KEY_TTL_S = 2.0

KeyLookup = Callable[[str], Awaitable[tuple[str, str] | None]]


@dataclass(frozen=True)
class Principal:
    """Who signed a request."""

    key_id: str
    account_id: str


class SignatureVerifier:
    """Verifies the three KALSHI-ACCESS-* headers against stored public keys (cached)."""

    def __init__(self, lookup: KeyLookup, clock: Callable[[], float] = time.time) -> None:
        self._lookup = lookup
        self._clock = clock
        self._keys: dict[str, tuple[str, rsa.RSAPublicKey]] = {}
        self._unknown: dict[str, float] = {}

    def forget(self, key_id: str) -> None:
        """Drop a cached key (after a revocation)."""
        self._keys.pop(key_id, None)

    async def _key(self, key_id: str) -> tuple[str, rsa.RSAPublicKey] | None:
        cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        now = self._clock()
        if self._unknown.get(key_id, 0.0) > now:
            return None
        found = await self._lookup(key_id)
        if found is None:
            if len(self._unknown) > 10_000:
                self._unknown.clear()
            self._unknown[key_id] = now + _UNKNOWN_KEY_TTL_S
            return None
        account_id, pem = found
        try:
            public_key = serialization.load_pem_public_key(pem.encode())
        except (ValueError, UnsupportedAlgorithm):
            return None
        if not isinstance(public_key, rsa.RSAPublicKey):
            return None
        self._keys[key_id] = (account_id, public_key)
        return self._keys[key_id]

    async def verify(
        self, method: str, path: str, key_id: str | None, timestamp: str | None, signature: str | None
    ) -> Principal:
        """The request's signer; ApiError(401) with Kalshi's codes when anything is off."""
        if not key_id or not timestamp or not signature:
            missing = [
                name
                for name, value in (
                    ("KALSHI-ACCESS-KEY", key_id),
                    ("KALSHI-ACCESS-TIMESTAMP", timestamp),
                    ("KALSHI-ACCESS-SIGNATURE", signature),
                )
                if not value
            ]
            raise ApiError(
                401,
                errors.AUTHENTICATION_ERROR,
                "authentication required",
                "missing header(s): " + ", ".join(missing),
            )
        # ASCII digits only: str.isdigit() also takes '²' (int() refuses it) and
        # other scripts' digits (int() reads them, but Kalshi's clients never send them).
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16:
            raise ApiError(401, errors.AUTHENTICATION_ERROR, "invalid timestamp", "INVALID_TIMESTAMP")
        # A timestamp in seconds lands ~55 years in the past: "expired", as on Kalshi (§15.11).
        if abs(int(self._clock() * 1000) - int(timestamp)) > TIMESTAMP_WINDOW_MS:
            raise ApiError(
                401, errors.TIMESTAMP_EXPIRED, "request timestamp expired", "HEADER_TIMESTAMP_EXPIRED"
            )
        key = await self._key(key_id)
        if key is None:
            raise ApiError(401, errors.KEY_NOT_FOUND, "api key not found", "NOT_FOUND")
        account_id, public_key = key
        try:
            raw = base64.b64decode(signature, validate=True)
            public_key.verify(raw, (timestamp + method + path).encode(), _PSS, hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            raise ApiError(
                401, errors.AUTHENTICATION_ERROR, "invalid signature", "INCORRECT_API_KEY_SIGNATURE"
            ) from None
        return Principal(key_id=key_id, account_id=account_id)
