from __future__ import annotations

import json
from typing import Any

import pytest

from builder.graph.schema import MAX_BYTES as MAX_GRAPH_BYTES
from builder.graph.schema import content_hash
from builder.models import Bot, BotVersion

pytestmark = pytest.mark.django_db


def test_it_creates_a_bot_with_an_empty_draft(alice_client):
    response = alice_client.post("/api/v1/bots/", {"name": "My first bot"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "My first bot"
    assert body["revision"] == 1
    assert body["latest_version"] is None
    assert body["draft"] == {"schema": 1, "nodes": [], "edges": []}


def test_it_creates_a_bot_with_a_graph(alice_client, valid_graph):
    response = alice_client.post("/api/v1/bots/", {"name": "b", "graph": valid_graph}, format="json")
    assert response.status_code == 201
    assert response.json()["draft"] == valid_graph


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "b", "graph": [1]}, "graph"),
    ],
)
def test_it_rejects_bad_bot_input_naming_the_field(alice_client, payload, field):
    response = alice_client.post("/api/v1/bots/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_it_lists_renames_and_deletes(alice_client, alices_bot):
    assert [b["name"] for b in alice_client.get("/api/v1/bots/").json()] == ["Alice's bot"]
    renamed = alice_client.patch(f"/api/v1/bots/{alices_bot.pk}/", {"name": "Renamed"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"
    assert alice_client.delete(f"/api/v1/bots/{alices_bot.pk}/").status_code == 204
    assert not Bot.objects.exists()


def test_it_duplicates_a_bot(alice_client, alices_bot):
    response = alice_client.post(f"/api/v1/bots/{alices_bot.pk}/duplicate/")
    assert response.status_code == 201
    copy = response.json()
    assert copy["name"] == "Copy of Alice's bot"
    assert copy["draft"] == alices_bot.draft
    assert copy["id"] != alices_bot.pk


def test_draft_saves_bump_the_revision_and_stale_saves_get_409(alice_client, alices_bot, valid_graph):
    url = f"/api/v1/bots/{alices_bot.pk}/draft/"
    first = alice_client.put(url, {"graph": valid_graph, "revision": 1}, format="json")
    assert first.status_code == 200
    assert first.json() == {"revision": 2}
    stale = alice_client.put(
        url, {"graph": {"schema": 1, "nodes": [], "edges": []}, "revision": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_revision"
    assert stale.json()["details"] == {"current_revision": 2}
    alices_bot.refresh_from_db()
    assert alices_bot.draft == valid_graph


def test_an_oversized_draft_is_413(alice_client, alices_bot):
    huge = {"schema": 1, "nodes": [], "edges": [], "padding": "x" * (MAX_GRAPH_BYTES + 10)}
    response = alice_client.put(
        f"/api/v1/bots/{alices_bot.pk}/draft/", {"graph": huge, "revision": 1}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "graph_too_large"


def test_a_graph_just_over_the_limit_inside_a_small_body_is_413(alice_client, alices_bot):
    graph = {"schema": 1, "nodes": [], "edges": [], "padding": "x" * (MAX_GRAPH_BYTES - 30)}
    response = alice_client.put(
        f"/api/v1/bots/{alices_bot.pk}/draft/", {"graph": graph, "revision": 1}, format="json"
    )
    assert response.status_code == 413


def test_validate_lists_every_problem(alice_client, alices_bot, invalid_graph):
    ok = alice_client.post(f"/api/v1/bots/{alices_bot.pk}/validate/", {}, format="json")
    assert ok.json() == {"valid": True, "errors": []}
    bad = alice_client.post(
        f"/api/v1/bots/{alices_bot.pk}/validate/", {"graph": invalid_graph}, format="json"
    )
    body = bad.json()
    assert body["valid"] is False
    codes = {e["code"] for e in body["errors"]}
    assert len(codes) >= 2  # no trigger and no action, at least
    assert all({"node_id", "port", "code", "message"} <= set(e) for e in body["errors"])


def test_publishing_creates_numbered_immutable_versions(alice_client, alice, alices_bot):
    first = alice_client.post(f"/api/v1/bots/{alices_bot.pk}/publish/", {"notes": "v1"}, format="json")
    assert first.status_code == 201
    assert first.json()["number"] == 1
    assert first.json()["graph"] == alices_bot.draft
    assert len(first.json()["content_hash"]) == 64
    second = alice_client.post(f"/api/v1/bots/{alices_bot.pk}/publish/", {}, format="json")
    assert second.json()["number"] == 2
    assert second.json()["content_hash"] == first.json()["content_hash"]
    listed = alice_client.get(f"/api/v1/bots/{alices_bot.pk}/versions/").json()
    assert [v["number"] for v in listed] == [2, 1]
    assert listed[1]["created_by"] == alice.email
    assert alice_client.get(f"/api/v1/bots/{alices_bot.pk}/").json()["latest_version"] == 2
    assert alice_client.get(f"/api/v1/bots/{alices_bot.pk}/versions/1/").json()["notes"] == "v1"


def test_publishing_an_invalid_draft_is_400_with_the_error_list(alice_client, alice, invalid_graph):
    bot = alice_client.post("/api/v1/bots/", {"name": "b", "graph": invalid_graph}, format="json").json()
    response = alice_client.post(f"/api/v1/bots/{bot['id']}/publish/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_graph"
    assert response.json()["details"]["errors"]
    assert not BotVersion.objects.exists()


def test_a_version_is_unaffected_by_later_draft_saves(alice_client, alices_published_bot):
    bot_id = alices_published_bot.pk
    graph_v1 = alice_client.get(f"/api/v1/bots/{bot_id}/versions/1/").json()["graph"]
    alice_client.put(
        f"/api/v1/bots/{bot_id}/draft/",
        {"graph": {"schema": 1, "nodes": [], "edges": []}, "revision": 1},
        format="json",
    )
    assert alice_client.get(f"/api/v1/bots/{bot_id}/versions/1/").json()["graph"] == graph_v1


def test_diff_reports_added_removed_and_changed_nodes_and_edges(alice_client, alice, alices_published_bot):
    bot_id = alices_published_bot.pk
    graph = json.loads(json.dumps(alices_published_bot.draft))
    removed = graph["nodes"].pop()
    graph["edges"] = [e for e in graph["edges"] if removed["id"] not in (e["source"], e["target"])]
    changed = graph["nodes"][0]
    changed["params"] = dict(changed.get("params") or {}) | {"__probe": 1}
    changed_id = changed["id"]
    # Versions are only made by publishing valid drafts; the probe param is not valid, so this
    # test writes version 2 directly: the diff is what is under test.
    BotVersion.objects.create(
        bot=alices_published_bot, number=2, graph=graph, content_hash=content_hash(graph), created_by=alice
    )
    diff = alice_client.get(f"/api/v1/bots/{bot_id}/versions/1/diff/2/").json()
    assert diff["from_version"] == 1
    assert diff["to_version"] == 2
    assert [n["id"] for n in diff["nodes_removed"]] == [removed["id"]]
    assert diff["nodes_added"] == []
    assert [n["id"] for n in diff["nodes_changed"]] == [changed_id]
    assert diff["nodes_changed"][0]["params"]["__probe"] == {"before": None, "after": 1}
    assert diff["edges_added"] == []
    assert len(diff["edges_removed"]) >= 1
    assert alice_client.get(f"/api/v1/bots/{bot_id}/versions/1/diff/9/").status_code == 404


def test_export_then_import_round_trips(alice_client, alices_published_bot):
    bot_id = alices_published_bot.pk
    exported = alice_client.get(f"/api/v1/bots/{bot_id}/export/")
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="alices-bot.kbot.json"'
    document = json.loads(exported.content)
    assert document["graph"] == alices_published_bot.draft
    imported = alice_client.post("/api/v1/bots/import/", document, format="json")
    assert imported.status_code == 201
    assert imported.json()["draft"] == alices_published_bot.draft
    assert imported.json()["name"] == "Alice's bot"
    by_version = alice_client.get(f"/api/v1/bots/{bot_id}/export/?version=1")
    assert json.loads(by_version.content)["graph"] == alices_published_bot.draft
    assert alice_client.get(f"/api/v1/bots/{bot_id}/export/?version=x").status_code == 400


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d | {"format": "something-else"}, "invalid_export"),
        (lambda d: d | {"format_version": 99}, "invalid_export"),
        (lambda d: d | {"name": ""}, "invalid"),
        (lambda d: d | {"graph": {"schema": 1, "nodes": [], "edges": []}}, "invalid_graph"),
        (lambda d: d | {"graph": "nope"}, "invalid"),
    ],
)
def test_import_rejects_bad_documents_with_reasons(alice_client, alices_bot, mutate, code):
    document = json.loads(alice_client.get(f"/api/v1/bots/{alices_bot.pk}/export/").content)
    response = alice_client.post("/api/v1/bots/import/", mutate(document), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_an_oversized_import_is_413(alice_client):
    body = json.dumps({"format": "kalshi-bot-builder/bot", "padding": "x" * (MAX_GRAPH_BYTES + 10_000)})
    response = alice_client.generic("POST", "/api/v1/bots/import/", body, content_type="application/json")
    assert response.status_code == 413


def test_templates_are_listed_and_instantiated(alice_client):
    templates = alice_client.get("/api/v1/templates/").json()
    assert len(templates) >= 8
    slug = templates[0]["slug"]
    response = alice_client.post(f"/api/v1/templates/{slug}/instantiate/")
    assert response.status_code == 201
    assert response.json()["draft"] == templates[0]["graph"]
    assert alice_client.post("/api/v1/templates/no-such-template/instantiate/").status_code == 404


def test_the_catalog_describes_node_types(alice_client):
    response = alice_client.get("/api/v1/catalog/")
    assert response.status_code == 200
    node_types = response.json()["nodes"]
    assert len(node_types) >= 40
    for spec in node_types:
        assert {"type", "version", "title", "category", "help", "inputs", "outputs", "params"} <= set(spec)
        assert spec["params"]["type"] == "object"


def test_the_catalog_is_in_the_openapi_schema(anon_client):
    schema = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/catalog/" in schema["paths"]
    catalog = schema["paths"]["/api/v1/catalog/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert catalog == {"$ref": "#/components/schemas/CatalogOutput"}
    node = schema["components"]["schemas"]["NodeTypeOutput"]
    assert {"type", "version", "inputs", "outputs", "params", "market_dependent"} <= set(node["properties"])


def test_every_builder_endpoint_requires_authentication(anon_client, alices_bot):
    for method, url in [
        ("get", "/api/v1/catalog/"),
        ("get", "/api/v1/templates/"),
        ("get", "/api/v1/bots/"),
        ("get", f"/api/v1/bots/{alices_bot.pk}/"),
        ("post", "/api/v1/bots/import/"),
    ]:
        assert getattr(anon_client, method)(url).status_code == 401


def test_the_openapi_schema_documents_publish_and_import_errors(anon_client):
    schema = anon_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    def body(path: str, status: str) -> dict[str, Any]:
        responses = schema["paths"][path]["post"]["responses"]
        assert responses[status]["description"]
        ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        found: dict[str, Any] = components[ref.rsplit("/", 1)[1]]
        return found

    publish_400 = body("/api/v1/bots/{bot_id}/publish/", "400")
    assert set(publish_400["properties"]) == {"message", "code", "details"}
    details = components[publish_400["properties"]["details"]["$ref"].rsplit("/", 1)[1]]
    problems = details["properties"]["errors"]
    assert problems["type"] == "array"
    assert problems["items"] == {"$ref": "#/components/schemas/GraphProblemOutput"}
    for status in ("400", "413"):
        assert set(body("/api/v1/bots/import/", status)["properties"]) == {"message", "code", "details"}
    export = schema["paths"]["/api/v1/bots/{bot_id}/export/"]["get"]
    [version] = [p for p in export["parameters"] if p["name"] == "version"]
    assert version["in"] == "query"
    assert version["schema"]["type"] == "integer"
    assert "400" in export["responses"]
