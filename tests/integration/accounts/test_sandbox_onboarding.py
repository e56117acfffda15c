"""Every user gets a funded paper-trading credential on a real sandbox exchange process."""

from __future__ import annotations

import base64
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import override_settings

from accounts.crypto import load_rsa_private_key
from accounts.models import ExchangeCredential
from accounts.sandbox_onboarding import SandboxUnavailable, sandbox_credential_ensure
from accounts.services import credential_private_key
from accounts.tasks import provision_sandbox_credential

pytestmark = pytest.mark.django_db


def _signed_get(base_url: str, path: str, key_id: str, pem: bytes) -> requests.Response:
    key = load_rsa_private_key(pem)
    timestamp = str(int(time.time() * 1000))
    signature = key.sign(
        f"{timestamp}GET/trade-api/v2{path}".encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    headers = {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
    }
    return requests.get(f"{base_url}{path}", headers=headers, timeout=10)


def test_a_new_user_gets_a_funded_sandbox_credential(sandbox_server, alice):
    with override_settings(
        SANDBOX_URL=sandbox_server.root_url,
        SANDBOX_ADMIN_TOKEN=sandbox_server.admin_token,
        SANDBOX_STARTING_BALANCE_DOLLARS=250,
    ):
        provision_sandbox_credential(alice.pk)
        credential = ExchangeCredential.objects.get(user=alice, environment="sandbox")
        again = sandbox_credential_ensure(user=alice)
    assert again.pk == credential.pk
    material = credential_private_key(credential_id=credential.pk)
    response = _signed_get(sandbox_server.base_url, "/portfolio/balance", material.key_id, material.pem)
    assert response.status_code == 200, response.text
    assert response.json()["balance"] == 25_000  # cents


def test_an_unreachable_sandbox_is_reported_for_a_retry(alice):
    with override_settings(SANDBOX_URL="http://127.0.0.1:1"), pytest.raises(SandboxUnavailable):
        sandbox_credential_ensure(user=alice)
    assert not ExchangeCredential.objects.filter(user=alice).exists()


def test_a_wrong_admin_token_is_reported(sandbox_server, alice):
    with (
        override_settings(SANDBOX_URL=sandbox_server.root_url, SANDBOX_ADMIN_TOKEN="wrong"),
        pytest.raises(SandboxUnavailable, match="401"),
    ):
        sandbox_credential_ensure(user=alice)
