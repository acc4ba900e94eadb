"""Process-local fan-out: one channel-layer receiver per group per process, not one per socket.

With plain Channels every socket in a group is its own channel-layer receiver: a group send to
250 sockets in one daphne process wakes 250 receive loops, each with its own tasks, locks and
dispatch, before the 250 writes (bench/README.md, "Realtime", measured that as most of the CPU
per delivery). Here a process joins each group once, with one channel of its own, and writes
every pre-serialised frame to its local sockets in one loop, as `websockets.broadcast()` does.

Only frames are fanned out: messages whose type is in the member's forwarded types and that
carry "text". Any other message is passed on to each member's own channel, so the consumer's
handler runs as before. Delivery stays at-most-once, like the channel layer itself: clients
detect gaps by seq and resync (DESIGN.md section 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Send = Callable[[Any], Awaitable[None]]  # an ASGI send
# Re-join every group this often: channels_redis drops members after `group_expiry` (a day).
REJOIN_SECONDS = 15 * 60


@dataclass
class _Member:
    send: Send
    channel_name: str
    forwarded: frozenset[str]


@dataclass
class _Group:
    name: str
    channel: str
    members: dict[str, _Member] = field(default_factory=dict)
    pump: asyncio.Task[None] | None = None


class Fanout:
    """The fan-out of one event loop and one channel layer (see `fanout_for`)."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.groups: dict[str, _Group] = {}
        self.lock = asyncio.Lock()
        self.rejoin: asyncio.Task[None] | None = None

    async def join(
        self, group: str, *, channel_name: str, send: Send, forwarded: frozenset[str]
    ) -> None:
        """Deliver `group`'s frames to `send` until `leave` (keyed by the consumer's channel)."""
        async with self.lock:
            entry = self.groups.get(group)
            if entry is None:
                entry = _Group(name=group, channel=await self.layer.new_channel())
                await self.layer.group_add(group, entry.channel)
                entry.pump = asyncio.create_task(self._pump(entry))
                self.groups[group] = entry
            entry.members[channel_name] = _Member(send, channel_name, forwarded)
            if self.rejoin is None or self.rejoin.done():
                self.rejoin = asyncio.create_task(self._rejoin_forever())

    async def leave(self, group: str, *, channel_name: str) -> None:
        async with self.lock:
            entry = self.groups.get(group)
            if entry is None:
                return
            entry.members.pop(channel_name, None)
            if entry.members:
                return
            del self.groups[group]
            try:
                await self.layer.group_discard(group, entry.channel)
            except Exception:  # the layer's group_expiry drops the stale member later
                logger.warning(
                    "realtime.fanout.discard_failed", extra={"group": group}, exc_info=True
                )
        if entry.pump is not None:
            entry.pump.cancel()
            # asyncio.wait, not `await pump` inside suppress(CancelledError): that also swallowed
            # a cancellation of the leaving consumer itself (a slow disconnect the server gives
            # up on), which then waited for input for ever (tests/realtime/test_fanout.py).
            await asyncio.wait([entry.pump])

    async def _pump(self, entry: _Group) -> None:
        """Receive the group's messages for as long as it has members; survive layer errors."""
        while True:
            try:
                message = await self.layer.receive(entry.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarting: wait and receive again; clients resync by seq
                logger.warning(
                    "realtime.fanout.receive_failed", extra={"group": entry.name}, exc_info=True
                )
                await asyncio.sleep(1)
                continue
            await self.deliver(entry, message)

    async def deliver(self, entry: _Group, message: dict[str, Any]) -> None:
        """Write one frame to every local member; hand anything else to each member's channel."""
        kind, text = message.get("type"), message.get("text")
        frame = {"type": "websocket.send", "text": text}
        for member in list(entry.members.values()):
            try:
                if kind in member.forwarded and isinstance(text, str):
                    await member.send(frame)
                else:
                    await self.layer.send(member.channel_name, message)
            except Exception:  # one broken socket must not stop the others
                logger.warning(
                    "realtime.fanout.send_failed", extra={"group": entry.name}, exc_info=True
                )

    async def _rejoin_forever(self) -> None:
        while self.groups:
            await asyncio.sleep(REJOIN_SECONDS)
            for entry in list(self.groups.values()):
                with contextlib.suppress(Exception):
                    await self.layer.group_add(entry.name, entry.channel)


_fanouts: dict[tuple[int, int], Fanout] = {}


def fanout_for(layer: Any) -> Fanout:
    """The process's fan-out for `layer` on the running event loop."""
    loop = asyncio.get_running_loop()
    for stale in [key for key, fanout in _fanouts.items() if fanout.loop.is_closed()]:
        del _fanouts[stale]  # a finished event loop (tests run one per test)
    key = (id(loop), id(layer))  # both stay referenced by the entry, so ids are not reused
    fanout = _fanouts.get(key)
    if fanout is None:
        fanout = _fanouts[key] = Fanout(layer)
    return fanout
