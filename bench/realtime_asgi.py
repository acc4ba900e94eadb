"""Bench-only ASGI application: ``config.asgi`` with the community socket's forwarding toggled.

``BENCH_FORWARD=off`` routes ``ws/community/`` to a consumer that handles "community.event" the
way Channels does by default (a handler, after ``close_old_connections`` in the sync thread);
``BENCH_FORWARD=on`` lists it in ``forwarded_event_types``, so the base consumer sends the
pre-serialised text as it is. ``BENCH_HUB=on`` also moves the space groups from per-socket
channel-layer membership to the process fan-out (``realtime.fanout``). All variants run in one
bench run, whatever ``community/consumers.py`` currently sets. Never used by the app.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from community.consumers import CommunityConsumer  # noqa: E402
from community.events import CHANNEL_EVENT_TYPE  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from realtime import groups  # noqa: E402

FORWARD = os.environ.get("BENCH_FORWARD", "on") == "on"
HUB = os.environ.get("BENCH_HUB", "off") == "on"


class BenchCommunityConsumer(CommunityConsumer):
    """The community consumer with forwarding of "community.event" switched by BENCH_FORWARD."""

    forwarded_event_types = (
        CommunityConsumer.forwarded_event_types | {CHANNEL_EVENT_TYPE}
        if FORWARD
        else CommunityConsumer.forwarded_event_types - {CHANNEL_EVENT_TYPE}
    )

    async def groups_for_user(self, user: Any) -> list[str]:
        joined = await super().groups_for_user(user)
        return joined[:1] if HUB else joined  # the user's own group stays per socket

    async def broadcast_groups_for_user(self, user: Any) -> list[str]:
        return [groups.space(sid) for sid in self.space_ids] if HUB else []


routes = [path("ws/community/", BenchCommunityConsumer.as_asgi())]  # type: ignore[arg-type]
routes += [r for r in websocket_urlpatterns if str(r.pattern) != "ws/community/"]

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(routes))),  # type: ignore[arg-type]
    }
)
