from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_api_paths_are_json_404(alice_client):
    response = alice_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_wrong_methods_are_json_405(alice_client):
    response = alice_client.put("/api/v1/auth/me/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {
        "message": 'Method "PUT" not allowed.',
        "code": "method_not_allowed",
        "details": {},
    }


def test_non_json_bodies_are_415(alice_client):
    response = alice_client.generic("POST", "/api/v1/auth/tokens/", "name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_the_openapi_schema_and_docs_are_served(anon_client):
    schema = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/auth/login/", "/api/v1/credentials/", "/api/v1/credentials/{credential_id}/"):
        assert path in paths
    assert "tokenAuth" in schema.json()["components"]["securitySchemes"]
    docs = anon_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_the_editor_is_served_at_the_root(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<div id="root"></div>' in response.content
    assert "csrftoken" in response.cookies


def test_the_openapi_schema_resolves_every_endpoint_without_warnings():
    # drf-spectacular's warnings are also `check --deploy` warnings (issue 3 wants none).
    with tempfile.NamedTemporaryFile(suffix=".yaml") as out:
        call_command("spectacular", "--fail-on-warn", "--validate", "--file", out.name)
        assert b"/api/v1/bots/import/" in Path(out.name).read_bytes()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_to_unknown_api_paths_are_json_404_not_a_csrf_page(method):
    # A browser session enforces CSRF; a missing trailing slash falls through to the JSON 404.
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, "/api/v1/auth/login", '{"email": "a@example.com"}', "application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "message": "No API endpoint at /api/v1/auth/login.",
        "code": "not_found",
        "details": {},
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/docs/"), ("POST", "/api/docs/"), ("DELETE", "/api/schema/"), ("POST", "/api/schema/")],
)
def test_wrong_methods_on_the_schema_and_docs_are_json_405(alice_client, method, path):
    response = alice_client.generic(method, path)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "message": f'Method "{method}" not allowed.',
        "code": "method_not_allowed",
        "details": {},
    }


def test_an_unacceptable_accept_header_on_the_schema_is_a_json_406(anon_client):
    response = anon_client.get("/api/schema/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
