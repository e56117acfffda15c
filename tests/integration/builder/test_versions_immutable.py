"""A published version is immutable in the model, not only in the admin; deleting a bot that a
PROTECT reference holds answers 409 `bot_in_use`."""

from __future__ import annotations

import pytest
from django.db import models

from builder.models import Bot, BotVersion
from builder.services import bot_delete, bot_publish
from core.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(alice, alices_bot) -> BotVersion:
    return bot_publish(user=alice, bot_id=alices_bot.pk, notes="first")


def test_saving_a_stored_version_is_refused(version):
    version.notes = "rewritten"
    version.graph = {"schema": 1, "nodes": [], "edges": []}
    with pytest.raises(ApplicationError) as raised:
        version.save()
    assert (raised.value.code, raised.value.status) == ("version_immutable", 409)
    with pytest.raises(ApplicationError):
        version.save(update_fields=["notes"])
    version.refresh_from_db()
    assert version.notes == "first"


def test_updating_versions_through_the_manager_is_refused(version):
    with pytest.raises(ApplicationError, match="cannot be changed"):
        BotVersion.objects.filter(pk=version.pk).update(notes="rewritten")
    with pytest.raises(ApplicationError):
        BotVersion.objects.all().update(graph={})
    version.notes = "rewritten"
    with pytest.raises(ApplicationError):
        BotVersion.objects.bulk_update([version], ["notes"])
    assert BotVersion.objects.get(pk=version.pk).notes == "first"


def test_new_versions_are_still_created_and_deleted_with_their_bot(alice, alices_bot, version):
    second = bot_publish(user=alice, bot_id=alices_bot.pk)
    assert second.number == 2
    bot_delete(user=alice, bot_id=alices_bot.pk)
    assert not BotVersion.objects.exists()


def test_deleting_a_user_still_forgets_who_published_a_version(alice, bob, alices_bot, version):
    # created_by is SET_NULL: the deletion collector updates through the base manager.
    theirs = BotVersion.objects.create(
        bot=alices_bot, number=2, graph=version.graph, content_hash=version.content_hash, created_by=bob
    )
    bob.delete()
    theirs.refresh_from_db()
    assert theirs.created_by is None


def test_deleting_a_bot_that_a_protect_reference_holds_is_409_bot_in_use(
    monkeypatch, alice, alice_client, alices_bot, version
):
    # Stand-in for the future run model (Run.version = ForeignKey(BotVersion, on_delete=PROTECT)):
    # make the bot -> version relation PROTECT, so Django's collector raises a real ProtectedError.
    monkeypatch.setattr(BotVersion._meta.get_field("bot").remote_field, "on_delete", models.PROTECT)
    with pytest.raises(ApplicationError) as raised:
        bot_delete(user=alice, bot_id=alices_bot.pk)
    assert (raised.value.code, raised.value.status) == ("bot_in_use", 409)
    response = alice_client.delete(f"/api/v1/bots/{alices_bot.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "bot_in_use"
    assert Bot.objects.filter(pk=alices_bot.pk).exists()
    assert BotVersion.objects.filter(pk=version.pk).exists()
