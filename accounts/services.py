"""Writes for accounts: users, API tokens, exchange credentials (STYLE: keyword-only, atomic)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from accounts import crypto, login_throttle
from accounts.models import ApiToken, AuditEvent, Environment, ExchangeCredential, User
from accounts.selectors import credential_get, token_get
from core.errors import ApplicationError

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "kb_"  # noqa: S105 (a visible marker, not a secret)


def audit_record(*, user: User | None, action: str, target: str = "", ip_address: str | None = None) -> None:
    AuditEvent.objects.create(user=user, action=action, target=target[:200], ip_address=ip_address)


@transaction.atomic
def user_register(*, email: str, password: str, ip_address: str | None = None) -> User:
    """Create a user after Django's password validators accept the password (throttled per address)."""
    if ip_address is not None:
        if login_throttle.registration_is_throttled(ip_address=ip_address):
            raise ApplicationError(
                "Too many sign-ups from this address. Try again later.",
                code="register_throttled",
                status=429,
                details={"retry_after_seconds": settings.REGISTER_WINDOW_SECONDS},
            )
        login_throttle.registration_record(ip_address=ip_address)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exists():
        raise ApplicationError(
            "An account with this email already exists.",
            code="email_taken",
            details={"email": ["An account with this email already exists."]},
        )
    try:
        password_validation.validate_password(password, User(email=email))
    except DjangoValidationError as exc:
        raise ApplicationError(
            f"Password rejected: {exc.messages[0]}",
            code="invalid_password",
            details={"password": exc.messages},
        ) from exc
    try:
        user = User.objects.create_user(email=email, password=password)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ApplicationError(
            "An account with this email already exists.",
            code="email_taken",
            details={"email": ["An account with this email already exists."]},
        ) from exc
    audit_record(user=user, action="user.registered")
    transaction.on_commit(lambda: _provision_sandbox_credential(user.pk))
    return user


def user_authenticate(*, email: str, password: str, ip_address: str) -> User:
    """Check a sign-in (throttled per address and email, and per address across emails), audited."""
    email = email.lower()
    if login_throttle.login_is_locked(ip_address=ip_address, email=email):
        raise ApplicationError(
            "Too many failed sign-in attempts. Wait a few minutes and try again.",
            code="login_throttled",
            status=429,
            details={"retry_after_seconds": settings.LOGIN_FAILURE_WINDOW_SECONDS},
        )
    user = authenticate(None, username=email, password=password)
    if not isinstance(user, User):
        login_throttle.login_failure_record(ip_address=ip_address, email=email)
        audit_record(
            user=User.objects.filter(email=email).first(), action="login.failed", ip_address=ip_address
        )
        raise ApplicationError("Wrong email or password.", code="invalid_credentials", status=400)
    login_throttle.login_failures_clear(ip_address=ip_address, email=email)
    audit_record(user=user, action="login.succeeded", ip_address=ip_address)
    return user


def _provision_sandbox_credential(user_id: int) -> None:
    from accounts.tasks import provision_sandbox_credential

    # Registration never fails because of the sandbox: the task retries, and the credential can
    # also be created later (the demo does it at start).
    try:
        provision_sandbox_credential.delay(user_id)
    except Exception:
        logger.exception("Could not schedule the sandbox credential for user %s", user_id)


def token_digest(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plaintext[:10], digest=token_digest(plaintext)
    )
    audit_record(user=user, action="token.created", target=name)
    return token, plaintext


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> None:
    token = token_get(user=user, token_id=token_id)
    audit_record(user=user, action="token.revoked", target=token.name)
    token.delete()


def _label_taken(*, user: User, environment: str, label: str, exclude_pk: int | None = None) -> bool:
    others = ExchangeCredential.objects.filter(user=user, environment=environment, label=label)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def _duplicate_label() -> ApplicationError:
    return ApplicationError(
        "You already have a credential with this label in this environment.",
        code="duplicate_label",
        details={"label": ["Already used in this environment."]},
    )


