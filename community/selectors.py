"""Reads for community. Moderation calls the `post_*_for_screening`, `posts_pending_older_than`,
`post_list_by_author` and `report_list_open` selectors; their names are a contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from community import permissions
from community.events import Frame, post_payload
from community.models import Post, Reaction, Report, Space, SpaceEvent, TalkItOut, ThemeFilter

EVENTS_PAGE_MAX = 500


# --- For moderation (contract) ---------------------------------------------------------------
def post_get_for_screening(*, post_id: int) -> Post | None:
    """The post with its author and space, or None if it no longer exists. Takes no lock."""
    return Post.objects.select_related("author", "space", "parent").filter(pk=post_id).first()


def post_lock_for_screening(*, post_id: int) -> Post:
    """Lock the post row (SELECT ... FOR UPDATE) until the caller's transaction ends.

    Must be called inside `transaction.atomic()`. Raises Post.DoesNotExist if it is gone.
    """
    # Lock the post row only (not the joined author and space rows), and as NO KEY UPDATE: a
    # youth's new post checks its foreign keys with KEY SHARE locks on those rows at commit, and
    # a wider lock here deadlocked with that under two screening workers (bench, 2026-11-22).
    return (
        Post.objects.select_for_update(of=("self",), no_key=True)
        .select_related("author", "space")
        .get(pk=post_id)
    )


def posts_pending_older_than(*, seconds: int) -> QuerySet[Post]:
    """Posts still PENDING that entered that state more than `seconds` ago (the sweep's work)."""
    cutoff = timezone.now() - dt.timedelta(seconds=seconds)
    return Post.objects.filter(status=Post.Status.PENDING, pending_since__lt=cutoff).order_by(
        "pending_since", "id"
    )


def post_list_by_author(*, author_id: int, limit: int = 20) -> list[Post]:
    """An author's latest posts and comments in every status, newest first (for moderators)."""
    return list(
        Post.objects.filter(author_id=author_id)
        .select_related("space", "parent")
        .order_by("-created_at", "-id")[:limit]
    )


def post_revisions_published() -> Iterator[tuple[int, int]]:
    """(post id, revision) of every published post that went through screening (reconcile).

    Staff replies are left out: they are published without screening by design. Streams rows.
    """
    return (
        Post.objects.filter(status=Post.Status.PUBLISHED, is_staff_reply=False)
        .values_list("pk", "revision")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )


def report_list_open() -> QuerySet[Report]:
    """Open reports, oldest first, with the post, its space and the reporter."""
    return (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related("post", "post__space", "post__author", "reporter")
        .order_by("created_at", "id")
    )


# --- Spaces and the event log ----------------------------------------------------------------
def space_events_after(
    *, space_id: int, after_seq: int, limit: int = 100
) -> tuple[list[Frame], bool]:
    """Frames with seq > after_seq in order, at most `limit`, and whether more follow."""
    limit = max(1, min(limit, EVENTS_PAGE_MAX))
    rows = list(
        SpaceEvent.objects.filter(space_id=space_id, seq__gt=after_seq).order_by("seq")[: limit + 1]
    )
    frames: list[Frame] = [
        {"type": e.type, "space": e.space_id, "seq": e.seq, "data": e.payload} for e in rows[:limit]
    ]
    return frames, len(rows) > limit


def _peer_visible_posts(space_id: int) -> QuerySet[Post]:
    """Published posts and comments of a space, minus comments under a removed post."""
    return (
        Post.objects.filter(space_id=space_id, status=Post.Status.PUBLISHED)
        .exclude(parent__status=Post.Status.REMOVED)
        .select_related("author")
    )


def space_client_state(*, space_id: int) -> dict[str, Any]:
    """The state a fresh client builds: every peer-visible post, keyed by id."""
    return {"posts": {p.pk: post_payload(p) for p in _peer_visible_posts(space_id)}}


def hidden_topics_for(user: Any) -> list[str]:
    if not user.is_authenticated:
        return []
    row = ThemeFilter.objects.filter(user=user).first()
    return list(row.hidden_topics) if row else []


def _visible_to_viewer(viewer: Any) -> Q:
    # Peers see PUBLISHED only; the author also sees their own pending or held post. Moderators
    # see no more here: held text is read in the moderation queue, not in the feed.
    own = Q(author_id=viewer.pk) & ~Q(status=Post.Status.REMOVED)
    return Q(status=Post.Status.PUBLISHED) | own


def space_feed(*, space: Space, viewer: Any, limit: int = 50) -> list[Post]:
    """Top-level posts of a space for `viewer`, newest first, with visible comments attached.

    Each post gets `.visible_comments`, `.reaction_counts` and `.talk_state` for the template.
    Posts in topics the viewer hides are left out.
    """
    visible = _visible_to_viewer(viewer)
    hidden = hidden_topics_for(viewer)
    comments = Post.objects.filter(visible).select_related("author").order_by("created_at", "id")
    posts = (
        Post.objects.filter(space=space, parent__isnull=True)
        .filter(visible)
        .exclude(content_warning_topic__in=hidden)
        .select_related("author", "talk")
        .prefetch_related(Prefetch("comments", queryset=comments, to_attr="visible_comments"))
        .order_by("-created_at", "-id")[:limit]
    )
    result: list[Post] = list(posts)
    everything = [*result, *(c for p in result for c in p.visible_comments)]  # type: ignore[attr-defined]
    _decorate(everything)
    return result


def _decorate(posts: list[Post]) -> None:
    """Attach `.reaction_counts` to each post with one query (published posts only)."""
    published = [p.pk for p in posts if p.status == Post.Status.PUBLISHED]
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Reaction.objects.filter(post_id__in=published)
        .values("post_id", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts.setdefault(row["post_id"], {})[row["kind"]] = row["n"]
    for post in posts:
        post.reaction_counts = counts.get(post.pk, {})  # type: ignore[attr-defined]


def post_for_viewer(*, post_id: int, viewer: Any) -> Post | None:
    """A post (or comment) `viewer` may see, with visible comments attached; else None.

    Peers get PUBLISHED posts only; the author gets their own post in any state but removed;
    moderators of the space see nothing more here (the moderation queue shows held text).
    """
    post = Post.objects.select_related("space", "author", "parent").filter(pk=post_id).first()
    if post is None or not permissions.can_read_space(viewer, post.space):
        return None
    own = post.author_id == viewer.pk and post.status != Post.Status.REMOVED
    if post.status != Post.Status.PUBLISHED and not own:
        return None
    if post.parent is not None and post.parent.status == Post.Status.REMOVED:
        return None
    visible = _visible_to_viewer(viewer)
    post.visible_comments = list(  # type: ignore[attr-defined]
        post.comments.filter(visible).select_related("author").order_by("created_at", "id")
    )
    _decorate([post, *post.visible_comments])  # type: ignore[attr-defined]
    return post


def reports_for_reporter(*, user: Any) -> QuerySet[Report]:
    return Report.objects.filter(reporter=user).select_related("post").order_by("-created_at")


def talk_search(*, viewer: Any, query: str, limit: int = 20) -> list[TalkItOut]:
    """Closed Talk it out threads in the viewer's spaces matching `query`.

    PostgreSQL: full-text search with the Danish configuration, ranked. Other databases (the
    embedded SQLite default): a case-insensitive substring match on every word.
    """
    base = TalkItOut.objects.filter(
        status=TalkItOut.Status.CLOSED,
        post__status=Post.Status.PUBLISHED,
        post__space__in=permissions.readable_spaces(viewer),
    ).select_related("post", "post__space", "post__author")
    query = query.strip()
    if not query:
        return list(base.order_by("-closed_at")[:limit])
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("post__body", "framing", "summary", config="danish")
        search = SearchQuery(query, config="danish", search_type="websearch")
        return list(
            base.annotate(document=vector)
            .filter(document=search)
            .annotate(rank=SearchRank(vector, search))
            .order_by("-rank", "-closed_at")[:limit]
        )
    condition = Q()
    for word in query.split()[:8]:
        condition &= (
            Q(post__body__icontains=word) | Q(framing__icontains=word) | Q(summary__icontains=word)
        )
    return list(base.filter(condition).order_by("-closed_at")[:limit])
