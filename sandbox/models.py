"""What the sandbox keeps in the database: members and their keys, the money they were given,
market definitions, and the journal of every accepted command (the source of truth for trading
state: balances, orders, fills and market status are rebuilt from it on start)."""

from __future__ import annotations

import uuid

from django.db import models


class SandboxAccount(models.Model):
    """A member of the sandbox exchange (API.md `user_id`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    is_simulator = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class SandboxApiKey(models.Model):
    """An API key: its id goes in KALSHI-ACCESS-KEY; only the public half is stored."""

    key_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="keys")
    public_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.key_id)


class SandboxDeposit(models.Model):
    """Cash given to (or taken from) a member; the server journals each one exactly once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="deposits")
    amount_cents = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True)
    journaled = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.amount_cents}¢ -> {self.account_id}"


class SandboxSeries(models.Model):
    """A series (API.md §4.2 Series). Fees: `quadratic` or `quadratic_with_maker_fees`."""

    ticker = models.CharField(primary_key=True, max_length=64)
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=100, default="Sandbox")
    frequency = models.CharField(max_length=50, default="custom")
    tags = models.JSONField(default=list, blank=True)
    settlement_sources = models.JSONField(default=list, blank=True)
    contract_url = models.CharField(max_length=300, blank=True, default="")
    contract_terms_url = models.CharField(max_length=300, blank=True, default="")
    fee_type = models.CharField(max_length=40, default="quadratic")
    fee_multiplier_bp = models.PositiveIntegerField(default=10_000)  # 10_000 = 1.0
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sandbox series"

    def __str__(self) -> str:
        return self.ticker


class SandboxEvent(models.Model):
    """An event (API.md §4.2 Event): a group of markets of one series."""

    event_ticker = models.CharField(primary_key=True, max_length=64)
    series = models.ForeignKey(SandboxSeries, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    sub_title = models.CharField(max_length=200, blank=True, default="")
    mutually_exclusive = models.BooleanField(default=False)
    collateral_return_type = models.CharField(max_length=20, blank=True, default="")
    strike_date = models.DateTimeField(null=True, blank=True)
    strike_period = models.CharField(max_length=50, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.event_ticker


class SandboxMarket(models.Model):
    """A market's descriptive definition; its trading state lives in the journal."""

    ticker = models.CharField(primary_key=True, max_length=64)
    event = models.ForeignKey(SandboxEvent, on_delete=models.CASCADE, related_name="markets")
    market_type = models.CharField(max_length=10, default="binary")
    title = models.CharField(max_length=200, blank=True, default="")
    subtitle = models.CharField(max_length=200, blank=True, default="")
    yes_sub_title = models.CharField(max_length=200, blank=True, default="")
    no_sub_title = models.CharField(max_length=200, blank=True, default="")
    rules_primary = models.TextField(blank=True, default="")
    rules_secondary = models.TextField(blank=True, default="")
    price_level_structure = models.CharField(max_length=50, default="linear_cent")
    price_ranges = models.JSONField(default=list)  # [[start, end, step]] in units of $0.0001
    open_time = models.DateTimeField()
    close_time = models.DateTimeField()
    expected_expiration_time = models.DateTimeField(null=True, blank=True)
    latest_expiration_time = models.DateTimeField()
    settlement_timer_seconds = models.PositiveIntegerField(default=0)
    can_close_early = models.BooleanField(default=True)
    strike_type = models.CharField(max_length=20, blank=True, default="")
    floor_strike = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    cap_strike = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.ticker


class JournalEntry(models.Model):
    """One accepted command, in apply order (sandbox.engine.journal line format)."""

    seq = models.BigIntegerField(primary_key=True)
    line = models.TextField()

    class Meta:
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.seq}: {self.line[:60]}"
