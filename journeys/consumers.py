"""`ws/journeys/`: push-only; tells the youth's open journey pages to show the crisis lines."""

from __future__ import annotations

from typing import Any

from realtime import groups
from realtime.consumers import AuthenticatedJsonConsumer


class JourneyConsumer(AuthenticatedJsonConsumer):
    """Joins only the user's own group. Frames arrive in the realtime envelope and are
    forwarded as they are (`reflection.crisis_support` among them); the client ignores the rest.
    """

    async def groups_for_user(self, user: Any) -> list[str]:
        return [groups.user(user.pk)]

    async def realtime_frame(self, event: dict[str, Any]) -> None:
        """Handles "realtime.frame": send the pre-serialised frame text to the socket."""
        await self.send(text_data=event["text"])

    async def user_notice(self, event: dict[str, Any]) -> None:
        """Other apps' notices to the user group; ignored here so the socket stays open."""
        return None

    async def community_event(self, event: dict[str, Any]) -> None:
        """Community frames to the user group; ignored here so the socket stays open."""
        return None
