"""The community socket: push-only, one per user, joined to every space the user can read.

Clients write over HTTP. Handlers are thin: the frame was serialised once by the service that
appended the event, so a delivery is one `send` with no database access and no JSON encoding.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
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
def _presence_change(space_ids: list[int], delta: int) -> dict[int, int]:
    counts = {}
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
            count = 0
        counts[space_id] = count
    return counts


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
        counts = await _presence_change(self.space_ids, delta)
        for space_id, count in counts.items():
            frame = {"type": "presence", "space": space_id, "count": count}
            await self.channel_layer.group_send(
                groups.space(space_id),
                {"type": "community.event", "text": json.dumps(frame, separators=(",", ":"))},
            )

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
