"""Writes for community. Moderation calls `post_publish`, `post_hold`, `post_release`,
`post_remove`, `post_hide`, `staff_reply_create` and `report_resolve`; their names are a contract.

Rules every function here keeps (DESIGN.md section 3):
- Text peers can see changes only through a `SpaceEvent` appended in the same transaction, with
  a gap-free per-space `seq` taken under a lock on the Space row; the socket frame goes out only
  after commit (`realtime.publish.publish_on_commit`).
- Youth text is saved PENDING and screened through `community.screening` on commit.
- Lock order is always Post row, then Space row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import limits, permissions, screening
from community.events import CHANNEL_EVENT_TYPE, Frame, post_payload, reaction_counts, redacted
from community.models import (
    ContentWarningTopic,
    Post,
    Reaction,
    Report,
    Space,
    SpaceEvent,
    TalkItOut,
    ThemeFilter,
)
from community.rendering import render_body
from realtime import groups
from realtime.publish import publish_on_commit

logger = logging.getLogger(__name__)


class InvalidTransition(Exception):
    """A status change the model's TRANSITIONS allow-list does not permit."""


class CommunityError(Exception):
    """A refused write with a message for people (Danish msgid)."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


# --- Internals: transitions, the event log, frames --------------------------------------------
def _check_transition(post: Post, to: str) -> None:
    if to not in Post.TRANSITIONS[post.status]:
        raise InvalidTransition(f"post {post.pk}: {post.status} -> {to} is not allowed")


def _lock_post(post: Post) -> Post:
    # The post row only, NO KEY UPDATE: see selectors.post_lock_for_screening (a deadlock with
    # concurrent inserts' foreign-key checks otherwise).
    return (
        Post.objects.select_for_update(of=("self",), no_key=True)
        .select_related("author", "space")
        .get(pk=post.pk)
    )


def _frame_message(frame: Frame | dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message: the frame serialised once, so consumers only forward text."""
    text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
    return {"type": CHANNEL_EVENT_TYPE, "text": text}


def _event_append(
    *, space_id: int, type: str, data: dict[str, Any], post_id: int | None = None
) -> SpaceEvent:
    """Append one event under a lock on the Space row; broadcast it after commit.

    Must run inside a transaction. The lock serialises writers per space, so seq has no gaps and
    follows commit order.
    """
    # NO KEY UPDATE: serialises seq writers but lets new posts' FK checks (KEY SHARE) through.
    space = Space.objects.select_for_update(no_key=True).get(pk=space_id)
    seq = space.last_seq + 1
    Space.objects.filter(pk=space_id).update(last_seq=seq)
    event = SpaceEvent.objects.create(
        space_id=space_id, seq=seq, type=type, post_id=post_id, payload=data
    )
    frame: Frame = {"type": type, "space": space_id, "seq": seq, "data": data}
    publish_on_commit(groups.space(space_id), _frame_message(frame))
    return event


def _redact_events(post_ids: list[int]) -> None:
    """Rewrite logged publish events of these posts so withdrawn text is no longer served."""
    for event in SpaceEvent.objects.filter(
        post_id__in=post_ids, type__in=("post.published", "comment.published")
    ):
        event.payload = redacted(event.post_id or 0)
        event.save(update_fields=["payload"])


def _publish_event_for(post: Post) -> None:
    data = post_payload(post)
    kind = "comment.published" if post.parent_id else "post.published"
    event = _event_append(space_id=post.space_id, type=kind, data=data, post_id=post.pk)
    post.seq = event.seq
    post.save(update_fields=["seq"])


def _notify_author(post: Post, frame_type: str) -> None:
    frame = {"type": frame_type, "space": post.space_id, "seq": None, "data": {"id": post.pk}}
    publish_on_commit(groups.user(post.author_id), _frame_message(frame))


def _request_screening_on_commit(post_id: int) -> None:
    transaction.on_commit(lambda: screening.request_screening(post_id=post_id))


def _withdraw(post: Post, *, removed: bool) -> None:
    """Tell peers a published post is gone (for now, or for good) and redact its text."""
    ids = [post.pk]
    if removed and post.parent_id is None:
        ids += list(post.comments.values_list("pk", flat=True))
    _redact_events(ids)
    _event_append(
        space_id=post.space_id,
        type="post.removed" if removed else "post.withdrawn",
        data={"id": post.pk},
        post_id=post.pk,
    )


def _remove_comments_of(post: Post, *, actor: Any, reason: str) -> None:
    now = timezone.now()
    post.comments.exclude(status=Post.Status.REMOVED).update(
        status=Post.Status.REMOVED, removed_at=now, removed_by=actor, removal_reason=reason
    )


