"""The builder API takes JSON values as typed (no "1" for 1, no 5 for "5") and names the field at
fault; query parameters are ASCII numbers; the import file is checked field by field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from builder.models import Bot

pytestmark = pytest.mark.django_db


def export_of(client: Any, bot: Bot) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(client.get(f"/api/v1/bots/{bot.pk}/export/").content)
    return document


# "²" and ARABIC-INDIC DIGIT ONE pass str.isdigit() (and int() takes the second).
@pytest.mark.parametrize(
    "version", ["²", "\u0661", "1.0", "-1", "0", " 1", "1 ", "", "x", "99999999999999999999"]
)
def test_export_refuses_a_version_that_is_not_an_ascii_number_naming_it(
    alice_client, alices_published_bot, version
):
    response = alice_client.get(f"/api/v1/bots/{alices_published_bot.pk}/export/", {"version": version})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["details"]) == ["version"]


def test_export_by_version_number_still_works_and_an_unknown_one_is_404(alice_client, alices_published_bot):
    url = f"/api/v1/bots/{alices_published_bot.pk}/export/"
    assert json.loads(alice_client.get(url, {"version": "1"}).content)["graph"] == alices_published_bot.draft
    assert alice_client.get(url, {"version": "2"}).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("format_version", True),
        ("format_version", 1.0),
        ("format_version", "1"),
        ("format_version", 2),
        ("format_version", None),
        ("format", 1),
        ("format", "kalshi-bot-builder/other"),
    ],
)
def test_import_refuses_a_file_that_is_not_a_version_1_export(alice_client, alices_bot, field, value):
    document = export_of(alice_client, alices_bot) | {field: value}
    response = alice_client.post("/api/v1/bots/import/", document, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_export"
    assert field in response.json()["details"]
    assert Bot.objects.count() == 1


@pytest.mark.parametrize("document", [[], "a bot", 1, None])
def test_import_refuses_a_body_that_is_not_an_object(alice_client, document):
    response = alice_client.post(
        "/api/v1/bots/import/", json.dumps(document), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_export"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": 5}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"name": ["a"]}, "name"),
        ({"description": 5}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"description": None}, "description"),
        ({"graph": "nope"}, "graph"),
    ],
)
def test_import_refuses_bad_fields_naming_them(alice_client, alices_bot, changes, field):
    document = export_of(alice_client, alices_bot) | changes
    response = alice_client.post("/api/v1/bots/import/", document, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["details"]
    assert Bot.objects.count() == 1


def test_import_without_a_name_is_refused_and_without_a_description_is_fine(alice_client, alices_bot):
    document = export_of(alice_client, alices_bot)
    del document["name"]
    response = alice_client.post("/api/v1/bots/import/", document, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["details"]
    document = export_of(alice_client, alices_bot)
    del document["description"]
    imported = alice_client.post("/api/v1/bots/import/", document, format="json")
    assert imported.status_code == 201
    assert imported.json()["description"] == ""


def test_an_invalid_imported_graph_lists_every_problem(alice_client, alices_bot):
    document = export_of(alice_client, alices_bot) | {"graph": {"schema": 1, "nodes": [], "edges": []}}
    response = alice_client.post("/api/v1/bots/import/", document, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_graph"
    assert {e["code"] for e in response.json()["details"]["errors"]} >= {"no_trigger", "no_action"}


@pytest.mark.parametrize("revision", ["1", 1.0, True, None, [1], 2**31])
def test_a_draft_save_needs_the_revision_as_an_integer(alice_client, alices_bot, valid_graph, revision):
    response = alice_client.put(
        f"/api/v1/bots/{alices_bot.pk}/draft/", {"graph": valid_graph, "revision": revision}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["details"]) == ["revision"]
    alices_bot.refresh_from_db()
    assert alices_bot.revision == 1


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("post", "/api/v1/bots/", {"name": 5}, "name"),
        ("post", "/api/v1/bots/", {"name": True}, "name"),
        ("post", "/api/v1/bots/", {"name": "b", "description": 5}, "description"),
        ("patch", "/api/v1/bots/{id}/", {"name": 5}, "name"),
        ("patch", "/api/v1/bots/{id}/", {"description": 1.5}, "description"),
        ("post", "/api/v1/bots/{id}/publish/", {"notes": 5}, "notes"),
    ],
)
def test_text_fields_must_be_strings(alice_client, alices_bot, method, path, payload, field):
    response = getattr(alice_client, method)(path.format(id=alices_bot.pk), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["details"]) == [field]
    alices_bot.refresh_from_db()
    assert alices_bot.name == "Alice's bot"
    assert not alices_bot.versions.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"format": "kalshi-bot-builder/bot", "format_version": 1, "name": "a\\u0000b", "graph": {}}',
        '{"format": "kalshi-bot-builder/bot", "format_version": 1, "name": "\\ud800", "graph": {}}',
        '{"format": "kalshi-bot-builder/bot", "format_version": 1, "name": "deep", "graph": '
        + "[" * 500
        + "]" * 500
        + "}",
    ],
)
def test_import_reads_its_file_through_the_hardened_json_parser(alice_client, body):
    # request.data, so core's parser refuses what PostgreSQL cannot store and deep nesting.
    response = alice_client.generic("POST", "/api/v1/bots/import/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Bot.objects.exists()
