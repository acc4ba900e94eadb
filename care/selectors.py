"""Reads for the clinician workspace: the caseload, message threads, the youth's audit.

Nothing here checks a request: views call `care.permissions` first and pass what it allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.access_audit import access_log_for_youth
from accounts.models import AccessLog, CareLink, User
from care import permissions
from care.models import CareInvitation, CareMessage, MessageStatus, SessionPlan
from journeys import selectors as journey_selectors
from moderation import selectors as moderation_selectors
from toolkit import selectors as toolkit_selectors

# Clinical policy CP-8 (issue 7): a mean daily mood 1 point (of 10) lower this week than the week
# before counts as falling; 14 days without logging in counts as silence.
FALLING_BY = 1.0
SILENCE_DAYS = 14
FLAG_WINDOW_DAYS = 30


@dataclass
class CaseloadRow:
    youth_id: int
    handle: str
    scopes: set[str]
    last_active: dt.datetime | None = None  # None also when the activity scope is off
    flags_by_tier: dict[str, int] = field(default_factory=dict)
    open_flags: int = 0
    newest_open_flag: dt.datetime | None = None
    mood_recent: float | None = None
    mood_earlier: float | None = None
    journeys_in_progress: int | None = None
    journeys_completed: int | None = None

    @property
    def trend(self) -> str | None:
        if self.mood_recent is None or self.mood_earlier is None:
            return None
        if self.mood_recent <= self.mood_earlier - FALLING_BY:
            return "falling"
        if self.mood_recent >= self.mood_earlier + FALLING_BY:
            return "rising"
        return "stable"

    @property
    def silent(self) -> bool:
        if "activity" not in self.scopes:
            return False
        cutoff = timezone.now() - dt.timedelta(days=SILENCE_DAYS)
        return self.last_active is None or self.last_active < cutoff

    @property
    def needs_attention(self) -> bool:
        return self.open_flags > 0 or self.trend == "falling" or self.silent

    def attention_key(self) -> tuple[Any, ...]:
        """Open flags first (newest first), then falling scores, then 14 days of silence."""
        newest = -self.newest_open_flag.timestamp() if self.newest_open_flag else 0.0
        return (
            self.open_flags == 0,
            newest,
            self.trend != "falling",
            not self.silent,
            self.handle.casefold(),
        )


def caseload_for_clinician(
    *, clinician: User, query: str = "", tier: str = "", attention_only: bool = False
) -> list[CaseloadRow]:
    """Every linked youth with what they share, sorted by need; a fixed number of queries.

    Hidden scopes stay empty: a youth who shares no check-ins has no trend, and silence is only
    judged when the activity scope is on, so the sort itself leaks nothing unshared.
    """
    links_qs = CareLink.objects.filter(clinician=clinician, ended_at__isnull=True)
    if query:
        links_qs = links_qs.filter(youth__username__icontains=query)
    # Plain tuples, not model instances: at 500 youths building objects dominated the time.
    links = list(links_qs.values_list("youth_id", "scopes", "youth__username", "youth__last_login"))
    youth_ids = links_qs.values("youth_id")
    scopes = permissions.scopes_for_caseload(
        clinician=clinician,
        link_scopes={youth_id: link_scopes for youth_id, link_scopes, _, _ in links},
        youth_ids=youth_ids,
    )
    since = timezone.now() - dt.timedelta(days=FLAG_WINDOW_DAYS)
    flags = moderation_selectors.flag_counts_by_youth(youth_ids=youth_ids, since=since)
    trends = toolkit_selectors.checkin_trends_for_youths(youth_ids=youth_ids)
    journeys = journey_selectors.journey_counts_for_youths(youth_ids=youth_ids)
    rows = []
    for youth_id, _link_scopes, handle, last_login in links:
        shared = scopes.get(youth_id, set())
        flag = flags.get(youth_id, {})
        row = CaseloadRow(
            youth_id=youth_id,
            handle=handle,
            scopes=shared,
            flags_by_tier=flag.get("by_tier", {}),
            open_flags=flag.get("open", 0),
            newest_open_flag=flag.get("newest_open"),
        )
        if "activity" in shared:
            row.last_active = last_login
        if "checkins" in shared and youth_id in trends:
            trend = trends[youth_id]
            row.mood_recent = _round(trend["recent"])
            row.mood_earlier = _round(trend["earlier"])
        if "journeys" in shared:
            counts = journeys.get(youth_id, {"in_progress": 0, "completed": 0})
            row.journeys_in_progress = counts["in_progress"]
            row.journeys_completed = counts["completed"]
        rows.append(row)
    if tier:
        rows = [r for r in rows if r.flags_by_tier.get(tier)]
    if attention_only:
        rows = [r for r in rows if r.needs_attention]
    rows.sort(key=CaseloadRow.attention_key)
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def links_for_youth(*, youth: User) -> list[CareLink]:
    return list(
        CareLink.objects.filter(youth=youth, ended_at__isnull=True)
        .select_related("clinician", "clinic")
        .order_by("started_at")
    )


def link_get_for_youth(*, youth: User, link_id: int) -> CareLink | None:
    return (
        CareLink.objects.filter(pk=link_id, youth=youth, ended_at__isnull=True)
        .select_related("clinician", "clinic")
        .first()
    )


def invitations_pending_for_youth(*, youth: User) -> list[CareInvitation]:
    return list(
        CareInvitation.objects.filter(youth=youth, status=CareInvitation.Status.PENDING)
        .select_related("clinician", "clinic")
        .order_by("created_at")
    )


def invitation_get_for_youth(*, youth: User, invitation_id: int) -> CareInvitation | None:
    return CareInvitation.objects.filter(
        pk=invitation_id, youth=youth, status=CareInvitation.Status.PENDING
    ).first()


def invitations_sent_by(*, clinician: User) -> list[CareInvitation]:
    return list(
        CareInvitation.objects.filter(clinician=clinician)
        .select_related("youth")
        .order_by("-created_at")[:50]
    )


def youth_in_clinic_by_handle(*, clinician: User, handle: str) -> User | None:
    """A youth enrolled at one of the clinician's clinics, by exact handle (case-insensitive)."""
    return (
        User.objects.filter(
            role="youth",
            is_active=True,
            username__iexact=handle.strip(),
            clinic_memberships__clinic__memberships__user=clinician,
        )
        .distinct()
        .first()
    )


