"""`python manage.py kalshi_check --credential ID`: does this stored key work?"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ExchangeCredential
from execution.exchange_clients import kalshi_client_for_credential
from execution.kalshi.errors import KalshiError
from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import SigningKeyError
from execution.kalshi.units import dollars_text


class Command(BaseCommand):
    help = (
        "Verify a stored exchange credential: sign a request, read the balance, print it or the exact error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--credential", type=int, required=True, help="ExchangeCredential id")

    def handle(self, *args: Any, **options: Any) -> None:
        credential_id = options["credential"]
        credential = ExchangeCredential.objects.filter(pk=credential_id).first()
        if credential is None:
            raise CommandError(f"No credential with id {credential_id}.")
        name = f"Credential {credential.pk} '{credential.label}' ({credential.environment}, key {credential.key_id})"
        try:
            # A person is waiting: a couple of quick retries, not a long backoff.
            with kalshi_client_for_credential(
                credential_id=credential.pk, retry=RetryPolicy(attempts=2), timeout=(5.0, 10.0)
            ) as client:
                self.stdout.write(f"{name}: checking {client.base_url}")
                status = client.exchange_status()
                balance = client.balance()
        except (KalshiError, SigningKeyError, RuntimeError) as exc:
            raise CommandError(f"{name}: FAILED: {exc}") from None
        self.stdout.write(f"Environment: {credential.environment}")
        self.stdout.write(
            f"Exchange: {'open' if status.exchange_active else 'closed'}, "
            f"trading {'active' if status.trading_active else 'paused'}"
        )
        self.stdout.write(
            f"Balance: {dollars_text(balance.balance_micros)} available, "
            f"portfolio value {dollars_text(balance.portfolio_value_micros)}"
        )
        self.stdout.write(self.style.SUCCESS(f"{name}: OK"))
