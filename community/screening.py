"""The one seam between posting and moderation (registered in moderation/apps.py ready()).

Community never imports moderation. If nothing is registered, requesting screening raises: a
signal with no receivers would silently leave posts unscreened (STYLE.md section 2).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_requester: Callable[[int], None] | None = None


def register_requester(fn: Callable[[int], None] | None) -> None:
    """Set the function that screens a post by id (None unregisters it, for tests)."""
    global _requester
    _requester = fn


def request_screening(*, post_id: int) -> None:
    """Ask moderation to screen `post_id`. Called on commit by post_create/comment_create/edit."""
    if _requester is None:
        raise ImproperlyConfigured("No screening requester registered; posts would go unscreened.")
    _requester(post_id)
