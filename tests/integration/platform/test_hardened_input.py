"""Hostile JSON bodies are a 4xx JSON error on every API (core/api/parsers.py), never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings

from tests.conftest import rsa_private_key_pem

pytestmark = pytest.mark.django_db

EMPTY_GRAPH = '{"schema": 1, "nodes": [], "edges": []}'


def _post(client, path, body: str | bytes, **extra):
    return client.generic("POST", path, body, content_type="application/json", **extra)


def _credential_body(label: str = "main") -> str:
    return json.dumps(
        {"environment": "demo", "label": label, "key_id": "k-1", "private_key": rsa_private_key_pem()}
    )


def _assert_error(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"message", "code", "details"}
    assert body["code"] == code
    return body


# Where each body goes: an anonymous auth endpoint, a credential write and a builder write.
ENDPOINTS = ["/api/v1/auth/login/", "/api/v1/credentials/", "/api/v1/bots/"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_body_over_the_upload_limit_is_413(alice_client, path):
    body = json.dumps({"name": "x" * 20_000, "email": "a@example.com", "password": "x" * 12})
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        response = _post(alice_client, path, body)
    error = _assert_error(response, 413, "request_too_large")
    assert "too large" in error["message"]


def test_a_builder_body_under_its_own_limit_but_over_djangos_is_413(alice_client):
    # The builder view reads request.body, where Django raises RequestDataTooBig.
    graph = json.loads(EMPTY_GRAPH) | {"padding": "x" * 20_000}
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        response = _post(alice_client, "/api/v1/bots/", json.dumps({"name": "big", "graph": graph}))
    _assert_error(response, 413, "request_too_large")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_json_nested_a_thousand_deep_is_a_400_parse_error(alice_client, path):
    response = _post(alice_client, path, "[" * 1000 + "]" * 1000)
    error = _assert_error(response, 400, "parse_error")
    assert "nested deeper" in error["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/login/", r'{"email": "alice@example.com", "password": "long-enough-\ud800"}'),
        ("/api/v1/auth/login/", r'{"email": "alice@example.com", "password": "long-enough-\u0000"}'),
        ("/api/v1/auth/register/", r'{"email": "carol@example.com", "password": "a-long-pass\udfff-42"}'),
        ("/api/v1/credentials/", _credential_body(label="\ud800")),
        ("/api/v1/bots/", r'{"name": "n", "graph": {"schema": 1, "nodes": [], "edges": [], "x\u0000": 1}}'),
        ("/api/v1/bots/", r'{"name": "n", "graph": {"schema": 1, "nodes": [], "edges": [], "n": "\udc00"}}'),
        ("/api/v1/bots/", r'{"name": "n", "description": "\ud83d\ud83d\ude00"}'),
    ],
)
def test_nul_and_lone_surrogates_anywhere_are_a_400_saying_why(alice_client, alice, path, body):
    response = _post(alice_client, path, body)
    error = _assert_error(response, 400, "parse_error")
    assert "NUL" in error["message"] or "surrogate" in error["message"]
    assert error["details"]["path"].startswith("$")


def test_the_error_names_where_the_bad_string_is(alice_client):
    body = r'{"name": "n", "graph": {"schema": 1, "nodes": [{"id": "a", "params": {"label": "x\u0000"}}], "edges": []}}'
    error = _assert_error(_post(alice_client, "/api/v1/bots/", body), 400, "parse_error")
    assert error["details"] == {"path": "$.graph.nodes[0].params.label"}
    assert "NUL character" in error["message"]


def test_storable_escapes_still_pass(alice_client):
    # A valid surrogate pair (an emoji) and a literal backslash-u0000 text are fine.
    body = r'{"name": "bot \ud83d\ude00", "description": "a literal \\u0000 and \\ud800"}'
    response = _post(alice_client, "/api/v1/bots/", body)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "bot \U0001f600"
    assert response.json()["description"] == "a literal \\u0000 and \\ud800"


@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/v1/auth/register/"])
def test_a_non_numeric_content_length_is_a_400_not_a_500(alice_client, path):
    response = _post(alice_client, path, '{"name": "x"}', CONTENT_LENGTH="12abc")
    _assert_error(response, 400, "bad_request")