# --- Posting restrictions (a seam, filled by moderation in its AppConfig.ready) -------------------
# A check returns a message for the author (translated) if they may not write now, else None.
# Community never imports moderation; moderation registers its sanction check here.
_posting_checks: list[Callable[[Any], Any]] = []


def posting_check_register(check: Callable[[Any], Any]) -> None:
    """Add a check run before every post, comment and edit (idempotent per function)."""
    if check not in _posting_checks:
        _posting_checks.append(check)


def _check_may_write(author: Any) -> None:
    for check in _posting_checks:
        message = check(author)
        if message:
            raise CommunityError("restricted", message)


# --- Youth writes ------------------------------------------------------------------------------
def _check_topic(topic: str | None) -> str | None:
    if topic in (None, ""):
        return None
    if topic not in ContentWarningTopic.values:
        raise ValidationError({"content_warning_topic": _("Vælg et af emnerne på listen.")})
    return topic


def _save_new(*, now: Any = None, staff_reply: bool = False, **fields: Any) -> Post:
    """Validate and save a new post or comment.

    Youths' writing waits PENDING for screening; a staff reply is published at once.
    """
    now = now or timezone.now()
    if staff_reply:
        state = {"is_staff_reply": True, "status": Post.Status.PUBLISHED, "published_at": now}
    else:
        state = {"status": Post.Status.PENDING, "pending_since": now}
    post = Post(created_at=now, **state, **fields)
    post.full_clean()
    post.save()
    return post


def post_create(
    *,
    author: Any,
    space: Space,
    body: str,
    content_warning_topic: str | None = None,
    kind: str = Post.Kind.POST,
    now: Any = None,
) -> Post:
    """Save a new post PENDING and request screening on commit. Broadcasts nothing.

    Raises PermissionDenied (no post permission), LimitError (length, rate, duplicate) or
    ValidationError. A refused post is not saved.
    """
    _check_may_write(author)  # first: a suspended (inactive) author is told why, kindly
    if not permissions.can_post_in_space(author, space):
        raise PermissionDenied
    limits.check_length(body=body, is_comment=False)
    topic = _check_topic(content_warning_topic)
    if kind not in Post.Kind.values:
        raise ValidationError({"kind": "unknown kind"})
    with transaction.atomic():
        limits.check_rate(author=author, is_comment=False, body=body, now=now)
        post = _save_new(
            space=space, author=author, body=body, content_warning_topic=topic, kind=kind, now=now
        )
        if kind == Post.Kind.TALK_IT_OUT:
            TalkItOut.objects.create(post=post)
        _request_screening_on_commit(post.pk)
    logger.info("community.post.created", extra={"post_id": post.pk, "space_id": space.pk})
    return post


def comment_create(*, author: Any, parent: Post, body: str, now: Any = None) -> Post:
    """Save a comment PENDING under a published top-level post; request screening on commit."""
    if parent.parent_id is not None:
        raise CommunityError("nested", _("Du kan kun svare på et opslag, ikke på et svar."))
    _check_may_write(author)
    if not permissions.can_post_in_space(author, parent.space):
        raise PermissionDenied
    limits.check_length(body=body, is_comment=True)
    with transaction.atomic():
        parent = _lock_post(parent)
        if parent.status != Post.Status.PUBLISHED:
            raise CommunityError("not_open", _("Du kan ikke svare på det her opslag lige nu."))
        if parent.kind == Post.Kind.TALK_IT_OUT:
            talk = TalkItOut.objects.get(post=parent)
            if not talk.is_framed or talk.status != TalkItOut.Status.OPEN:
                raise CommunityError(
                    "talk_not_open", _("Snak det ud er ikke åben for forslag lige nu.")
                )
        limits.check_rate(author=author, is_comment=True, body=body, now=now)
        comment = _save_new(
            space_id=parent.space_id, author=author, parent=parent, body=body, now=now
        )
        _request_screening_on_commit(comment.pk)
    logger.info("community.comment.created", extra={"post_id": comment.pk})
    return comment


