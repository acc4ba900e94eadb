"""Push-only sockets. Clients write over HTTP; the only frames a client sends are small controls.

`AuthenticatedJsonConsumer` is the base every app's consumer uses: it refuses anonymous users,
closes on oversize or malformed frames, and caps the sockets one user may hold open.

Deliveries are the hot path (bench/README.md, "Realtime"). Channels' `AsyncConsumer.dispatch`
runs `close_old_connections` through `sync_to_async` before every handler: one hop into the
process's single sync thread per delivered message, shared by every socket of the process.
Events that only carry a frame serialised once by the publisher ("text") never touch the
database, so the base consumer sends their text as it is, without a handler and without the
hop. A consumer opts in by listing those event types in `forwarded_event_types`.

Groups with many sockets per process (a space) can go further: `broadcast_groups_for_user`
joins them through `realtime.fanout`, one channel-layer receiver per group per process that
writes each frame to every local socket in one loop, instead of one receiver per socket.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache

from realtime.fanout import fanout_for

logger = logging.getLogger(__name__)

CLOSE_POLICY = 4403  # not allowed: anonymous, or the permission check failed
CLOSE_TOO_BIG = 1009  # RFC 6455: message too big
CLOSE_BAD_FRAME = 4400  # not JSON, or not an object
CLOSE_TOO_MANY = 4429  # too many sockets for this user
_SOCKET_COUNT_TTL = 60 * 60 * 2
FRAME_EVENT_TYPE = "realtime.frame"  # a channel-layer event: {"type", "text": one serialised frame}


def _socket_key(user_id: int) -> str:
    return f"realtime:sockets:{user_id}"


class AuthenticatedJsonConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: auth, frame limits, socket cap. Subclasses define `groups_for_user`."""

    counted: bool = False
    broadcast_groups: list[str]
    handled_client_types: ClassVar[set[str]] = {"ping"}
    # Channel-layer event types whose "text" is sent to the socket as is (see the module doc).
    forwarded_event_types: ClassVar[frozenset[str]] = frozenset({FRAME_EVENT_TYPE})

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Forward pre-serialised frames straight to the socket; everything else as Channels does.

        Skips Channels' per-message `close_old_connections` hop for forwarded events only: they
        run no database code, so there is no connection to close.
        """
        if message["type"] in self.forwarded_event_types:
            frame: Any = {"type": "websocket.send", "text": message["text"]}
            await self.base_send(frame)
            return
        await super().dispatch(message)

    async def realtime_frame(self, event: dict[str, Any]) -> None:
        """Handles "realtime.frame" if a subclass removes it from `forwarded_event_types`."""
        await self.send(text_data=event["text"])

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_POLICY)
            return
        if not await self._take_socket_slot(user.pk):
            logger.info("realtime.socket.refused_cap", extra={"user_id": user.pk})
            await self.close(code=CLOSE_TOO_MANY)
            return
        self.counted = True
        allowed = await self.authorise(user)
        if not allowed:
            await self.close(code=CLOSE_POLICY)
            return
        for group in await self.groups_for_user(user):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)
        await self.accept()
        self.broadcast_groups = []
        hub = fanout_for(self.channel_layer)
        for group in await self.broadcast_groups_for_user(user):
            # After accept: the fan-out writes straight to the socket, which must be open.
            await hub.join(
                group,
                channel_name=self.channel_name,
                send=self.base_send,
                forwarded=self.forwarded_event_types,
            )
            self.broadcast_groups.append(group)
        await self.on_accepted(user)

    async def disconnect(self, code: int) -> None:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "broadcast_groups", None):
            hub = fanout_for(self.channel_layer)
            for group in self.broadcast_groups:
                await hub.leave(group, channel_name=self.channel_name)
            self.broadcast_groups = []
        user = self.scope.get("user")
        if self.counted and user is not None:
            await self._release_socket_slot(user.pk)
            self.counted = False

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(raw.encode("utf-8")) > settings.WEBSOCKET_MAX_MESSAGE_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(raw)
        except ValueError:
            await self.send_json({"type": "error", "error": "bad_frame"})
            await self.close(code=CLOSE_BAD_FRAME)
            return
        if not isinstance(content, dict) or content.get("type") not in self.handled_client_types:
            await self.send_json({"type": "error", "error": "unknown_type"})
            return
        await self.handle_client_message(content)

    async def handle_client_message(self, content: dict[str, Any]) -> None:
        if content["type"] == "ping":
            await self.send_json({"type": "pong"})

    # Hooks for subclasses -------------------------------------------------------------------
    async def authorise(self, user: Any) -> bool:
        return True

    async def groups_for_user(self, user: Any) -> list[str]:
        return []

    async def broadcast_groups_for_user(self, user: Any) -> list[str]:
        """Groups whose frames reach this socket through the process's fan-out (see above)."""
        return []

    async def on_accepted(self, user: Any) -> None:
        return None

    # Socket cap ------------------------------------------------------------------------------
    @database_sync_to_async
    def _take_socket_slot(self, user_id: int) -> bool:
        key = _socket_key(user_id)
        cache.add(key, 0, timeout=_SOCKET_COUNT_TTL)
        count = cache.incr(key)
        if count > settings.WEBSOCKET_MAX_SOCKETS_PER_USER:
            cache.decr(key)
            return False
        cache.touch(key, _SOCKET_COUNT_TTL)
        return True

    @database_sync_to_async
    def _release_socket_slot(self, user_id: int) -> None:
        try:
            if cache.decr(_socket_key(user_id)) < 0:
                cache.set(_socket_key(user_id), 0, timeout=_SOCKET_COUNT_TTL)
        except ValueError:  # the counter expired meanwhile
            pass


class HeartbeatConsumer(AuthenticatedJsonConsumer):
    """Proves a socket is authenticated and origin-checked; answers pings, joins the user group."""

    async def groups_for_user(self, user: Any) -> list[str]:
        from realtime import groups

        return [groups.user(user.pk)]

    async def on_accepted(self, user: Any) -> None:
        await self.send_json({"type": "hello", "user": user.username})

    async def user_notice(self, event: dict[str, Any]) -> None:
        """Handles "user.notice" events sent to the user's own group."""
        await self.send_json(event)
