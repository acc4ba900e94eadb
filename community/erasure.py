"""Community's part of a youth's GDPR rights: its own export and its own erasure.

Community does not know moderation, so the caller passes the posts that must keep their text
(those under an open flag: the safety record stays until a moderator resolves it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from community import services
from community.models import Post, Reaction, Report, ThemeFilter


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(*, user: Any) -> dict[str, Any]:
    """The youth's posts and comments in every status, reactions, reports and hidden topics."""
    theme_filter = ThemeFilter.objects.filter(user=user).first()
    return {
        "posts": [
            {
                "id": p.pk,
                "space": p.space.name,
                "parent_id": p.parent_id,
                "body": p.body,
                "status": p.status,
                "created_at": _iso(p.created_at),
            }
            for p in Post.objects.filter(author=user).select_related("space").order_by("pk")
        ],
        "reactions": [
            {"post_id": r.post_id, "kind": r.kind, "created_at": _iso(r.created_at)}
            for r in Reaction.objects.filter(user=user).order_by("created_at")
        ],
        "reports": [
            {"post_id": r.post_id, "category": r.category, "note": r.note, "status": r.status}
            for r in Report.objects.filter(reporter=user).order_by("pk")
        ],
        "hidden_topics": list(theme_filter.hidden_topics) if theme_filter else [],
    }


@transaction.atomic
def erase_user_data(
    *, user: Any, keep_text_of: Iterable[int] | QuerySet[Any] = ()
) -> dict[str, int]:
    """Withdraw and empty the youth's posts; delete their reactions, reports and filters.

    Every post still visible is first withdrawn through `post_delete_by_author`, so peers'
    screens update. Post rows stay (threads keep their shape, moderation keeps its subject),
    emptied of text, except the ids in `keep_text_of`.
    """
    for post in Post.objects.filter(author=user).exclude(status=Post.Status.REMOVED):
        services.post_delete_by_author(post=post, author=user)
    counts = {
        "posts_emptied": Post.objects.filter(author=user)
        .exclude(pk__in=keep_text_of)
        .update(body="")
    }
    for label, queryset in (
        ("reactions", Reaction.objects.filter(user=user)),
        ("reports", Report.objects.filter(reporter=user)),
        ("theme_filters", ThemeFilter.objects.filter(user=user)),
    ):
        counts[label] = queryset.delete()[0]
    return counts