def thread_for(*, link: CareLink, viewer: User) -> list[CareMessage]:
    """The conversation as `viewer` may see it.

    The youth sees their own messages in every state (with a note while screening runs) and the
    clinician's; the clinician sees the youth's only once published: a held message waits for a
    moderator to release it (its flag, not the thread, is how staff learn of it).
    """
    rows: QuerySet[CareMessage] = CareMessage.objects.filter(link=link)
    if viewer.pk == link.clinician_id:
        rows = rows.exclude(
            sender_id=link.youth_id, status__in=[MessageStatus.PENDING, MessageStatus.HELD]
        )
    rows = rows.exclude(status=MessageStatus.REMOVED, sender_id=link.youth_id)
    return list(rows.select_related("sender").order_by("created_at", "id")[:500])


def unread_count_for_clinician(*, clinician: User) -> int:
    return (
        CareMessage.objects.filter(
            link__clinician=clinician,
            link__ended_at__isnull=True,
            read_at__isnull=True,
            status=MessageStatus.PUBLISHED,
        )
        .exclude(sender=clinician)
        .count()
    )


def session_plan_for(*, link: CareLink) -> SessionPlan | None:
    return SessionPlan.objects.filter(
        clinician_id=link.clinician_id, youth_id=link.youth_id
    ).first()


def audit_for_youth(*, youth: User) -> list[AccessLog]:
    return list(access_log_for_youth(youth=youth)[:500])


def message_get_for_screening(*, message_id: int) -> CareMessage | None:
    return CareMessage.objects.select_related("link").filter(pk=message_id).first()


def message_lock_for_screening(*, message_id: int) -> CareMessage:
    """Lock the row inside moderation's transaction; raises DoesNotExist."""
    return CareMessage.objects.select_for_update().select_related("link").get(pk=message_id)


def messages_pending_older_than(*, seconds: int) -> QuerySet[CareMessage]:
    cutoff = timezone.now() - dt.timedelta(seconds=seconds)
    return CareMessage.objects.filter(
        status=MessageStatus.PENDING, pending_since__lt=cutoff
    ).order_by("pending_since")


def messages_recent_by_author(*, author_id: int, limit: int = 20) -> list[CareMessage]:
    """A youth's latest messages in every state, newest first (for moderators' author history)."""
    return list(
        CareMessage.objects.filter(sender_id=author_id, link__youth_id=author_id)
        .select_related("link")
        .order_by("-created_at", "-id")[:limit]
    )


def message_revisions_published() -> Iterator[tuple[int, int]]:
    """(message id, revision) of every published youth message (reconcile: all were screened).

    Clinicians' messages are published without screening by design and are left out.
    """
    return (
        CareMessage.objects.filter(status=MessageStatus.PUBLISHED, sender_id=F("link__youth_id"))
        .values_list("pk", "revision")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
