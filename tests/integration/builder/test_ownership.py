"""Every bot endpoint is scoped to its owner: bob gets 404 on alice's bots and versions."""

from __future__ import annotations

import pytest

from builder.models import Bot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        ("patch", "", {"name": "mine"}),
        ("delete", "", None),
        ("post", "duplicate/", None),
        ("put", "draft/", {"graph": {"schema": 1, "nodes": [], "edges": []}, "revision": 1}),
        ("post", "validate/", {}),
        ("post", "publish/", {}),
        ("get", "versions/", None),
        ("get", "versions/1/", None),
        ("get", "versions/1/diff/1/", None),
        ("get", "export/", None),
    ],
)
def test_bob_gets_404_on_alices_bot(bob_client, alices_published_bot, method, path, body):
    url = f"/api/v1/bots/{alices_published_bot.pk}/{path}"
    response = (
        getattr(bob_client, method)(url, body, format="json")
        if body is not None
        else getattr(bob_client, method)(url)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    alices_published_bot.refresh_from_db()
    assert alices_published_bot.name == "Alice's bot"
    assert alices_published_bot.revision == 1
    assert alices_published_bot.versions.count() == 1


def test_bob_does_not_see_alices_bots(bob_client, alices_bot):
    assert bob_client.get("/api/v1/bots/").json() == []
    assert Bot.objects.filter(owner__email="bob@example.com").count() == 0
