"""The community socket on a real Redis channel layer (CI runs this against a Redis service)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from community import services
from config.routing import websocket_urlpatterns
from config.settings import redis_channel_layer

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


async def _open(user):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
        "/ws/community/",
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _space_frames(communicator, quiet_for=0.5):
    frames = []
    while not await communicator.receive_nothing(timeout=quiet_for):
        frame = json.loads(await communicator.receive_from())
        if frame["type"] not in ("presence", "hello"):
            frames.append(frame)
    return frames


async def test_frames_flow_through_redis_after_an_idle_period(world, redis_url, make_post):
    with override_settings(CHANNEL_LAYERS={"default": redis_channel_layer(REDIS_URL)}):
        channel_layers.backends.clear()
        try:
            reader = await _open(world.member2)
            outsider = await _open(world.other_band)
            await _space_frames(reader)
            # idle longer than redis-py's old 5 s socket timeout (DESIGN.md section 5)
            await asyncio.sleep(6)
            post = await database_sync_to_async(make_post)(
                world.member, world.cafe, body="via redis"
            )
            await database_sync_to_async(services.reaction_toggle)(
                user=world.member2, post=post, kind="thanks"
            )
            frames = await _space_frames(reader, quiet_for=1.0)
            assert [f["type"] for f in frames] == ["post.published", "reaction.counted"]
            assert [f["seq"] for f in frames] == [1, 2]
            assert await _space_frames(outsider) == []
            await reader.disconnect()
            await outsider.disconnect()
        finally:
            channel_layers.backends.clear()
