"""Database writes and reads of the sandbox (synchronous; the async server calls them in a thread)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from sandbox.models import (
    JournalEntry,
    SandboxAccount,
    SandboxApiKey,
    SandboxDeposit,
    SandboxEvent,
    SandboxMarket,
    SandboxSeries,
)

# A key id as Kalshi shows it (API.md §2): a UUID in its canonical 8-4-4-4-12 hex form. Anything
# else is an unknown key; checked before the query, as the UUID column refuses other text.
_KEY_ID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class SandboxError(ValueError):
    """Bad input to an admin operation (answered as 400 with the message)."""


@dataclass(frozen=True)
class NewKey:
    """A freshly generated API key; the private PEM is shown once and never stored."""

    account_id: str
    key_id: str
    private_key_pem: str


def _generate_rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@transaction.atomic
def account_create(*, name: str, balance_cents: int = 0, is_simulator: bool = False) -> NewKey:
    """A new member with one fresh RSA key and an optional opening deposit."""
    if not name or len(name) > 120:
        raise SandboxError("name must be 1 to 120 characters")
    if balance_cents < 0:
        raise SandboxError("the opening balance cannot be negative")
    account = SandboxAccount.objects.create(name=name, is_simulator=is_simulator)
    key = key_create(account_id=str(account.id))
    if balance_cents:
        SandboxDeposit.objects.create(account=account, amount_cents=balance_cents, note="opening balance")
    return key


def key_create(*, account_id: str) -> NewKey:
    """A fresh RSA key pair for an existing member; only the public key is stored."""
    private_pem, public_pem = _generate_rsa_pem()
    key = SandboxApiKey.objects.create(account_id=account_id, public_key_pem=public_pem)
    return NewKey(account_id=account_id, key_id=str(key.key_id), private_key_pem=private_pem)


def deposit_create(*, account_id: str, amount_cents: int, note: str = "") -> SandboxDeposit:
    """Record cash for a member; the running server journals it (deposit_pending)."""
    if amount_cents == 0:
        raise SandboxError("amount must not be zero")
    if not SandboxAccount.objects.filter(id=account_id).exists():
        raise SandboxError("unknown account")
    return SandboxDeposit.objects.create(account_id=account_id, amount_cents=amount_cents, note=note[:200])


def deposit_pending() -> list[tuple[str, str, int]]:
    """(deposit id, account id, cents) of deposits not yet journaled, oldest first."""
    rows = SandboxDeposit.objects.filter(journaled=False).order_by("created_at", "id")
    return [(str(d.id), str(d.account_id), d.amount_cents) for d in rows]


def deposit_mark_journaled(*, deposit_ids: list[str]) -> None:
    """The server journaled these deposits."""
    SandboxDeposit.objects.filter(id__in=deposit_ids).update(journaled=True)


def account_ids() -> list[str]:
    """Every member id."""
    return [str(pk) for pk in SandboxAccount.objects.order_by("created_at").values_list("id", flat=True)]


def key_lookup(*, key_id: str) -> tuple[str, str] | None:
    """(account id, public key PEM) of an active key, None when unknown, revoked or not a key id."""
    if not _KEY_ID_RE.fullmatch(key_id):
        return None
    try:
        key = SandboxApiKey.objects.get(key_id=key_id, revoked_at__isnull=True)
    except SandboxApiKey.DoesNotExist:
        return None
    return str(key.account_id), key.public_key_pem


def journal_append(*, entries: list[tuple[int, str]]) -> None:
    """Durably append journal lines (one transaction: the group commit)."""
    with transaction.atomic():
        JournalEntry.objects.bulk_create([JournalEntry(seq=seq, line=line) for seq, line in entries])


def journal_lines() -> Iterator[tuple[int, str]]:
    """Every journal line in order."""
    yield from JournalEntry.objects.order_by("seq").values_list("seq", "line").iterator(chunk_size=5_000)


def series_save(
    *,
    ticker: str,
    title: str,
    category: str = "Sandbox",
    frequency: str = "custom",
    tags: list[str] | None = None,
    fee_type: str = "quadratic",
    fee_multiplier_bp: int = 10_000,
) -> SandboxSeries:
    """Create or update a series."""
    series, _ = SandboxSeries.objects.update_or_create(
        ticker=ticker,
        defaults={
            "title": title,
            "category": category,
            "frequency": frequency,
            "tags": tags or [],
            "fee_type": fee_type,
            "fee_multiplier_bp": fee_multiplier_bp,
            "contract_url": f"https://sandbox.invalid/series/{ticker}",
            "contract_terms_url": f"https://sandbox.invalid/series/{ticker}/terms",
        },
    )
    return series


def event_save(
    *,
    event_ticker: str,
    series_ticker: str,
    title: str,
    sub_title: str = "",
    mutually_exclusive: bool = False,
    strike_date: dt.datetime | None = None,
) -> SandboxEvent:
    """Create or update an event of an existing series."""
    if not SandboxSeries.objects.filter(ticker=series_ticker).exists():
        raise SandboxError(f"series {series_ticker} does not exist")
    event, _ = SandboxEvent.objects.update_or_create(
        event_ticker=event_ticker,
        defaults={
            "series_id": series_ticker,
            "title": title,
            "sub_title": sub_title,
            "mutually_exclusive": mutually_exclusive,
            "strike_date": strike_date,
        },
    )
    return event


def market_insert(market: SandboxMarket) -> SandboxMarket:
    """Store a new market definition (the server validates it against the engine first)."""
    if SandboxMarket.objects.filter(ticker=market.ticker).exists():
        raise SandboxError(f"market {market.ticker} already exists")
    if not SandboxEvent.objects.filter(event_ticker=market.event_id).exists():
        raise SandboxError(f"event {market.event_id} does not exist")
    market.save(force_insert=True)
    return market


def catalog_load() -> tuple[list[SandboxSeries], list[SandboxEvent], list[SandboxMarket]]:
    """Every series, event and market definition."""
    return (
        list(SandboxSeries.objects.order_by("ticker")),
        list(SandboxEvent.objects.order_by("event_ticker")),
        list(SandboxMarket.objects.order_by("created_at", "ticker")),
    )
