"""Reads for accounts, always scoped to the acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiToken, ExchangeCredential, User
from core.errors import NotFoundError


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_get(*, user: User, token_id: int) -> ApiToken:
    try:
        return ApiToken.objects.get(user=user, pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFoundError("No such API token.") from None


def credential_list(*, user: User) -> QuerySet[ExchangeCredential]:
    return ExchangeCredential.objects.filter(user=user)


def credential_get(*, user: User, credential_id: int) -> ExchangeCredential:
    try:
        return ExchangeCredential.objects.get(user=user, pk=credential_id)
    except ExchangeCredential.DoesNotExist:
        raise NotFoundError("No such credential.") from None
