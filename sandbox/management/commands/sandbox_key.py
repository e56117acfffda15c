"""`python manage.py sandbox_key --name NAME --balance 1000 --out NAME.pem`: a funded sandbox member
with a fresh RSA key; prints `{"key_id": ..., "private_key_file": ...}`. A running sandbox journals
the deposit within a second; otherwise it does so when it starts."""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox.services import SandboxError, account_create


class Command(BaseCommand):
    help = "Create a funded sandbox account with a new RSA API key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--balance", default="0", help="opening balance in dollars, e.g. 1000 or 250.50")
        parser.add_argument("--out", required=True, help="where to write the private key (PEM, mode 0600)")

    def handle(self, *args: Any, name: str, balance: str, out: str, **options: Any) -> None:
        try:
            cents = Decimal(balance) * 100
        except InvalidOperation:
            raise CommandError("--balance must be a dollar amount such as 1000 or 250.50") from None
        if cents != cents.to_integral_value() or cents < 0:
            raise CommandError("--balance must be a non-negative amount of whole cents")
        path = Path(out)
        if path.exists():
            raise CommandError(f"{path} exists; not overwriting a private key")
        try:
            key = account_create(name=name, balance_cents=int(cents))
        except SandboxError as exc:
            raise CommandError(str(exc)) from None
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.private_key_pem)
        self.stdout.write(json.dumps({"key_id": key.key_id, "private_key_file": str(path)}))
