"""Signing (API.md §2), cross-verified with the official SDK's signer (kalshi-python-sync 3.2.0)."""

from __future__ import annotations

import base64
import copy
import pickle

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from kalshi_python_sync.auth import KalshiAuth

from execution.kalshi.signing import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Signer,
    SigningKeyError,
    signing_message,
    verify,
)
from tests.conftest import rsa_private_key_pem

KEY_ID = "5f0e8c52-8d6f-4b2e-9a51-3d2b8c1e7a90"


@pytest.fixture
def pem() -> str:
    return rsa_private_key_pem(0)


def sdk_side_check(public_key, timestamp: str, method: str, path: str, signature_b64: str) -> bool:
    """The public-key check matching the SDK's signing parameters (auth.py: PSS, MGF1-SHA256,
    salt = digest length, message = timestamp + METHOD.upper() + path)."""
    try:
        public_key.verify(
            base64.b64decode(signature_b64),
            (timestamp + method.upper() + path).encode("utf-8"),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
            hashes.SHA256(),
        )
    except Exception:
        return False
    return True


def test_the_message_is_timestamp_method_and_path_without_query():
    assert signing_message(1703123456789, "get", "/trade-api/v2/portfolio/orders?limit=5") == (
        b"1703123456789GET/trade-api/v2/portfolio/orders"
    )


def test_the_sdk_signature_verifies_with_our_check(pem):
    sdk = KalshiAuth(KEY_ID, pem)
    ours = Signer.from_pem(KEY_ID, pem)
    for method, url in [
        ("GET", "/trade-api/v2/portfolio/balance"),
        ("POST", "/trade-api/v2/portfolio/events/orders"),
        ("DELETE", "/trade-api/v2/portfolio/events/orders/abc-123"),
        ("GET", "/trade-api/ws/v2"),
    ]:
        headers = sdk.create_auth_headers(method, url)
        assert headers[KEY_HEADER] == KEY_ID
        assert verify(ours.public_key(), headers[TIMESTAMP_HEADER], method, url, headers[SIGNATURE_HEADER])
        # And a different path, method or time does not verify.
        assert not verify(
            ours.public_key(), headers[TIMESTAMP_HEADER], method, url + "x", headers[SIGNATURE_HEADER]
        )
        assert not verify(ours.public_key(), headers[TIMESTAMP_HEADER], "PUT", url, headers[SIGNATURE_HEADER])
        assert not verify(ours.public_key(), "1", method, url, headers[SIGNATURE_HEADER])


def test_our_signature_verifies_with_the_sdk_side_check(pem):
    sdk = KalshiAuth(KEY_ID, pem)
    ours = Signer.from_pem(KEY_ID, pem, clock=lambda: 1_703_123_456.789)
    headers = ours.headers("POST", "/trade-api/v2/portfolio/events/orders")
    assert headers[TIMESTAMP_HEADER] == "1703123456789"
    assert sdk_side_check(
        sdk.private_key.public_key(),
        headers[TIMESTAMP_HEADER],
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        headers[SIGNATURE_HEADER],
    )
    # The query string is never signed: a signature for the path with a query verifies for the bare path.
    signature = ours.sign("1703123456789", "get", "/trade-api/v2/markets?limit=5&cursor=abc")
    assert sdk_side_check(
        sdk.private_key.public_key(), "1703123456789", "GET", "/trade-api/v2/markets", signature
    )


def test_a_signature_with_another_salt_length_is_refused_like_kalshi_does(pem):
    ours = Signer.from_pem(KEY_ID, pem)
    key = KalshiAuth(KEY_ID, pem).private_key
    wrong = key.sign(
        signing_message("1", "GET", "/trade-api/v2/markets"),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
        hashes.SHA256(),
    )
    assert not verify(
        ours.public_key(), "1", "GET", "/trade-api/v2/markets", base64.b64encode(wrong).decode()
    )
    assert not verify(ours.public_key(), "1", "GET", "/trade-api/v2/markets", "not base64!")


def test_the_signer_never_shows_or_serializes_the_key(pem):
    signer = Signer.from_pem(KEY_ID, pem)
    body = pem.strip().splitlines()[1]
    for text in (repr(signer), str(signer), f"{signer}", f"{signer!r}"):
        assert body not in text
        assert KEY_ID in text
    with pytest.raises(TypeError):
        pickle.dumps(signer)
    assert copy.deepcopy(signer) is signer
    assert copy.copy(signer) is signer
    assert not hasattr(signer, "__dict__")


def test_an_unreadable_or_non_rsa_key_is_refused_without_echoing_it():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(SigningKeyError) as info:
        Signer.from_pem(KEY_ID, "-----BEGIN PRIVATE KEY-----\nsecretsecret\n-----END PRIVATE KEY-----")
    assert "secretsecret" not in str(info.value)
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SigningKeyError):
        Signer.from_pem(KEY_ID, ec_pem)


def test_a_signer_is_built_from_the_django_side_key_material(pem):
    from accounts.crypto import PrivateKeyMaterial

    signer = Signer.from_material(PrivateKeyMaterial(key_id=KEY_ID, pem=pem.encode()))
    headers = signer.headers("GET", "/trade-api/v2/portfolio/balance")
    assert verify(
        signer.public_key(),
        headers[TIMESTAMP_HEADER],
        "GET",
        "/trade-api/v2/portfolio/balance",
        headers[SIGNATURE_HEADER],
    )
