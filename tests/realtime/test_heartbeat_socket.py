"""Every WebSocket goes through origin and auth checks, frame limits and a per-user cap."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from config.asgi import application
from realtime.consumers import CLOSE_BAD_FRAME, CLOSE_POLICY, CLOSE_TOO_BIG, CLOSE_TOO_MANY
from realtime.publish import publish_on_commit

pytestmark = [pytest.mark.django_db(transaction=True)]


async def _user(handle: str = "stille_sol") -> User:
    return await database_sync_to_async(User.objects.create_user)(
        username=handle, password="Korrekt-Hest-Batteri-42"
    )


def _socket(user: Any, origin: bytes = b"http://localhost") -> WebsocketCommunicator:
    """Through the real ASGI stack (origin validator + auth middleware), with the user injected."""
    communicator = WebsocketCommunicator(
        application, "/ws/heartbeat/", headers=[(b"origin", origin)]
    )
    communicator.scope["user"] = user
    return communicator


async def test_anonymous_socket_is_refused() -> None:
    communicator = _socket(AnonymousUser())
    connected, code = await communicator.connect()
    assert not connected
    assert code == CLOSE_POLICY
    await communicator.disconnect()


async def test_foreign_origin_is_refused() -> None:
    user = await _user()
    communicator = _socket(user, origin=b"https://evil.example")
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_authenticated_socket_answers_ping_and_gets_user_events() -> None:
    user = await _user()
    communicator = _socket(user)
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await database_sync_to_async(publish_on_commit)(
        f"user.{user.pk}", {"type": "user.notice", "text": "hej"}
    )
    assert (await communicator.receive_json_from(timeout=2))["text"] == "hej"
    await communicator.disconnect()


async def test_oversize_frame_closes_the_socket(settings: Any) -> None:
    user = await _user()
    communicator = _socket(user)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_to(
        text_data=json.dumps({"type": "ping", "pad": "x" * settings.WEBSOCKET_MAX_MESSAGE_BYTES})
    )
    output = await communicator.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_TOO_BIG}
    await communicator.disconnect()


async def test_malformed_frame_gets_an_error_then_close() -> None:
    user = await _user()
    communicator = _socket(user)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["error"] == "bad_frame"
    assert (await communicator.receive_output(timeout=2))["code"] == CLOSE_BAD_FRAME
    await communicator.disconnect()


async def test_unknown_frame_type_is_answered_not_fatal() -> None:
    user = await _user()
    communicator = _socket(user)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "post.create", "body": "writes go over HTTP"})
    assert (await communicator.receive_json_from())["error"] == "unknown_type"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_sockets_per_user_are_capped(settings: Any) -> None:
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    user = await _user()
    sockets = [_socket(user) for _ in range(3)]
    results = [await s.connect() for s in sockets]
    assert [r[0] for r in results] == [True, True, False]
    assert results[2][1] == CLOSE_TOO_MANY
    await sockets[0].disconnect()
    await asyncio.sleep(0)
    again = _socket(user)
    assert (await again.connect())[0]  # a freed slot can be used again
    for s in [sockets[1], sockets[2], again]:
        await s.disconnect()
