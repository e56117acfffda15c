from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who builds and runs bots; signs in with an email address."""

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A personal token for scripts. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, so a person can tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Environment(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (paper trading)"
    DEMO = "demo", "Kalshi demo"
    PRODUCTION = "production", "Kalshi production"


class ExchangeCredential(models.Model):
    """A user's Kalshi API key for one environment. The private key is only stored encrypted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="exchange_credentials")
    environment = models.CharField(max_length=16, choices=Environment.choices)
    label = models.CharField(max_length=100)
    key_id = models.CharField(max_length=100)
    # MultiFernet token of the PEM; never rendered anywhere.
    encrypted_private_key = models.BinaryField(editable=False)
    # SHA-256 of the public key (DER), so a person can match the key to the one on Kalshi.
    fingerprint = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("environment", "label")
        constraints = [
            models.UniqueConstraint(fields=["user", "environment", "label"], name="credential_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.environment})"


class AuditEvent(models.Model):
    """Who did what to their account: sign-ins, tokens, credentials. Never holds secrets."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="audit_events", null=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
