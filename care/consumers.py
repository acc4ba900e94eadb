"""`ws/care/<link id>/`: live messages and read receipts for the two parties of one conversation.

Push-only like every socket here: messages are written over HTTP (the form works without
JavaScript). The one client frame besides "ping" is "read", sent when a frame arrives while the
page is visible, so the sender's receipt updates without a reload.

A staff member refused at connect leaves one refused row in the access audit, as a refused page
does. An accepted socket leaves none (the messages page that opened it logged that view); each
youth's message it then shows the clinician live leaves one row naming the message.

Who may listen is decided again for every frame, not only on connect: the link must still be
active, the listener still one of its two parties with an active account, and (for a browser)
the session still valid. A youth who ends the link, or a logout elsewhere, closes the socket at
the next frame instead of leaking one more message.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from accounts.models import AccessLog, CareLink, Role
from care import events, services
from care.audit import audit_refused_link, audit_view
from realtime.consumers import CLOSE_POLICY, AuthenticatedJsonConsumer

logger = logging.getLogger(__name__)


class CareThreadConsumer(AuthenticatedJsonConsumer):
    """One conversation, seen by its youth or its clinician; frames are re-checked each time."""

    handled_client_types: ClassVar[set[str]] = {"ping", "read"}
    link_id: int

    async def authorise(self, user: Any) -> bool:
        self.link_id = int(self.scope["url_route"]["kwargs"]["link_id"])
        allowed = await self._still_allowed(user)
        if not allowed:
            logger.info("care.socket.refused", extra={"user_id": user.pk, "link_id": self.link_id})
            await database_sync_to_async(audit_refused_link)(
                viewer=user, link_id=self.link_id, what=AccessLog.What.MESSAGES
            )
        return allowed

    async def groups_for_user(self, user: Any) -> list[str]:
        return [events.thread_group(link_id=self.link_id, user_id=user.pk)]

    async def care_event(self, event: dict[str, Any]) -> None:
        """Handles "care.event": forward the frame only while the listener may still see it."""
        if not await self._deliver_allowed(self.scope["user"], event["frame"]):
            await self.close(code=CLOSE_POLICY)
            return
        await self.send_json(event["frame"])

    async def handle_client_message(self, content: dict[str, Any]) -> None:
        if content["type"] == "read":
            if not await self._still_allowed(self.scope["user"]):
                await self.close(code=CLOSE_POLICY)
                return
            await self._mark_read(self.scope["user"])
            return
        await super().handle_client_message(content)

    @database_sync_to_async
    def _still_allowed(self, user: Any) -> bool:
        return self._check(user)

    @database_sync_to_async
    def _deliver_allowed(self, user: Any, frame: dict[str, Any]) -> bool:
        """The check, and for a youth's message shown live to the clinician one audit row (the
        page that opened the socket logged what it showed; this logs what arrived after)."""
        if not self._check(user):
            return False
        message = frame.get("message") if frame.get("type") == "care.message" else None
        if message is not None and message["sender_id"] != user.pk and user.role != Role.YOUTH:
            audit_view(
                viewer=user,
                youth_id=message["sender_id"],
                what=AccessLog.What.MESSAGES,
                object_ref=f"message:{message['id']}",
            )
        return True

    def _check(self, user: Any) -> bool:
        """The link is active, `user` is one of its parties in their role, and the session holds."""
        link = (
            CareLink.objects.filter(pk=self.link_id, ended_at__isnull=True)
            .select_related("youth", "clinician")
            .first()
        )
        if link is None:
            return False
        if user.pk == link.youth_id:
            party = link.youth
            role = Role.YOUTH
        elif user.pk == link.clinician_id:
            party = link.clinician
            role = Role.CLINICIAN
        else:
            return False
        if not party.is_active or party.role != role:
            return False
        return _session_valid(self.scope.get("session"), user.pk)

    @database_sync_to_async
    def _mark_read(self, user: Any) -> None:
        link = CareLink.objects.filter(pk=self.link_id, ended_at__isnull=True).first()
        if link is not None:
            services.messages_mark_read(link=link, reader=user)


def _session_valid(session: SessionBase | None, user_id: int) -> bool:
    """A browser's session must still exist, be unexpired and belong to the same user.

    Sockets opened without a session (tests inject the user) skip this check. The store is read
    afresh, since the scope's copy was loaded at connect; `load()` returns nothing for a session
    that expired or was flushed by a logout.
    """
    if session is None or session.session_key is None:
        return True
    store = import_module(settings.SESSION_ENGINE).SessionStore
    data = store(session_key=session.session_key).load()
    return bool(data) and str(data.get("_auth_user_id")) == str(user_id)
