"""Every accounts endpoint is scoped to its owner: bob gets 404 on alice's objects."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken, ExchangeCredential
from accounts.services import credential_create, token_create
from tests.conftest import rsa_private_key_pem

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_credential(alice):
    return credential_create(
        user=alice, environment="sandbox", label="alice", key_id="k-1", private_key=rsa_private_key_pem(0)
    )


@pytest.fixture
def alices_token(alice):
    token, _ = token_create(user=alice, name="alice's script")
    return token


def test_bob_cannot_read_alices_credential(bob_client, alices_credential):
    response = bob_client.get(f"/api/v1/credentials/{alices_credential.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_bob_cannot_rename_alices_credential(bob_client, alices_credential):
    response = bob_client.patch(
        f"/api/v1/credentials/{alices_credential.pk}/", {"label": "mine"}, format="json"
    )
    assert response.status_code == 404
    alices_credential.refresh_from_db()
    assert alices_credential.label == "alice"


def test_bob_cannot_delete_alices_credential(bob_client, alices_credential):
    assert bob_client.delete(f"/api/v1/credentials/{alices_credential.pk}/").status_code == 404
    assert ExchangeCredential.objects.filter(pk=alices_credential.pk).exists()


def test_bob_does_not_see_alices_credentials_or_tokens(bob_client, alices_credential, alices_token):
    assert bob_client.get("/api/v1/credentials/").json() == []
    assert bob_client.get("/api/v1/auth/tokens/").json() == []


def test_bob_cannot_revoke_alices_token(bob_client, alices_token):
    assert bob_client.delete(f"/api/v1/auth/tokens/{alices_token.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=alices_token.pk).exists()


def test_alice_sees_her_own(alice_client, alices_credential, alices_token):
    assert [c["label"] for c in alice_client.get("/api/v1/credentials/").json()] == ["alice"]
    assert alice_client.get(f"/api/v1/credentials/{alices_credential.pk}/").status_code == 200
    assert [t["name"] for t in alice_client.get("/api/v1/auth/tokens/").json()] == ["alice's script"]
