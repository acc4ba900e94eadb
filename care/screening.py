"""The one seam between care messages and moderation (registered in moderation/apps.py ready()).

Care never screens text itself. If nothing is registered, requesting screening raises: a signal
with no receivers would silently leave a youth's message unscreened (STYLE.md section 2).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_requester: Callable[[int], None] | None = None


def register_requester(fn: Callable[[int], None] | None) -> None:
    """Set the function that screens a care message by id (None unregisters it, for tests)."""
    global _requester
    _requester = fn


def request_screening(*, message_id: int) -> None:
    """Ask moderation to screen `message_id`. Called on commit by `message_send`."""
    if _requester is None:
        raise ImproperlyConfigured(
            "No screening requester registered; messages would go unscreened."
        )
    _requester(message_id)
