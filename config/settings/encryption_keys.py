"""The credential encryption keys, read the same way by every settings module."""

from __future__ import annotations

import re
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)

_FERNET_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}=")


def _is_fernet_key(key: str) -> bool:
    # Exactly the 44 characters Fernet.generate_key() writes: Fernet itself would also take two
    # keys run together (a missing comma) and silently use only the first.
    if not _FERNET_KEY_TEXT.fullmatch(key):
        return False
    try:
        Fernet(key.encode())
    except ValueError:  # binascii.Error too: not 32 url-safe base64-encoded bytes
        return False
    return True


def validate_fernet_keys(keys: list[str], *, source: str) -> list[str]:
    """Return `keys`, or refuse to start naming the bad entry (by position: it is a secret)."""
    for position, key in enumerate(keys, start=1):
        if not _is_fernet_key(key):
            raise ImproperlyConfigured(
                f"{source}: entry {position} of {len(keys)} is not a Fernet key "
                f"(32 url-safe base64-encoded bytes); {GENERATE_HINT}"
            )
    return keys


def encryption_keys_from_env(env: environ.Env) -> list[str]:
    """CREDENTIALS_ENCRYPTION_KEYS (comma-separated, newest first) or CREDENTIALS_ENCRYPTION_KEYS_FILE
    (one key per line, for Docker/Kubernetes secrets), validated; [] when neither is set."""
    inline: list[str] = [key.strip() for key in env.list("CREDENTIALS_ENCRYPTION_KEYS", default=[])]
    path = env.str("CREDENTIALS_ENCRYPTION_KEYS_FILE", default="")
    if inline and path:
        raise ImproperlyConfigured(
            "Set CREDENTIALS_ENCRYPTION_KEYS or CREDENTIALS_ENCRYPTION_KEYS_FILE, not both."
        )
    if path:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as exc:
            raise ImproperlyConfigured(f"CREDENTIALS_ENCRYPTION_KEYS_FILE cannot be read: {exc}") from exc
        keys = [line.strip() for line in lines if line.strip()]
        return validate_fernet_keys(keys, source=f"CREDENTIALS_ENCRYPTION_KEYS_FILE ({path})")
    return validate_fernet_keys([key for key in inline if key], source="CREDENTIALS_ENCRYPTION_KEYS")
