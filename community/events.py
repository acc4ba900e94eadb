"""Event frames peers receive, and the reference reducer clients follow.

A frame is `{"type", "space", "seq", "data"}`. The same frame is pushed over the socket and
served by `GET .../events?after_seq=N`, so a client treats both alike and de-duplicates by seq.
`static/js/community.js` mirrors `client_state_apply`; the test suite checks that events applied to
a stale state equal a fresh fetch (`selectors.space_client_state`), as Zulip tests its events.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from django.db.models import Count

from community.models import Post, Reaction, TalkItOut
from community.rendering import render_body

EventType = Literal[
    "post.published",
    "comment.published",
    "post.withdrawn",  # hidden for now: edited (screened again) or held by a moderator
    "post.removed",  # gone for good, with its comments
    "reaction.counted",
    "talk.framed",
    "talk.closed",
]
CHANNEL_EVENT_TYPE = (
    "community.event"  # the one channel-layer handler: CommunityConsumer.community_event
)


class Frame(TypedDict):
    type: str
    space: int
    seq: int | None
    data: dict[str, Any]


def reaction_counts(post_id: int) -> dict[str, int]:
    rows = Reaction.objects.filter(post_id=post_id).values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}


def talk_payload(post: Post) -> dict[str, Any] | None:
    if post.kind != Post.Kind.TALK_IT_OUT:
        return None
    talk = TalkItOut.objects.filter(post_id=post.pk).first()
    if talk is None:
        return None
    return {
        "status": talk.status,
        "framing_html": str(render_body(talk.framing)) if talk.framing else "",
        "summary_html": str(render_body(talk.summary)) if talk.summary else "",
    }


def post_payload(post: Post, *, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """What peers may see of a PUBLISHED post. Never call this for any other status."""
    if post.status != Post.Status.PUBLISHED:
        raise ValueError("only published posts have a peer payload")
    return {
        "id": post.pk,
        "parent": post.parent_id,
        "kind": post.kind,
        "author": post.author.username,
        "avatar": post.author.avatar,
        "is_staff_reply": post.is_staff_reply,
        "body_html": str(render_body(post.body)),
        "content_warning_topic": post.content_warning_topic,
        "revision": post.revision,
        "published_at": post.published_at.isoformat() if post.published_at else None,
        "reactions": counts if counts is not None else reaction_counts(post.pk),
        "talk": talk_payload(post),
    }


def redacted(post_id: int) -> dict[str, Any]:
    """The payload an event about withdrawn text is rewritten to."""
    return {"id": post_id, "redacted": True}


def client_state_apply(state: dict[str, Any], frame: dict[str, Any]) -> None:
    """Apply one frame to a client's state `{"posts": {id: payload}}` (the JS does the same)."""
    posts: dict[int, dict[str, Any]] = state.setdefault("posts", {})
    data = frame["data"]
    if data.get("redacted"):
        return
    kind = frame["type"]
    if kind in ("post.published", "comment.published"):
        posts[data["id"]] = data
    elif kind == "post.withdrawn":
        posts.pop(data["id"], None)
    elif kind == "post.removed":
        posts.pop(data["id"], None)
        for child_id in [pid for pid, p in posts.items() if p["parent"] == data["id"]]:
            posts.pop(child_id)
    elif kind == "reaction.counted":
        if data["post"] in posts:
            posts[data["post"]]["reactions"] = data["counts"]
    elif kind in ("talk.framed", "talk.closed") and data["post"] in posts:
        posts[data["post"]]["talk"] = data["talk"]
