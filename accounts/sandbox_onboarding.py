"""Every user gets a funded paper-trading credential on the built-in sandbox exchange.

The sandbox is reached only over HTTP (its admin API), like any exchange: the product shares no
code with it. The PEM it returns goes straight into `credential_create`, which encrypts it."""

from __future__ import annotations

import logging

import requests
from django.conf import settings

from accounts.models import Environment, ExchangeCredential, User
from accounts.services import credential_create

logger = logging.getLogger(__name__)

SANDBOX_CREDENTIAL_LABEL = "Paper trading"


class SandboxUnavailable(RuntimeError):
    """The sandbox's admin API did not answer usefully; the caller may retry later."""


def sandbox_credential_ensure(*, user: User) -> ExchangeCredential:
    """Return the user's paper-trading credential, opening a funded sandbox account if needed."""
    existing = ExchangeCredential.objects.filter(
        user=user, environment=Environment.SANDBOX, label=SANDBOX_CREDENTIAL_LABEL
    ).first()
    if existing is not None:
        return existing
    try:
        response = requests.post(
            f"{settings.SANDBOX_URL}/sandbox-admin/v1/accounts",
            json={
                "name": f"user-{user.pk}",
                "balance_dollars": f"{settings.SANDBOX_STARTING_BALANCE_DOLLARS}.00",
            },
            headers={"Authorization": f"Bearer {settings.SANDBOX_ADMIN_TOKEN}"},
            timeout=(3, 10),
        )
    except requests.RequestException as exc:
        raise SandboxUnavailable(f"the sandbox exchange is unreachable: {type(exc).__name__}") from exc
    if response.status_code != 201:
        raise SandboxUnavailable(f"the sandbox refused to open an account (HTTP {response.status_code})")
    account = response.json()
    credential = credential_create(
        user=user,
        environment=Environment.SANDBOX,
        label=SANDBOX_CREDENTIAL_LABEL,
        key_id=account["key_id"],
        private_key=account["private_key_pem"],
    )
    logger.info("Opened sandbox account %s for user %s", account["account_id"], user.pk)
    return credential
