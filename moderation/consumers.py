"""The live moderation dashboard socket: push-only, one group per clinic queue and audience.

Frames ("flag.changed", "moderation.alert") arrive pre-serialised through the process fan-out.
They are hints; each carries its queue and sequence number, and the client fetches
`/moderation/api/koe/?queue=...&after_seq=...` on connect, on a gap and on a resync hint.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from moderation import events, permissions
from realtime.consumers import AuthenticatedJsonConsumer


class ModerationConsumer(AuthenticatedJsonConsumer):
    """Peer workers and clinicians only; each joins the queues of the clinics granted to them."""

    async def authorise(self, user: Any) -> bool:
        return permissions.is_moderator(user)

    async def broadcast_groups_for_user(self, user: Any) -> list[str]:
        """Queues and the personal alert group, through the process's fan-out (realtime.fanout).

        A queue has every moderator socket of a clinic: one channel-layer receiver per queue per
        process, and frames serialised once by `events`, instead of a handler and a database
        hop per socket (bench/moderation_results.md).
        """
        return await database_sync_to_async(self._queues)(user)

    @staticmethod
    def _queues(user: Any) -> list[str]:
        audience = permissions.audience_for(user)
        clinic_ids = [None, *permissions.clinic_ids_for_moderator(user)]
        return [events.queue_name(c, audience) for c in clinic_ids] + [events.alert_group(user.pk)]

    async def on_accepted(self, user: Any) -> None:
        queues = [g for g in self.broadcast_groups if g.startswith("modq.")]
        seqs = await database_sync_to_async(lambda: {q: events.queue_last_seq(q) for q in queues})()
        await self.send_json({"type": "hello", "queues": seqs})
