"""Request signing (API.md §2), shared by REST and the WebSocket.

message   = timestamp_ms + METHOD + path      (path from the host root, with /trade-api/..., no query)
signature = base64(RSA-PSS(SHA-256, MGF1(SHA-256), salt 32 bytes)(message))

A `Signer` holds the private key and never shows it: not in repr/str, not through pickle or copy.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_HEADER: Final = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER: Final = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER: Final = "KALSHI-ACCESS-SIGNATURE"
SIGNED_HEADERS: Final = frozenset({KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER})

# Salt length = digest length (32). Kalshi rejects PSS.MAX_LENGTH and PKCS#1 v1.5 (API.md §13.2).
_PSS: Final = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


class KeyMaterial(Protocol):
    """What the Django side hands over (`accounts.crypto.PrivateKeyMaterial`)."""

    @property
    def key_id(self) -> str: ...

    @property
    def pem(self) -> bytes: ...


class SigningKeyError(ValueError):
    """The private key cannot sign Kalshi requests (unreadable PEM, not RSA)."""


def signing_message(timestamp_ms: int | str, method: str, path: str) -> bytes:
    """The exact bytes Kalshi verifies: timestamp + METHOD + path without the query string."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM, or SigningKeyError (without echoing the key)."""
    data = pem.encode() if isinstance(pem, str) else bytes(pem)
    try:
        key = serialization.load_pem_private_key(data.strip() + b"\n", password=None)
    except (ValueError, TypeError):
        raise SigningKeyError("the private key is not a readable unencrypted PEM key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningKeyError("Kalshi API keys are RSA keys; this PEM holds another key type")
    return key


class Signer:
    """Signs requests for one API key. Safe to share between threads."""

    __slots__ = ("_clock", "_key", "key_id")

    def __init__(
        self,
        key_id: str,
        private_key: rsa.RSAPrivateKey,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key_id = key_id
        self._key = private_key
        self._clock = clock

    @classmethod
    def from_pem(cls, key_id: str, pem: str | bytes, *, clock: Callable[[], float] = time.time) -> Signer:
        """A signer for a key id and its PEM private key."""
        return cls(key_id, load_private_key(pem), clock=clock)

    @classmethod
    def from_material(cls, material: KeyMaterial, *, clock: Callable[[], float] = time.time) -> Signer:
        """A signer from the decrypted key object the Django side hands over."""
        return cls.from_pem(material.key_id, material.pem, clock=clock)

    def public_key(self) -> rsa.RSAPublicKey:
        """The public half (for verification in tests and diagnostics)."""
        return self._key.public_key()

    def sign(self, timestamp_ms: int | str, method: str, path: str) -> str:
        """Base64 signature of timestamp + METHOD + path (query ignored)."""
        signature = self._key.sign(signing_message(timestamp_ms, method, path), _PSS, hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, method: str, path: str) -> dict[str, str]:
        """The three KALSHI-ACCESS-* headers for a request sent now."""
        timestamp = str(int(self._clock() * 1000))
        return {
            KEY_HEADER: self.key_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: self.sign(timestamp, method, path),
        }

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r}, key=<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        # Refuse pickling (and deepcopy, which uses it): a key must never reach a queue or cache.
        raise TypeError("Signer holds a private key and cannot be serialized")

    def __copy__(self) -> Signer:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Signer:
        return self


def verify(
    public_key: rsa.RSAPublicKey, timestamp_ms: int | str, method: str, path: str, signature_b64: str
) -> bool:
    """True when a signature is what Kalshi would accept for this request."""
    try:
        public_key.verify(
            base64.b64decode(signature_b64, validate=True),
            signing_message(timestamp_ms, method, path),
            _PSS,
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True
