"""Socket frames journeys sends. Frame types are "<entity>.<what happened>" names.

On the channel layer a frame travels serialised once, inside the realtime envelope
{"type": "realtime.frame", "text": ...}: every consumer in the user's group (community,
heartbeat, journeys) forwards it to its socket as it is, so none of them fails on a type it
has no handler for. Clients pick the frames they know by the frame's own "type".
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

CRISIS_SUPPORT_TYPE = "reflection.crisis_support"
# realtime.consumers.FRAME_EVENT_TYPE; spelled out so journeys needs no consumer import here.
CHANNEL_EVENT_TYPE = "realtime.frame"


class ReflectionCrisisSupport(TypedDict):
    """Tells the youth's open pages to show the crisis lines. Carries no text and no score."""

    type: str
    reflection_id: int


def channel_message(frame: ReflectionCrisisSupport) -> dict[str, Any]:
    """The channel-layer message carrying one frame, serialised once."""
    return {
        "type": CHANNEL_EVENT_TYPE,
        "text": json.dumps(frame, separators=(",", ":"), ensure_ascii=False),
    }
