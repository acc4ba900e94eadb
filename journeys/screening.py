"""The one seam between reflections and moderation (registered in moderation/apps.py ready()).

Journeys never imports moderation. If nothing is registered, requesting screening raises: a
signal with no receivers would silently leave reflections unscreened (STYLE.md section 2).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_requester: Callable[[int], None] | None = None


def register_requester(fn: Callable[[int], None] | None) -> None:
    """Set the function that screens a reflection by id (None unregisters it, for tests)."""
    global _requester
    _requester = fn


def request_screening(*, reflection_id: int) -> None:
    """Ask moderation to screen `reflection_id`. Called on commit by `reflection_save`."""
    if _requester is None:
        raise ImproperlyConfigured(
            "No screening requester registered; reflections would go unscreened."
        )
    _requester(reflection_id)
