"""The community socket: push-only, one per user, joined to every space the user can read.

Clients write over HTTP. Handlers are thin: the frame was serialised once by the service that
appended the event, so a delivery is one `send` with no database access and no JSON encoding.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache

from community import permissions
from community.events import CHANNEL_EVENT_TYPE
from realtime import groups
from realtime.consumers import AuthenticatedJsonConsumer

logger = logging.getLogger(__name__)

_PRESENCE_TTL = 60 * 60 * 2


def _presence_key(space_id: int) -> str:
    return f"community:presence:{space_id}"


@database_sync_to_async
def _readable_space_ids(user: Any) -> list[int]:
    permissions.space_membership_sync(user=user)
    return list(permissions.readable_spaces(user).values_list("pk", flat=True))


@database_sync_to_async
def _presence_change(space_ids: list[int], delta: int) -> None:
    """Count a socket in or out of each space (the count lives in the shared cache)."""
    for space_id in space_ids:
        key = _presence_key(space_id)
        cache.add(key, 0, timeout=_PRESENCE_TTL)
        try:
            count = cache.incr(key, delta)
        except ValueError:
            cache.set(key, max(delta, 0), timeout=_PRESENCE_TTL)
            count = max(delta, 0)
        if count < 0:
            cache.set(key, 0, timeout=_PRESENCE_TTL)


@database_sync_to_async
def _presence_counts(space_ids: list[int]) -> dict[int, int]:
    stored = cache.get_many([_presence_key(space_id) for space_id in space_ids])
    return {space_id: max(int(stored.get(_presence_key(space_id), 0)), 0) for space_id in space_ids}


class _PresenceCoalescer:
    """At most one presence frame per space per window from this process.

    A burst of joins (a class logging in at once) would otherwise send one frame per join to
    every socket in the space. The frame carries the count read when the window closes, so the
    last figure is always the current one. State is per event loop: a loop that closes takes
    its pending windows with it.
    """

    def __init__(self) -> None:
        self._pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[int]] = (
            weakref.WeakKeyDictionary()
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def changed(self, channel_layer: Any, space_ids: list[int]) -> None:
        loop = asyncio.get_running_loop()
        pending = self._pending.setdefault(loop, set())
        due = [space_id for space_id in space_ids if space_id not in pending]
        if not due:
            return
        pending.update(due)
        task = loop.create_task(self._send_after_window(channel_layer, due, pending))
        self._tasks.add(task)  # a reference, so the task is not collected mid-window
        task.add_done_callback(self._tasks.discard)

    async def _send_after_window(
        self, channel_layer: Any, space_ids: list[int], pending: set[int]
    ) -> None:
        try:
            await asyncio.sleep(settings.PRESENCE_COALESCE_SECONDS)
        finally:
            pending.difference_update(space_ids)
        for space_id, count in (await _presence_counts(space_ids)).items():
            frame = {"type": "presence", "space": space_id, "count": count}
            await channel_layer.group_send(
                groups.space(space_id),
                {"type": "community.event", "text": json.dumps(frame, separators=(",", ":"))},
            )


_presence = _PresenceCoalescer()


class CommunityConsumer(AuthenticatedJsonConsumer):
    """`ws/community/`: space events, the user's own notices and presence counts."""

    space_ids: list[int]

    # Space frames are serialised once by the service; the base consumer sends them as they are.
    forwarded_event_types = AuthenticatedJsonConsumer.forwarded_event_types | {CHANNEL_EVENT_TYPE}

    async def groups_for_user(self, user: Any) -> list[str]:
        self.space_ids = await _readable_space_ids(user)
        return [groups.user(user.pk)]

    async def broadcast_groups_for_user(self, user: Any) -> list[str]:
        """Spaces reach this socket through the process's fan-out (realtime.fanout).

        One channel-layer receiver per space per process instead of one per socket: about a
        quarter of the CPU per delivery (bench/README.md, "Realtime").
        """
        return [groups.space(sid) for sid in self.space_ids]

    async def on_accepted(self, user: Any) -> None:
        await self.send_json({"type": "hello", "spaces": self.space_ids})
        await self._broadcast_presence(+1)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "space_ids", None) and self.counted:
            await self._broadcast_presence(-1)
        await super().disconnect(code)

    async def _broadcast_presence(self, delta: int) -> None:
        await _presence_change(self.space_ids, delta)
        _presence.changed(self.channel_layer, self.space_ids)

    async def community_event(self, event: dict[str, Any]) -> None:
        """Forward a pre-serialised frame (type "community.event")."""
        await self.send(text_data=event["text"])

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Ignore other apps' messages to the shared user group instead of closing the socket.

        Channels raises on a message type without a handler; `user.<id>` also carries other
        apps' events (moderation's "user.notice", journeys' "reflection.crisis_support").
        """
        if message["type"].startswith("websocket.") or hasattr(self, get_handler_name(message)):
            await super().dispatch(message)
        else:
            logger.debug("community.socket.ignored", extra={"type": message["type"]})