@transaction.atomic
def credential_create(
    *, user: User, environment: str, label: str, key_id: str, private_key: str
) -> ExchangeCredential:
    """Validate the RSA key and store it encrypted; the PEM itself is never kept in clear."""
    if environment not in Environment.values:
        raise ApplicationError(
            f"Unknown environment {environment!r}.",
            details={"environment": [f"Choose one of: {', '.join(Environment.values)}."]},
        )
    try:
        key = crypto.load_rsa_private_key(private_key)
    except crypto.InvalidPrivateKey as exc:
        raise ApplicationError(
            f"private_key: {exc}", code="invalid_private_key", details={"private_key": [str(exc)]}
        ) from exc
    if _label_taken(user=user, environment=environment, label=label):
        raise _duplicate_label()
    try:
        # A savepoint: when a concurrent request takes the label between the check and the
        # insert, the unique constraint refuses it and this transaction stays usable.
        with transaction.atomic():
            credential = ExchangeCredential.objects.create(
                user=user,
                environment=environment,
                label=label,
                key_id=key_id,
                encrypted_private_key=crypto.encrypt(private_key.strip().encode() + b"\n"),
                fingerprint=crypto.public_key_fingerprint(key),
            )
    except IntegrityError as exc:
        if _label_taken(user=user, environment=environment, label=label):
            raise _duplicate_label() from exc
        raise
    audit_record(user=user, action="credential.created", target=f"{environment}:{label}")
    return credential


@transaction.atomic
def credential_rename(*, user: User, credential_id: int, label: str) -> ExchangeCredential:
    credential = credential_get(user=user, credential_id=credential_id)

    def taken() -> bool:
        return _label_taken(
            user=user, environment=credential.environment, label=label, exclude_pk=credential.pk
        )

    if taken():
        raise _duplicate_label()
    credential.label = label
    try:
        with transaction.atomic():  # a savepoint, as in credential_create
            credential.save(update_fields=["label", "updated_at"])
    except IntegrityError as exc:
        if taken():
            raise _duplicate_label() from exc
        raise
    return credential


@transaction.atomic
def credential_delete(*, user: User, credential_id: int) -> None:
    credential = credential_get(user=user, credential_id=credential_id)
    audit_record(
        user=user, action="credential.deleted", target=f"{credential.environment}:{credential.label}"
    )
    credential.delete()


def credential_private_key(*, credential_id: int) -> crypto.PrivateKeyMaterial:
    """Decrypt a credential for the signing code only. Callers pass ids, never this object."""
    credential = ExchangeCredential.objects.get(pk=credential_id)
    return crypto.PrivateKeyMaterial(
        key_id=credential.key_id, pem=crypto.decrypt(bytes(credential.encrypted_private_key))
    )


@dataclass(frozen=True)
class CredentialsReencrypted:
    reencrypted: int
    undecryptable_ids: tuple[int, ...]


def credentials_reencrypt() -> CredentialsReencrypted:
    """Re-encrypt every stored key under the newest CREDENTIALS_ENCRYPTION_KEYS entry.

    A row no key can decrypt is skipped and reported, so one bad row does not stop the others.
    Rotation is not an edit of the credential, so updated_at is left alone."""
    reencrypted = 0
    undecryptable: list[int] = []
    for pk in ExchangeCredential.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            token = (
                ExchangeCredential.objects.select_for_update()
                .filter(pk=pk)
                .values_list("encrypted_private_key", flat=True)
                .first()
            )
            if token is None:  # deleted meanwhile
                continue
            try:
                rotated = crypto.rotate(bytes(token))
            except crypto.UndecryptableCredential:
                undecryptable.append(pk)
                continue
            ExchangeCredential.objects.filter(pk=pk).update(encrypted_private_key=rotated)
        reencrypted += 1
    return CredentialsReencrypted(reencrypted=reencrypted, undecryptable_ids=tuple(undecryptable))


@transaction.atomic
def demo_user_ensure(*, email: str, password: str) -> User:
    """Create the demo user, or reset its password, so `make demo` can run any number of times."""
    user, _ = User.objects.get_or_create(email=email.lower())
    # The demo password is chosen by whoever runs the demo, so the validators are not applied.
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
