"""SignatureVerifier on odd header values: always a 401 with Kalshi's codes (API.md §2, §5), never a crash."""

from __future__ import annotations

import asyncio
import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.server.auth import SignatureVerifier
from sandbox.server.http import ApiError

KEY_ID = "5f2b8f3e-0000-4000-8000-000000000001"
NOW_MS = 1_767_225_600_000
PATH = "/trade-api/v2/portfolio/balance"
_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PUBLIC_PEM = (
    _PRIVATE.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


async def _lookup(key_id: str) -> tuple[str, str] | None:
    return ("alice", _PUBLIC_PEM) if key_id == KEY_ID else None


def _verifier() -> SignatureVerifier:
    return SignatureVerifier(_lookup, clock=lambda: NOW_MS / 1000)


def _sign(timestamp: str) -> str:
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    return base64.b64encode(_PRIVATE.sign(f"{timestamp}GET{PATH}".encode(), pss, hashes.SHA256())).decode()


def _error(key_id: str | None, timestamp: str | None, signature: str | None) -> tuple[int, str, str]:
    with pytest.raises(ApiError) as caught:
        asyncio.run(_verifier().verify("GET", PATH, key_id, timestamp, signature))
    return caught.value.status, caught.value.code, caught.value.details


def test_a_good_signature_is_accepted():
    principal = asyncio.run(_verifier().verify("GET", PATH, KEY_ID, str(NOW_MS), _sign(str(NOW_MS))))
    assert principal.account_id == "alice"


@pytest.mark.parametrize(
    "timestamp", ["²²²", "١٧٦٧٢٢٥٦٠٠٠٠٠", "1767225600000²", "+1767225600000", " 1", "1e12"]
)
def test_a_timestamp_that_is_not_ascii_digits_is_an_authentication_error(timestamp):
    assert _error(KEY_ID, timestamp, _sign(timestamp)) == (401, "authentication_error", "INVALID_TIMESTAMP")


header_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="latin-1"), min_size=1, max_size=4_000),
    st.sampled_from([KEY_ID, KEY_ID.upper(), "not-a-uuid", "²²²", str(NOW_MS), "=" * 8, "A" * 100_000]),
)


@settings(max_examples=300, deadline=None)
@given(
    key_id=header_values, timestamp=header_values | st.integers(0, 10**20).map(str), signature=header_values
)
def test_arbitrary_headers_get_one_of_kalshis_401s(key_id, timestamp, signature):
    status, code, _ = _error(key_id, timestamp, signature)
    assert status == 401
    assert code in {"authentication_error", "header_timestamp_expired", "NOT_FOUND"}
