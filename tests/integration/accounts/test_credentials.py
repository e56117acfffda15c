from __future__ import annotations

import io
import logging
import pickle
import subprocess
import threading

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.models.signals import pre_save
from django.test import override_settings

from accounts import crypto
from accounts.models import ExchangeCredential
from accounts.services import credential_private_key
from tests.conftest import rsa_private_key_pem

pytestmark = pytest.mark.django_db


def _pem_body(pem: str) -> str:
    """The base64 lines of a PEM, which is what would leak."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def _create(client, pem: str | None = None, **overrides):
    payload = {
        "environment": "demo",
        "label": "main",
        "key_id": "a952bcbe-ec3b-4b5b-b8f9-11dae589608c",
        "private_key": pem or rsa_private_key_pem(0),
    } | overrides
    return client.post("/api/v1/credentials/", payload, format="json")


def test_it_stores_a_key_encrypted_and_returns_only_a_fingerprint(alice_client, alice):
    pem = rsa_private_key_pem(0)
    response = _create(alice_client, pem)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "environment", "label", "key_id", "fingerprint", "created_at", "updated_at"}
    assert len(body["fingerprint"]) == 64
    stored = ExchangeCredential.objects.get(pk=body["id"], user=alice)
    assert _pem_body(pem)[:40].encode() not in bytes(stored.encrypted_private_key)
    material = credential_private_key(credential_id=stored.pk)
    assert material.pem.decode().strip() == pem.strip()


def test_the_decrypted_key_hides_itself(alice_client):
    pem = rsa_private_key_pem(0)
    credential_id = _create(alice_client, pem).json()["id"]
    material = credential_private_key(credential_id=credential_id)
    for text in (repr(material), str(material), f"{material}"):
        assert "<hidden>" in text
        assert _pem_body(pem)[:20] not in text
    with pytest.raises(TypeError):
        pickle.dumps(material)


@pytest.mark.parametrize(
    ("pem", "fragment"),
    [
        ("not a key", "PEM"),
        (rsa_private_key_pem(9, bits=1024), "2048"),
        (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            .decode(),
            "RSA",
        ),
        (
            rsa_private_key_pem(0).replace("A", "B", 5),
            "PEM",
        ),
    ],
    ids=["garbage", "too-short", "not-rsa", "corrupted"],
)
def test_it_rejects_unusable_keys_with_400_naming_the_field(alice_client, pem, fragment):
    response = _create(alice_client, pem)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_private_key"
    assert fragment in body["details"]["private_key"][0]
    assert not ExchangeCredential.objects.exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"environment": "mainnet"}, "environment"),
        ({"label": ""}, "label"),
        ({"key_id": None}, "key_id"),
        ({"private_key": 12}, "private_key"),
    ],
)
def test_it_rejects_bad_fields_with_400(alice_client, override, field):
    response = _create(alice_client, **override)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_labels_are_unique_per_environment(alice_client):
    assert _create(alice_client).status_code == 201
    duplicate = _create(alice_client)
    assert duplicate.status_code == 400
    assert "label" in duplicate.json()["details"]
    assert _create(alice_client, environment="production").status_code == 201


def test_rename_changes_only_the_label(alice_client):
    created = _create(alice_client).json()
    response = alice_client.patch(
        f"/api/v1/credentials/{created['id']}/", {"label": "renamed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["label"] == "renamed"
    assert response.json()["fingerprint"] == created["fingerprint"]


def test_delete_removes_the_credential(alice_client):
    created = _create(alice_client).json()
    assert alice_client.delete(f"/api/v1/credentials/{created['id']}/").status_code == 204
    assert alice_client.get(f"/api/v1/credentials/{created['id']}/").status_code == 404


def test_rotation_reencrypts_every_row_under_the_newest_key(alice_client):
    pem = rsa_private_key_pem(0)
    credential_id = _create(alice_client, pem).json()["id"]
    old_keys = list(settings.CREDENTIALS_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[new_key, *old_keys]):
        call_command("rotate_credential_keys")
        token = bytes(ExchangeCredential.objects.get(pk=credential_id).encrypted_private_key)
        assert Fernet(new_key.encode()).decrypt(token).decode().strip() == pem.strip()
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[new_key]):
        assert credential_private_key(credential_id=credential_id).pem.decode().strip() == pem.strip()
    with (
        override_settings(CREDENTIALS_ENCRYPTION_KEYS=old_keys),
        pytest.raises(RuntimeError, match="decrypted"),
    ):
        credential_private_key(credential_id=credential_id)


@pytest.mark.django_db(transaction=True)
def test_the_pem_never_reaches_the_database_responses_logs_or_admin(alice, caplog):
    from django.test import Client
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    pem = rsa_private_key_pem(1)
    body_line = _pem_body(pem)[64:128]  # a line from the middle of the key
    client = APIClient()
    client.force_authenticate(alice)
    with caplog.at_level(logging.DEBUG):
        created = _create(client, pem)
        listed = client.get("/api/v1/credentials/")
        detail = client.get(f"/api/v1/credentials/{created.json()['id']}/")
    for response in (created, listed, detail):
        assert body_line not in response.content.decode()
    assert body_line not in caplog.text

    admin_user = UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin_user)
    for url in (
        "/admin/accounts/exchangecredential/",
        f"/admin/accounts/exchangecredential/{created.json()['id']}/change/",
    ):
        page = browser.get(url)
        assert page.status_code == 200
        assert body_line not in page.content.decode()
        assert "encrypted_private_key" not in page.content.decode()

    db = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "exchangecredential" in dump.lower()
    assert body_line not in dump
    assert _pem_body(pem)[:64] not in dump


def test_crypto_rejects_an_encrypted_pem():
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    with pytest.raises(crypto.InvalidPrivateKey):
        crypto.load_rsa_private_key(pem)


def _another_request_takes_the_label(label: str):
    """A pre_save receiver that, once, has another connection commit a credential with `label`
    for the same user and environment: a concurrent request winning the race between the
    service's check and its write."""

    def insert(instance: ExchangeCredential) -> None:
        try:
            ExchangeCredential.objects.bulk_create(
                [
                    ExchangeCredential(
                        user_id=instance.user_id,
                        environment=instance.environment,
                        label=label,
                        key_id="racer",
                        encrypted_private_key=b"x",
                        fingerprint="0" * 64,
                    )
                ]
            )
        finally:
            connections.close_all()

    def receiver(sender, instance, **kwargs):
        if getattr(receiver, "fired", False):
            return
        receiver.fired = True  # type: ignore[attr-defined]
        racer = threading.Thread(target=insert, args=(instance,))
        racer.start()
        racer.join()

    return receiver


