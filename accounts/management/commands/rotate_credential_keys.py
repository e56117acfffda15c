"""Re-encrypt every stored exchange key under the newest CREDENTIALS_ENCRYPTION_KEYS entry.

Rotation: put the new key first in CREDENTIALS_ENCRYPTION_KEYS (keep the old ones after it),
restart, run this command, then remove the old keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import credentials_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every exchange credential under the newest encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        count = credentials_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} credential(s) under the newest key."))
