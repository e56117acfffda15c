"""Thin tasks for accounts: ids in, re-fetch, call one service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import User
from accounts.sandbox_onboarding import SandboxUnavailable, sandbox_credential_ensure


@shared_task(
    name="accounts.provision_sandbox_credential",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SandboxUnavailable,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=12,
)
def provision_sandbox_credential(user_id: int) -> None:
    """Give a new user a funded paper-trading credential (retried while the sandbox is down)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    sandbox_credential_ensure(user=user)