def post_edit(
    *, post: Post, editor: Any, body: str, content_warning_topic: str | None = None
) -> Post:
    """The author changes the text: revision +1, back to PENDING, screened again on commit.

    A published post is withdrawn from peers (a "post.withdrawn" event) until re-screened.
    A held post cannot be edited: a person is already reading it.
    """
    if post.author_id != editor.pk or post.is_staff_reply:
        raise PermissionDenied
    _check_may_write(editor)
    limits.check_length(body=body, is_comment=post.parent_id is not None)
    topic = _check_topic(content_warning_topic) if post.parent_id is None else None
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status == Post.Status.HELD:
            raise CommunityError(
                "held", _("En voksen fra Sammen læser dit opslag. Du kan rette det bagefter.")
            )
        if locked.status == Post.Status.REMOVED:
            raise CommunityError("removed", _("Opslaget er fjernet og kan ikke rettes."))
        was_published = locked.status == Post.Status.PUBLISHED
        if was_published:
            _check_transition(locked, Post.Status.PENDING)
            _withdraw(locked, removed=False)
        now = timezone.now()
        locked.body = body
        locked.content_warning_topic = topic
        locked.revision += 1
        locked.status = Post.Status.PENDING
        locked.pending_since = now
        locked.edited_at = now
        locked.full_clean()
        locked.save()
        _request_screening_on_commit(locked.pk)
    logger.info("community.post.edited", extra={"post_id": locked.pk, "revision": locked.revision})
    return locked


def post_delete_by_author(*, post: Post, author: Any) -> Post:
    """The author deletes their own post or comment (soft delete; comments go with a post)."""
    if post.author_id != author.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status == Post.Status.REMOVED:
            return locked
        was_published = locked.status == Post.Status.PUBLISHED
        _check_transition(locked, Post.Status.REMOVED)
        locked.status = Post.Status.REMOVED
        locked.deleted_by_author = True
        locked.removed_at = timezone.now()
        locked.removed_by = author
        locked.save()
        if locked.parent_id is None:
            _remove_comments_of(locked, actor=author, reason="parent deleted by author")
        if was_published or locked.parent_id is None:
            _withdraw(locked, removed=True)
    logger.info("community.post.deleted_by_author", extra={"post_id": locked.pk})
    return locked


# --- Screening outcomes and moderation (contract) ---------------------------------------------
def post_publish(*, post: Post) -> None:
    """Screening passed: PENDING/HELD -> PUBLISHED, assign seq, append and broadcast the event.

    Locks the Post row, then the Space row; opens its own (nested) transaction. The broadcast to
    `space.<id>` goes out after commit. A REMOVED post (deleted meanwhile) is left as it is.
    """
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status == Post.Status.REMOVED:
            logger.info("community.post.publish_skipped_removed", extra={"post_id": locked.pk})
            return
        _check_transition(locked, Post.Status.PUBLISHED)
        locked.status = Post.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.pending_since = None
        locked.save(update_fields=["status", "published_at", "pending_since"])
        _publish_event_for(locked)
    _copy_state(locked, post)
    logger.info("community.post.published", extra={"post_id": post.pk, "seq": post.seq})


def post_hold(*, post: Post) -> None:
    """Screening flagged it (or failed): -> HELD, hidden from peers until a person releases it.

    Locks the Post row. Tells only the author, on `user.<id>`, with a "post.held" frame that
    holds the post id and nothing about scores. A post already published is withdrawn from peers.
    A REMOVED post is left as it is.
    """
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status == Post.Status.REMOVED:
            return
        if locked.status == Post.Status.HELD:
            _copy_state(locked, post)
            return
        _check_transition(locked, Post.Status.HELD)
        if locked.status == Post.Status.PUBLISHED:
            _withdraw(locked, removed=False)
        locked.status = Post.Status.HELD
        locked.pending_since = None
        locked.save(update_fields=["status", "pending_since"])
        _notify_author(locked, "post.held")
    _copy_state(locked, post)
    logger.info("community.post.held", extra={"post_id": post.pk})


def post_release(*, post: Post, actor: Any) -> None:
    """A person approved a held post: HELD -> PUBLISHED, with seq, event and broadcast."""
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status != Post.Status.HELD:
            raise InvalidTransition(f"post {locked.pk}: release needs HELD, not {locked.status}")
        now = timezone.now()
        locked.status = Post.Status.PUBLISHED
        locked.published_at = now
        locked.released_at = now
        locked.save(update_fields=["status", "published_at", "released_at"])
        _publish_event_for(locked)
    _copy_state(locked, post)
    logger.info("community.post.released", extra={"post_id": post.pk, "actor_id": actor.pk})


