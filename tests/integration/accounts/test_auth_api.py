from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.models import ApiToken, AuditEvent, User
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_it_registers_a_user_and_signs_them_in(anon_client):
    response = anon_client.post(
        "/api/v1/auth/register/",
        {"email": "Carol@Example.com", "password": "a-long-passphrase-42"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["email"] == "carol@example.com"
    assert anon_client.get("/api/v1/auth/me/").json()["email"] == "carol@example.com"
    assert User.objects.get(email="carol@example.com").check_password("a-long-passphrase-42")


def test_it_rejects_a_weak_password_naming_the_field(anon_client):
    response = anon_client.post(
        "/api/v1/auth/register/", {"email": "carol@example.com", "password": "12345678"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_password"
    assert "password" in body["details"]
    assert not User.objects.filter(email="carol@example.com").exists()


def test_it_rejects_a_duplicate_email(anon_client, alice):
    response = anon_client.post(
        "/api/v1/auth/register/",
        {"email": "ALICE@example.com", "password": "a-long-passphrase-42"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["details"] == {"email": ["An account with this email already exists."]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email", "password": "x"}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": ["a@example.com"], "password": "x" * 12}, "email"),
    ],
)
def test_it_answers_bad_register_input_with_400_naming_the_field(anon_client, payload, field):
    response = anon_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_it_answers_malformed_json_with_400(anon_client):
    response = anon_client.generic(
        "POST", "/api/v1/auth/login/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"message", "code", "details"}


def test_login_sets_a_session_and_logout_ends_it(anon_client, alice):
    response = anon_client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    assert "sessionid" in response.cookies
    assert anon_client.get("/api/v1/auth/me/").status_code == 200
    assert anon_client.post("/api/v1/auth/logout/").status_code == 204
    assert anon_client.get("/api/v1/auth/me/").status_code == 401


def test_login_with_a_wrong_password_is_a_400_and_is_audited(anon_client, alice):
    response = anon_client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert AuditEvent.objects.filter(user=alice, action="login.failed").count() == 1


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_login_is_throttled_after_repeated_failures(anon_client, alice):
    for _ in range(3):
        assert (
            anon_client.post(
                "/api/v1/auth/login/", {"email": "alice@example.com", "password": "wrong"}, format="json"
            ).status_code
            == 400
        )
    # Even the right password is refused while the lock holds.
    response = anon_client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_throttled"
    # Another account from the same address is not locked.
    assert (
        anon_client.post(
            "/api/v1/auth/login/", {"email": "bob@example.com", "password": "wrong"}, format="json"
        ).status_code
        == 400
    )


def test_session_writes_require_the_csrf_token(alice):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    login = client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert login.status_code == 200
    refused = client.post("/api/v1/auth/tokens/", {"name": "ci"}, format="json")
    assert refused.status_code == 403
    accepted = client.post(
        "/api/v1/auth/tokens/",
        {"name": "ci"},
        format="json",
        HTTP_X_CSRFTOKEN=login.cookies["csrftoken"].value,
    )
    assert accepted.status_code == 201


def test_me_requires_authentication(anon_client):
    response = anon_client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_token_is_shown_once_stored_hashed_and_authenticates(alice_client, alice, anon_client):
    created = alice_client.post("/api/v1/auth/tokens/", {"name": "my script"}, format="json")
    assert created.status_code == 201
    plaintext = created.json()["token"]
    assert plaintext.startswith("kb_")
    stored = ApiToken.objects.get(user=alice)
    assert plaintext not in (stored.digest, stored.prefix)
    listed = alice_client.get("/api/v1/auth/tokens/").json()
    assert [t["name"] for t in listed] == ["my script"]
    assert "token" not in listed[0]

    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {plaintext}")
    assert anon_client.get("/api/v1/auth/me/").json()["email"] == "alice@example.com"
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_revoked_token_no_longer_authenticates(alice_client, anon_client):
    created = alice_client.post("/api/v1/auth/tokens/", {"name": "temp"}, format="json").json()
    assert alice_client.delete(f"/api/v1/auth/tokens/{created['id']}/").status_code == 204
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {created['token']}")
    response = anon_client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_malformed_token_header_is_a_401(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token")
    assert anon_client.get("/api/v1/auth/me/").status_code == 401


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=5)
def test_login_is_throttled_per_address_across_emails(anon_client, alice):
    # Password spraying: one address, a different email each time, never 3 on the same one.
    for n in range(5):
        response = anon_client.post(
            "/api/v1/auth/login/", {"email": f"user{n}@example.com", "password": "wrong"}, format="json"
        )
        assert response.status_code == 400
    response = anon_client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_throttled"
    # Another address is not affected.
    other = anon_client.post(
        "/api/v1/auth/login/",
        {"email": "alice@example.com", "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 200


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=3)
def test_a_successful_sign_in_does_not_reset_the_address_count(anon_client, alice):
    # A sprayer who owns one account cannot use it to keep trying the others.
    for n in range(2):
        anon_client.post(
            "/api/v1/auth/login/", {"email": f"user{n}@example.com", "password": "wrong"}, format="json"
        )
    ok = anon_client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    anon_client.post(
        "/api/v1/auth/login/", {"email": "user9@example.com", "password": "wrong"}, format="json"
    )
    locked = anon_client.post(
        "/api/v1/auth/login/", {"email": "alice@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert locked.status_code == 429


@override_settings(REGISTER_LIMIT=3)
def test_registration_is_throttled_per_address(anon_client):
    for n in range(3):
        response = anon_client.post(
            "/api/v1/auth/register/",
            {"email": f"new{n}@example.com", "password": "a-long-passphrase-42"},
            format="json",
        )
        assert response.status_code == 201
    refused = anon_client.post(
        "/api/v1/auth/register/",
        {"email": "new9@example.com", "password": "a-long-passphrase-42"},
        format="json",
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "register_throttled"
    assert not User.objects.filter(email="new9@example.com").exists()
    elsewhere = anon_client.post(
        "/api/v1/auth/register/",
        {"email": "new9@example.com", "password": "a-long-passphrase-42"},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert elsewhere.status_code == 201
