"""The community socket: who gets which frames, and that no unscreened text is ever pushed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from community import services
from community.models import Post
from config.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "HEMMELIG-TEKST-DER-IKKE-ER-TJEKKET"


async def _connect(user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
        "/ws/community/",
    )
    if user is not None:
        communicator.scope["user"] = user
    return communicator


async def _frames(communicator: WebsocketCommunicator, quiet_for: float = 0.3) -> list[dict]:
    frames = []
    while not await communicator.receive_nothing(timeout=quiet_for):
        frames.append(json.loads(await communicator.receive_from()))
    return frames


async def _open(user: Any) -> tuple[WebsocketCommunicator, dict]:
    communicator = await _connect(user)
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    await _frames(communicator, quiet_for=0.1)  # presence frames of this and earlier sockets
    return communicator, hello


async def test_anonymous_is_refused():
    from django.contrib.auth.models import AnonymousUser

    communicator = await _connect(AnonymousUser())
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403


@pytest.mark.parametrize(
    ("_case", "expected"),
    [
        ("member", {"cafe", "topic"}),
        ("peer", {"cafe", "topic"}),
        ("clinician", {"cafe", "topic"}),
        ("other_band", {"young_cafe"}),
        ("outsider_clinician", set()),
    ],
)
async def test_socket_joins_only_readable_spaces(world, _case, expected):
    communicator, hello = await _open(getattr(world, _case))
    names = {
        name
        for name in ("cafe", "topic", "young_cafe")
        if getattr(world, name).pk in hello["spaces"]
    }
    assert names == expected
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("_case", "receives"),
    [
        ("member", True),
        ("peer", True),
        ("clinician", True),
        ("other_band", False),
        ("outsider_clinician", False),
    ],
)
async def test_published_frame_reaches_only_readers(world, _case, receives):
    communicator, _ = await _open(getattr(world, _case))
    post = await database_sync_to_async(services.post_create)(
        author=world.member2, space=world.cafe, body="Hej fra caféen"
    )
    await database_sync_to_async(services.post_publish)(post=post)
    frames = [f for f in await _frames(communicator) if f["type"] != "presence"]
    if receives:
        assert [f["type"] for f in frames] == ["post.published"]
        assert frames[0]["space"] == world.cafe.pk
        assert frames[0]["seq"] == 1
        assert frames[0]["data"]["body_html"] == "<p>Hej fra caféen</p>"
    else:
        assert frames == []
    await communicator.disconnect()


async def test_no_unscreened_or_held_text_in_any_frame(world, make_post):
    peer_socket, _ = await _open(world.member2)
    author_socket, _ = await _open(world.member)
    moderator_socket, _ = await _open(world.peer)
    create = database_sync_to_async(make_post)
    pending = await create(world.member, world.cafe, SECRET + " pending", publish=False)
    held = await create(world.member, world.topic, SECRET + " held", publish=False)
    await database_sync_to_async(services.post_hold)(post=held)
    published = await database_sync_to_async(make_post)(world.member, world.cafe, body="synlig")
    await database_sync_to_async(services.post_edit)(
        post=published, editor=world.member, body=SECRET + " edit"
    )
    await database_sync_to_async(make_post)(world.member2, world.cafe, body="anden synlig")
    for communicator in (peer_socket, author_socket, moderator_socket):
        raw = json.dumps(await _frames(communicator))
        assert SECRET not in raw
        assert "score" not in raw
    assert pending.status == Post.Status.PENDING
    for communicator in (peer_socket, author_socket, moderator_socket):
        await communicator.disconnect()


async def test_author_gets_held_notice_without_text_or_score(world):
    author_socket, _ = await _open(world.member)
    other_socket, _ = await _open(world.member2)
    post = await database_sync_to_async(services.post_create)(
        author=world.member, space=world.cafe, body=SECRET
    )
    await database_sync_to_async(services.post_hold)(post=post)
    author_frames = [f for f in await _frames(author_socket) if f["type"] != "presence"]
    assert author_frames == [
        {"type": "post.held", "space": world.cafe.pk, "seq": None, "data": {"id": post.pk}}
    ]
    assert [f for f in await _frames(other_socket) if f["type"] != "presence"] == []
    await author_socket.disconnect()
    await other_socket.disconnect()


async def test_presence_counts_are_ephemeral_frames(world):
    first, _ = await _open(world.member)
    second = await _connect(world.member2)
    await second.connect()
    await second.receive_json_from()  # hello
    frames = await _frames(first)
    cafe = [f for f in frames if f["type"] == "presence" and f["space"] == world.cafe.pk]
    assert cafe
    assert cafe[-1]["count"] == 2
    assert "seq" not in cafe[-1]
    await second.disconnect()
    frames = await _frames(first)
    cafe = [f for f in frames if f["type"] == "presence" and f["space"] == world.cafe.pk]
    assert cafe[-1]["count"] == 1
    await first.disconnect()


async def test_client_cannot_write_over_the_socket(world):
    communicator, _ = await _open(world.member)
    await communicator.send_json_to({"type": "post.create", "body": "via socket"})
    reply = await communicator.receive_json_from()
    assert reply == {"type": "error", "error": "unknown_type"}
    assert not await database_sync_to_async(Post.objects.exists)()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_oversized_client_frame_closes_the_socket(world, settings):
    communicator, _ = await _open(world.member)
    await communicator.send_to(text_data="x" * (settings.WEBSOCKET_MAX_MESSAGE_BYTES + 1))
    output = await communicator.receive_output()
    assert output == {"type": "websocket.close", "code": 1009}


async def test_sockets_per_user_are_capped(world, settings):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    first, _ = await _open(world.member)
    second, _ = await _open(world.member)
    third = await _connect(world.member)
    connected, code = await third.connect()
    assert not connected
    assert code == 4429
    await first.disconnect()
    await second.disconnect()


async def test_other_apps_messages_on_the_user_group_do_not_close_the_socket(world):
    from channels.layers import get_channel_layer

    communicator, _ = await _open(world.member)
    layer = get_channel_layer()
    assert layer is not None
    group = f"user.{world.member.pk}"
    await layer.group_send(group, {"type": "user.notice", "kind": "moderation.message"})
    await layer.group_send(group, {"type": "reflection.crisis_support", "reflection_id": 1})
    assert await _frames(communicator) == []
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_a_burst_of_joins_sends_one_presence_frame_per_space(world, settings):
    """Five sockets joining within one window reach the first socket as one frame, not five."""
    settings.PRESENCE_COALESCE_SECONDS = 1.0
    first, _ = await _open(world.member)
    await asyncio.sleep(1.1)  # the first socket's own window closes
    await _frames(first, quiet_for=0.1)
    joiners = []
    for _ in range(5):
        joiner = await _connect(world.member2)
        await joiner.connect()
        await joiner.receive_json_from()  # hello
        joiners.append(joiner)
    frames = await _frames(first, quiet_for=1.5)
    cafe = [f for f in frames if f["type"] == "presence" and f["space"] == world.cafe.pk]
    assert len(cafe) == 1
    assert cafe[0]["count"] == 6
    for joiner in joiners:
        await joiner.disconnect()
    frames = await _frames(first, quiet_for=1.5)
    cafe = [f for f in frames if f["type"] == "presence" and f["space"] == world.cafe.pk]
    assert [f["count"] for f in cafe] == [1]
    await first.disconnect()