def post_remove(*, post: Post, actor: Any, reason: str) -> None:
    """Soft delete by staff: -> REMOVED (comments of a post go too).

    Locks the Post row, then the Space row. If peers could see it, a "post.removed" event is
    appended and broadcast, and logged publish events of the text are redacted.
    """
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status == Post.Status.REMOVED:
            _copy_state(locked, post)
            return
        _check_transition(locked, Post.Status.REMOVED)
        was_published = locked.status == Post.Status.PUBLISHED
        locked.status = Post.Status.REMOVED
        locked.removed_at = timezone.now()
        locked.removed_by = actor
        locked.removal_reason = reason[:300]
        locked.pending_since = None
        locked.save()
        if locked.parent_id is None:
            _remove_comments_of(locked, actor=actor, reason="parent removed")
        if was_published or locked.parent_id is None:
            _withdraw(locked, removed=True)
    _copy_state(locked, post)
    logger.info("community.post.removed", extra={"post_id": post.pk, "actor_id": actor.pk})


def post_hide(*, post: Post, actor: Any, reason: str) -> None:
    """A moderator takes a published post out of view for review: PUBLISHED -> HELD.

    Unlike `post_remove` it can be undone with `post_release`. Locks the Post row (then the Space
    row). Withdraws it from peers ("post.withdrawn") and tells the author as `post_hold` does.
    A post already HELD is left as it is; a REMOVED one raises InvalidTransition.
    """
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status == Post.Status.HELD:  # already out of view: nothing to do
            _copy_state(locked, post)
            return
        _check_transition(locked, Post.Status.HELD)
        if locked.status == Post.Status.PUBLISHED:
            _withdraw(locked, removed=False)
        locked.status = Post.Status.HELD
        locked.removal_reason = reason[:300]
        locked.pending_since = None
        locked.save(update_fields=["status", "removal_reason", "pending_since"])
        _notify_author(locked, "post.held")
    _copy_state(locked, post)
    logger.info("community.post.hidden", extra={"post_id": post.pk, "actor_id": actor.pk})


def staff_reply_create(*, post: Post, author: Any, body: str) -> Post:
    """A peer worker or clinician replies: published at once (no screening), marked as staff.

    Replies under `post` (or under its parent if `post` is a comment). Requires moderate_space.
    Appends and broadcasts a "comment.published" event.
    """
    if not permissions.can_moderate_space(author, post.space):
        raise PermissionDenied
    limits.check_length(body=body, is_comment=True)
    parent = post.parent if post.parent_id else post
    assert parent is not None
    with transaction.atomic():
        parent = _lock_post(parent)
        if parent.status == Post.Status.REMOVED:
            raise CommunityError("removed", _("Opslaget er fjernet."))
        reply = _save_new(
            space_id=parent.space_id, author=author, parent=parent, body=body, staff_reply=True
        )
        _publish_event_for(reply)
    logger.info("community.staff_reply.created", extra={"post_id": reply.pk, "actor_id": author.pk})
    return reply


def _copy_state(source: Post, target: Post) -> None:
    if source is target:
        return
    for field in ("status", "seq", "published_at", "released_at", "removed_at", "revision"):
        setattr(target, field, getattr(source, field))
    target.removed_by_id = source.removed_by_id
    target.removal_reason = source.removal_reason


# --- Reactions -------------------------------------------------------------------------------
def reaction_toggle(*, user: Any, post: Post, kind: str) -> tuple[bool, dict[str, int]]:
    """Add the reaction if absent, else remove it. Returns (now_on, counts).

    Locks the Post row then the Space row; counts are taken under the space lock, so the
    "reaction.counted" events are in the same order as the counts they carry.
    """
    if kind not in Reaction.Kind.values:
        raise ValidationError({"kind": _("Den reaktion findes ikke.")})
    if not permissions.can_read_space(user, post.space):
        raise PermissionDenied
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.status != Post.Status.PUBLISHED:
            raise CommunityError("not_visible", _("Opslaget kan ikke få reaktioner lige nu."))
        Space.objects.select_for_update().get(pk=locked.space_id)
        deleted, _rows = Reaction.objects.filter(post=locked, user=user, kind=kind).delete()
        now_on = not deleted
        if now_on:
            try:
                with transaction.atomic():
                    Reaction.objects.create(post=locked, user=user, kind=kind)
            except IntegrityError:  # a double click raced this one; the reaction is there
                now_on = True
        counts = reaction_counts(locked.pk)
        _event_append(
            space_id=locked.space_id,
            type="reaction.counted",
            data={"post": locked.pk, "counts": counts},
            post_id=locked.pk,
        )
    return now_on, counts