@pytest.mark.django_db(transaction=True)
def test_a_label_taken_by_a_concurrent_create_is_a_clean_400(alice_client):
    receiver = _another_request_takes_the_label("main")
    pre_save.connect(receiver, sender=ExchangeCredential)
    try:
        response = _create(alice_client)
    finally:
        pre_save.disconnect(receiver, sender=ExchangeCredential)
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_label"
    assert response.json()["details"] == {"label": ["Already used in this environment."]}
    assert list(ExchangeCredential.objects.values_list("key_id", flat=True)) == ["racer"]


@pytest.mark.django_db(transaction=True)
def test_a_label_taken_by_a_concurrent_rename_is_a_clean_400(alice_client):
    created = _create(alice_client).json()
    receiver = _another_request_takes_the_label("renamed")
    pre_save.connect(receiver, sender=ExchangeCredential)
    try:
        response = alice_client.patch(
            f"/api/v1/credentials/{created['id']}/", {"label": "renamed"}, format="json"
        )
    finally:
        pre_save.disconnect(receiver, sender=ExchangeCredential)
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_label"
    assert ExchangeCredential.objects.get(pk=created["id"]).label == "main"


def test_rotation_skips_and_reports_rows_it_cannot_decrypt_and_keeps_updated_at(alice_client):
    ids = [_create(alice_client, label=f"key-{n}").json()["id"] for n in range(3)]
    # The middle row was encrypted under a key that is no longer configured.
    foreign = Fernet(Fernet.generate_key()).encrypt(b"lost")
    ExchangeCredential.objects.filter(pk=ids[1]).update(encrypted_private_key=foreign)
    updated_before = dict(ExchangeCredential.objects.values_list("pk", "updated_at"))
    new_key = Fernet.generate_key().decode()
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[new_key, *settings.CREDENTIALS_ENCRYPTION_KEYS]):
        out = io.StringIO()
        with pytest.raises(CommandError, match=rf"could not be decrypted .*: id {ids[1]}\.$"):
            call_command("rotate_credential_keys", stdout=out)
    assert "Re-encrypted 2 credential(s)" in out.getvalue()
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[new_key]):
        for pk in (ids[0], ids[2]):
            assert b"PRIVATE KEY" in credential_private_key(credential_id=pk).pem
    assert bytes(ExchangeCredential.objects.get(pk=ids[1]).encrypted_private_key) == foreign
    assert dict(ExchangeCredential.objects.values_list("pk", "updated_at")) == updated_before
