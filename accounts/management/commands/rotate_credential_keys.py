"""Re-encrypt every stored exchange key under the newest CREDENTIALS_ENCRYPTION_KEYS entry.

Rotation: put the new key first in CREDENTIALS_ENCRYPTION_KEYS (keep the old ones after it),
restart, run this command, then remove the old keys. Rows no configured key can decrypt are
skipped and listed, and the command exits non-zero: do not remove an old key until it passes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services import credentials_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every exchange credential under the newest encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        result = credentials_reencrypt()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {result.reencrypted} credential(s) under the newest key.")
        )
        if result.undecryptable_ids:
            ids = ", ".join(str(pk) for pk in result.undecryptable_ids)
            raise CommandError(
                f"{len(result.undecryptable_ids)} credential(s) could not be decrypted with any "
                f"CREDENTIALS_ENCRYPTION_KEYS entry and were left as they are: id {ids}."
            )