# --- Talk it out -------------------------------------------------------------------------------
def _talk_event(talk: TalkItOut, type_: str) -> None:
    data = {
        "post": talk.post_id,
        "talk": {
            "status": talk.status,
            "framing_html": str(render_body(talk.framing)) if talk.framing else "",
            "summary_html": str(render_body(talk.summary)) if talk.summary else "",
        },
    }
    _event_append(space_id=talk.post.space_id, type=type_, data=data, post_id=talk.post_id)


def talk_frame(*, post: Post, actor: Any, framing: str) -> TalkItOut:
    """A peer worker or clinician frames a nominated problem, opening it for proposals."""
    if not permissions.can_moderate_space(actor, post.space):
        raise PermissionDenied
    limits.check_length(body=framing, is_comment=True)
    with transaction.atomic():
        locked = _lock_post(post)
        if locked.kind != Post.Kind.TALK_IT_OUT or locked.status != Post.Status.PUBLISHED:
            raise CommunityError("not_talk", _("Kun synlige Snak det ud-opslag kan rammesættes."))
        talk = TalkItOut.objects.select_related("post").get(post=locked)
        if talk.status != TalkItOut.Status.OPEN:
            raise CommunityError("closed", _("Snakken er lukket."))
        talk.framing = framing
        talk.framed_by = actor
        talk.framed_at = timezone.now()
        talk.save()
        _talk_event(talk, "talk.framed")
    return talk


def talk_close(*, post: Post, actor: Any, summary: str) -> TalkItOut:
    """A moderator closes a Talk it out with a written summary; it becomes searchable."""
    if not permissions.can_moderate_space(actor, post.space):
        raise PermissionDenied
    limits.check_length(body=summary, is_comment=False)
    with transaction.atomic():
        locked = _lock_post(post)
        talk = TalkItOut.objects.select_related("post").get(post=locked)
        if talk.status != TalkItOut.Status.OPEN or locked.status != Post.Status.PUBLISHED:
            raise CommunityError("closed", _("Snakken kan ikke lukkes lige nu."))
        talk.status = TalkItOut.Status.CLOSED
        talk.summary = summary
        talk.closed_by = actor
        talk.closed_at = timezone.now()
        talk.save()
        _talk_event(talk, "talk.closed")
    return talk


# --- Reports and theme filters -----------------------------------------------------------------
def report_create(*, reporter: Any, post: Post, category: str, note: str = "") -> Report:
    """Any reader reports a published post or comment. One open report per reporter and post."""
    if not permissions.can_read_space(reporter, post.space):
        raise PermissionDenied
    if post.status != Post.Status.PUBLISHED:
        raise PermissionDenied
    report = Report(post=post, reporter=reporter, category=category, note=note[:1000])
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise CommunityError(
            "already_reported", _("Du har allerede anmeldt det her. Vi kigger på det.")
        ) from exc
    logger.info("community.report.created", extra={"report_id": report.pk, "post_id": post.pk})
    return report


def report_resolve(*, report: Report, outcome: str, note: str, actor: Any) -> Report:
    """OPEN -> RESOLVED with an outcome the reporter sees; `note` stays staff-only.

    Locks the Report row. Does not act on the post itself: call `post_remove`/`post_hide` too.
    """
    if outcome not in Report.Outcome.values:
        raise ValidationError({"outcome": "unknown outcome"})
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("post__space").get(pk=report.pk)
        if not permissions.can_moderate_space(actor, locked.post.space):
            raise PermissionDenied
        if Report.Status.RESOLVED not in Report.TRANSITIONS[locked.status]:
            raise InvalidTransition(f"report {locked.pk} is {locked.status}")
        locked.status = Report.Status.RESOLVED
        locked.outcome = outcome
        locked.resolution_note = note
        locked.resolved_by = actor
        locked.resolved_at = timezone.now()
        locked.save()
    logger.info("community.report.resolved", extra={"report_id": locked.pk, "actor_id": actor.pk})
    return locked


def theme_filter_set(*, user: Any, hidden_topics: list[str]) -> ThemeFilter:
    topics = sorted({t for t in hidden_topics if t in ContentWarningTopic.values})
    row, _created = ThemeFilter.objects.update_or_create(
        user=user, defaults={"hidden_topics": topics, "updated_at": timezone.now()}
    )
    return row


# --- Spaces ------------------------------------------------------------------------------------
def space_create(
    *, name: str, slug: str, kind: str, age_band: str, description: str = "", clinic: Any = None
) -> Space:
    """Create a space and give the staff of its clinic (if any) read, write and moderation."""
    space = Space(
        name=name, slug=slug, kind=kind, age_band=age_band, description=description, clinic=clinic
    )
    space.full_clean()
    space.save()
    permissions.space_assign_clinic_staff(space=space)
    return space
