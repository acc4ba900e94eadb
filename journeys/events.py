"""Socket frames journeys sends. Event types are "<entity>.<past-verb>"-style names."""

from __future__ import annotations

from typing import TypedDict

# The channel-layer type; consumers in the user's group handle it as `reflection_crisis_support`.
CRISIS_SUPPORT_TYPE = "reflection.crisis_support"


class ReflectionCrisisSupport(TypedDict):
    """Tells the youth's open pages to show the crisis lines. Carries no text and no score."""

    type: str
    reflection_id: int
