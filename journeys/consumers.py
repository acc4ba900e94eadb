"""`ws/journeys/`: push-only; tells the youth's open journey pages to show the crisis lines."""

from __future__ import annotations

from typing import Any

from realtime import groups
from realtime.consumers import AuthenticatedJsonConsumer


class JourneyConsumer(AuthenticatedJsonConsumer):
    """Joins only the user's own group; forwards `reflection.crisis_support` frames."""

    async def groups_for_user(self, user: Any) -> list[str]:
        return [groups.user(user.pk)]

    async def reflection_crisis_support(self, event: dict[str, Any]) -> None:
        """Handles "reflection.crisis_support": the frame carries an id only, never text."""
        await self.send_json({"type": event["type"], "reflection_id": event["reflection_id"]})

    async def user_notice(self, event: dict[str, Any]) -> None:
        """Other apps' notices to the user group; ignored here so the socket stays open."""
        return None

    async def community_event(self, event: dict[str, Any]) -> None:
        """Community frames to the user group; ignored here so the socket stays open."""
        return None
