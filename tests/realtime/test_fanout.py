"""The process-local fan-out writes each frame to every local member once, and nothing else."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import InMemoryChannelLayer

from realtime.fanout import fanout_for

FORWARDED = frozenset({"community.event"})


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


async def test_a_group_frame_reaches_every_member_once_and_stops_after_leave() -> None:
    layer = InMemoryChannelLayer()
    hub = fanout_for(layer)
    first, second = FakeSocket(), FakeSocket()
    await hub.join("space.1", channel_name="a", send=first.send, forwarded=FORWARDED)
    await hub.join("space.1", channel_name="b", send=second.send, forwarded=FORWARDED)

    await layer.group_send("space.1", {"type": "community.event", "text": '{"seq":1}'})
    await _settle()

    assert first.sent == [{"type": "websocket.send", "text": '{"seq":1}'}]
    assert second.sent == first.sent

    await hub.leave("space.1", channel_name="a")
    await layer.group_send("space.1", {"type": "community.event", "text": '{"seq":2}'})
    await _settle()
    assert len(first.sent) == 1
    assert [m["text"] for m in second.sent] == ['{"seq":1}', '{"seq":2}']

    await hub.leave("space.1", channel_name="b")
    assert hub.groups == {}
    assert not layer.groups.get("space.1")


async def test_a_message_that_is_not_a_frame_goes_to_the_members_own_channel() -> None:
    layer = InMemoryChannelLayer()
    hub = fanout_for(layer)
    socket = FakeSocket()
    own_channel = await layer.new_channel()
    await hub.join("space.2", channel_name=own_channel, send=socket.send, forwarded=FORWARDED)

    await layer.group_send("space.2", {"type": "user.notice", "text": "hello"})
    message = await asyncio.wait_for(layer.receive(own_channel), timeout=2)

    assert message == {"type": "user.notice", "text": "hello"}
    assert socket.sent == []
    await hub.leave("space.2", channel_name=own_channel)


class SlowToCancelLayer(InMemoryChannelLayer):
    """A layer whose receive tidies up for a moment when cancelled, as channels_redis does."""

    async def receive(self, channel: str) -> dict[str, Any]:
        try:
            return await super().receive(channel)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)
            raise


async def test_a_leaving_socket_that_is_cancelled_stays_cancelled() -> None:
    """A server that gives up on a slow disconnect cancels it; leave() must not swallow that.

    Swallowed, the consumer went back to waiting for input that never came, and the caller
    waited for it for ever (channels' WebsocketCommunicator on a slow CI host).
    """
    layer = SlowToCancelLayer()
    hub = fanout_for(layer)
    socket = FakeSocket()
    await hub.join("space.9", channel_name="a", send=socket.send, forwarded=FORWARDED)
    await _settle()

    leaving = asyncio.create_task(hub.leave("space.9", channel_name="a"))
    await asyncio.sleep(0.05)  # leave() is now waiting for the pump to finish its cancel
    leaving.cancel()
    await asyncio.wait([leaving], timeout=2)
    assert leaving.cancelled()
    assert hub.groups == {}
