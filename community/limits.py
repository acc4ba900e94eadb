"""Posting limits (issue 4, item 8), from the database so every process agrees.

Discourse's defaults: 5 s between posts, 30 s for accounts younger than a day, at most 3 threads
and 10 replies on an account's first day. Bodies repeated by the same author within 24 h are
refused. A refused request saves nothing, and the form shows the text again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Post
from community.rendering import normalise_for_duplicates

POST_MAX_CHARS = 5000
COMMENT_MAX_CHARS = 2000
SECONDS_BETWEEN_POSTS = 5
SECONDS_BETWEEN_POSTS_NEW_USER = 30
NEW_USER_AGE = dt.timedelta(hours=24)
NEW_USER_MAX_THREADS = 3
NEW_USER_MAX_REPLIES = 10
DUPLICATE_WINDOW = dt.timedelta(hours=24)


class LimitError(Exception):
    """A write refused by a limit. `code` for the API, `message` for people (Danish msgid)."""

    def __init__(self, code: str, message: Any, *, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def check_length(*, body: str, is_comment: bool) -> None:
    limit = COMMENT_MAX_CHARS if is_comment else POST_MAX_CHARS
    if not body.strip():
        raise LimitError("empty", _("Skriv lidt tekst, før du sender."))
    if len(body) > limit:
        raise LimitError(
            "too_long",
            _(
                "Din tekst er %(length)s tegn lang. Der er plads til %(limit)s tegn. "
                "Din tekst er ikke væk: forkort den, eller del den i flere opslag."
            )
            % {"length": len(body), "limit": limit},
        )


def check_rate(*, author: Any, is_comment: bool, body: str, now: dt.datetime | None = None) -> None:
    """Raise LimitError if `author` may not post this now. Reads only; takes no lock."""
    now = now or timezone.now()
    new_user = now - author.date_joined < NEW_USER_AGE
    gap = SECONDS_BETWEEN_POSTS_NEW_USER if new_user else SECONDS_BETWEEN_POSTS
    own = Post.objects.filter(author=author, is_staff_reply=False)
    last = own.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and (now - last).total_seconds() < gap:
        wait = max(1, int(gap - (now - last).total_seconds()) + 1)
        raise LimitError(
            "too_fast",
            _("Vent lige %(seconds)s sekunder, før du skriver igen. Din tekst er gemt i feltet.")
            % {"seconds": wait},
            retry_after=wait,
        )
    if new_user:
        first_day = own.filter(created_at__gte=author.date_joined)
        if is_comment and first_day.filter(parent__isnull=False).count() >= NEW_USER_MAX_REPLIES:
            raise LimitError(
                "first_day_replies",
                _(
                    "Som ny kan du skrive %(limit)s svar det første døgn. "
                    "I morgen kan du skrive mere."
                )
                % {"limit": NEW_USER_MAX_REPLIES},
            )
        if not is_comment and first_day.filter(parent__isnull=True).count() >= NEW_USER_MAX_THREADS:
            raise LimitError(
                "first_day_threads",
                _(
                    "Som ny kan du lave %(limit)s opslag det første døgn. "
                    "I morgen kan du skrive mere."
                )
                % {"limit": NEW_USER_MAX_THREADS},
            )
    normalised = normalise_for_duplicates(body)
    recent = own.filter(created_at__gte=now - DUPLICATE_WINDOW).values_list("body", flat=True)
    if any(normalise_for_duplicates(text) == normalised for text in recent.iterator()):
        raise LimitError("duplicate", _("Du har allerede skrevet præcis det samme for nylig."))
