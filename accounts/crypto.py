"""Encryption at rest of exchange private keys (MultiFernet; newest key first)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

MIN_RSA_BITS = 2048


class InvalidPrivateKey(ValueError):
    """The uploaded text is not a usable Kalshi RSA private key."""


class UndecryptableCredential(RuntimeError):
    """A stored key cannot be decrypted with any of CREDENTIALS_ENCRYPTION_KEYS."""


@dataclass(frozen=True, slots=True)
class PrivateKeyMaterial:
    """A decrypted private key for the signing code. Its repr never shows the key."""

    key_id: str
    pem: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"PrivateKeyMaterial(key_id={self.key_id!r}, pem=<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        # Refuse pickling so the key can never travel as a task argument or a cache value.
        raise TypeError("PrivateKeyMaterial cannot be serialized")


def load_rsa_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    """Parse a PEM RSA private key of at least 2048 bits, or raise InvalidPrivateKey."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data.strip() + b"\n", password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidPrivateKey(
            "Not a readable PEM private key (expected the unencrypted '-----BEGIN … PRIVATE KEY-----' file "
            "Kalshi gave you)."
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidPrivateKey("Kalshi API keys are RSA keys; this PEM holds a different key type.")
    if key.key_size < MIN_RSA_BITS:
        raise InvalidPrivateKey(f"The RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} are required.")
    return key


def public_key_fingerprint(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("CREDENTIALS_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CREDENTIALS_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes) -> bytes:
    return fernet().encrypt(plaintext)


_UNDECRYPTABLE = (
    "A stored credential cannot be decrypted with CREDENTIALS_ENCRYPTION_KEYS (was a key removed?)"
)


def decrypt(token: bytes) -> bytes:
    try:
        return fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise UndecryptableCredential(_UNDECRYPTABLE) from exc


def rotate(token: bytes) -> bytes:
    """Re-encrypt under the newest key (MultiFernet.rotate keeps the original timestamp)."""
    try:
        return fernet().rotate(bytes(token))
    except InvalidToken as exc:
        raise UndecryptableCredential(_UNDECRYPTABLE) from exc
