"""Development-only secrets: generated once per checkout under var/, never used in production."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

logger = logging.getLogger("config.settings")


def _read_or_create(path: Path, make: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(make)
        path.chmod(0o600)
    return path.read_text().strip()


def dev_secret_key(var_dir: Path) -> str:
    return _read_or_create(var_dir / "dev-secret-key", secrets.token_urlsafe(50))


def dev_encryption_keys(var_dir: Path) -> list[str]:
    """A generated Fernet key, stable across restarts of this checkout so stored keys stay readable."""
    path = var_dir / "dev-credentials.key"
    # A log line, not a Python warning: the test run turns RuntimeWarnings into errors, and a
    # warning filter could hide it.
    logger.warning(
        "CREDENTIALS_ENCRYPTION_KEYS is not set: using the generated development key in %s. "
        "Never run production like this.",
        path,
    )
    return [_read_or_create(path, Fernet.generate_key().decode())]
