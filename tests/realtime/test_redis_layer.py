"""The Redis channel layer as configured survives idle periods (DESIGN.md section 5).

redis-py 8's default socket_timeout of 5 s makes channels_redis's 5 s BZPOPMIN raise
TimeoutError on an idle consumer; the host-dict configuration must keep it alive.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

pytestmark = [pytest.mark.redis, pytest.mark.slow]


async def test_idle_receiver_on_real_redis_still_gets_messages_after_12_seconds(
    redis_channel_layers: dict[str, Any],
) -> None:
    hosts = redis_channel_layers["default"]["CONFIG"]["hosts"]
    assert hosts[0]["socket_timeout"] > 5
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add("idle-test", channel)
    receiver = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(12)  # idles past two BZPOPMIN timeouts
    assert not receiver.done(), "the idle receive crashed instead of waiting"
    await layer.group_send("idle-test", {"type": "user.notice", "text": "still here"})
    message = await asyncio.wait_for(receiver, timeout=5)
    assert message["text"] == "still here"
    await layer.group_discard("idle-test", channel)
    await layer.flush()
