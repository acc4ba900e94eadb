"""Reads for moderation: queues, flag cards with evidence highlighted, history, degraded state.

The "For care (contract)" section at the end is the read surface the clinician workspace uses
(import-linter forbids care moderation's models); its names are a contract.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from moderation import permissions, risk
from moderation.models import (
    PRIVATE_SUBJECT_TYPES,
    Flag,
    FlagEvent,
    PrivateMessage,
    RiskAssessment,
    Sanction,
    StaffedHours,
)
from moderation.permissions import Action
from moderation.subjects import Subject, adapter_for

# A card stops saying its highlights are coming this long after scoring, even if the mark is
# still set (a worker killed mid-task leaves it): highlights are a help, never a wait.
EVIDENCE_PENDING_MAX_SECONDS = 10 * 60


def highlight_evidence(text: str, spans: Sequence[Sequence[float]]) -> SafeString:
    """Escape `text` and wrap the evidence spans in <mark>. Overlapping spans are merged.

    Offsets index the scored text; spans outside it are clipped, so a stale span never breaks
    the escaping.
    """
    cleaned = sorted(
        (max(0, int(s[0])), min(len(text), int(s[1]))) for s in spans if int(s[1]) > int(s[0])
    )
    merged: list[list[int]] = []
    for start, end in cleaned:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    cursor = 0
    for start, end in merged:
        parts.append(escape(text[cursor:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


def model_degraded() -> bool:
    """True when the model failed in this process or an unscored assessment is recent.

    The worker usually runs in another process, so the database is what the dashboard trusts.
    """
    if risk.model_degraded_in_process():
        return True
    window = dt.timedelta(seconds=settings.MODERATION["DEGRADED_WINDOW_SECONDS"])
    latest = RiskAssessment.objects.order_by("-created_at", "-id").first()
    return bool(
        latest is not None and not latest.scored and latest.created_at > timezone.now() - window
    )


def _visible_flags(user: Any) -> QuerySet[Flag]:
    clinic_ids = permissions.clinic_ids_for_moderator(user)
    flags = Flag.objects.filter(Q(clinic_id__in=clinic_ids) | Q(clinic__isnull=True))
    if not permissions.is_clinical(user):
        flags = flags.exclude(tier__in=["crisis"])  # crisis is the clinicians' queue
        flags = flags.exclude(subject_type__in=PRIVATE_SUBJECT_TYPES)  # private writing
    return flags


def flag_queue_for(user: Any, *, limit: int = 200) -> list[Flag]:
    """Unresolved flags `user` may work, most urgent first (tier, then due time)."""
    if not permissions.is_moderator(user):
        return []
    flags = _visible_flags(user).exclude(status=Flag.Status.RESOLVED)
    order = {"crisis": 0, "unscored": 1, "elevated": 2, "review": 3, "report": 4}
    rows = list(
        flags.select_related("assessment", "claimed_by", "author").order_by("due_at")[:limit]
    )
    rows.sort(key=lambda f: (order.get(f.tier, 9), f.due_at))
    return rows


def flags_resolved_for(user: Any, *, limit: int = 50) -> list[Flag]:
    if not permissions.is_moderator(user):
        return []
    return list(
        _visible_flags(user)
        .filter(status=Flag.Status.RESOLVED)
        .select_related("claimed_by")
        .order_by("-resolved_at")[:limit]
    )


def watch_list(*, clinic_ids: list[int] | None, hours: int | None = None) -> list[RiskAssessment]:
    """Low-level posts, published, kept in view of peer workers for WATCH_LIST_HOURS."""
    hours = hours or int(settings.MODERATION["WATCH_LIST_HOURS"])
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = RiskAssessment.objects.filter(level=1, scored=True, created_at__gte=since)
    if clinic_ids is not None:
        rows = rows.filter(Q(clinic_id__in=clinic_ids) | Q(clinic__isnull=True))
    return list(rows.order_by("-created_at")[:100])


def watch_list_for(user: Any) -> list[RiskAssessment]:
    if not permissions.is_moderator(user):
        return []
    return watch_list(clinic_ids=permissions.clinic_ids_for_moderator(user))


@dataclass
class FlagCard:
    """What a moderator sees of one flag: text with evidence, the author's record, actions."""

    flag: Flag
    subject: Subject | None
    text_html: SafeString
    seconds_left: int
    author_flags: list[Flag] = field(default_factory=list)
    author_sanctions: list[Sanction] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set)
    spans: list[Any] = field(default_factory=list)  # the highlighted [start, end, weight]s
    evidence_pending: bool = False  # the model's highlights are still being computed

    def as_json(self) -> dict[str, Any]:
        f = self.flag
        return {
            "id": f.pk,
            "tier": f.tier,
            "tier_label": str(f.get_tier_display()),
            "status": f.status,
            "status_label": str(f.get_status_display()),
            "category": f.category,
            "escalation_level": f.escalation_level,
            "opened_at": f.opened_at.isoformat(),
            "due_at": f.due_at.isoformat(),
            "seconds_left": self.seconds_left,
            "claimed_by": f.claimed_by.username if f.claimed_by else None,
            "text_html": str(self.text_html),
            "where": self.subject.label if self.subject else "",
            "author": f.author.username if f.author else None,
            "author_flag_count": len(self.author_flags),
            "author_sanctions": [s.get_kind_display() for s in self.author_sanctions],
            "model_version": f.assessment.model_version if f.assessment else "",
            "scored": f.assessment.scored if f.assessment else None,
            "allowed": sorted(self.allowed),
            "evidence": self.spans,
            "evidence_pending": self.evidence_pending,
            "evidence_note": _("Fremhævninger beregnes…") if self.evidence_pending else "",
        }


def flag_card(flag: Flag, *, viewer: Any) -> FlagCard:
    """Build one card. The text is the subject's current text with the assessment's spans."""
    subject = adapter_for(flag.subject_type).get(flag.subject_id)
    text = subject.text if subject else ""
    spans: list[Any] = []
    current = subject is not None and subject.revision == flag.revision
    if flag.assessment is not None and current:
        spans = list(flag.assessment.evidence)
    author_flags: list[Flag] = []
    author_sanctions: list[Sanction] = []
    if flag.author_id is not None:
        author_flags = list(
            Flag.objects.filter(author_id=flag.author_id)
            .exclude(pk=flag.pk)
            .order_by("-opened_at")[:10]
        )
        author_sanctions = list(
            Sanction.objects.filter(user_id=flag.author_id).order_by("-starts_at")[:10]
        )
    allowed = {a.value for a in Action if permissions.can_act(viewer, flag, a)}
    return FlagCard(
        flag=flag,
        subject=subject,
        text_html=highlight_evidence(text, spans),
        seconds_left=int((flag.due_at - timezone.now()).total_seconds()),
        author_flags=author_flags,
        author_sanctions=author_sanctions,
        allowed=allowed,
        spans=spans,
        evidence_pending=current and evidence_still_pending(flag.assessment),
    )


def evidence_still_pending(assessment: RiskAssessment | None) -> bool:
    """Whether the assessment's model highlights are still coming (`services.evidence`)."""
    if assessment is None or not assessment.evidence_pending:
        return False
    age = timezone.now() - assessment.created_at
    return age < dt.timedelta(seconds=EVIDENCE_PENDING_MAX_SECONDS)


def flag_history(flag: Flag, *, viewer: Any) -> list[FlagEvent]:
    """Every audit row of `flag`, oldest first; clinical notes only for clinical staff."""
    rows = flag.events.select_related("actor").order_by("at", "id")
    if not permissions.can_view_clinical_notes(viewer):
        rows = rows.exclude(clinical=True)
    return list(rows)


def open_appeals_for(user: Any) -> QuerySet[Any]:
    from moderation.models import Appeal

    if not permissions.is_moderator(user):
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(status=Appeal.Status.OPEN)
        .exclude(sanction__issued_by=user)
        .select_related("sanction", "sanction__user")
        .order_by("created_at")
    )


# --- For care (contract) ----------------------------------------------------------------------
# Care checks consent before calling these: nothing here knows about care's scopes. The bulk
# reads take a subquery of youth ids so the caseload and outcome pages stay one query each.

# Tiers a clinician can act on for one youth (reports and pre-moderation are not about risk).
CARE_RISK_TIERS = ("crisis", "elevated", "unscored")


def flag_counts_by_youth(
    *, youth_ids: QuerySet[Any], since: dt.datetime
) -> dict[int, dict[str, Any]]:
    """Per author: flags opened since `since` by tier, open flags, and the newest open flag."""
    rows = (
        Flag.objects.filter(author_id__in=youth_ids)
        .filter(Q(opened_at__gte=since) | ~Q(status=Flag.Status.RESOLVED))
        .values("author_id", "tier")
        .annotate(
            recent=Count("id", filter=Q(opened_at__gte=since)),
            open=Count("id", filter=~Q(status=Flag.Status.RESOLVED)),
            newest_open=Max("opened_at", filter=~Q(status=Flag.Status.RESOLVED)),
        )
    )
    result: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"by_tier": {}, "open": 0, "newest_open": None}
    )
    for row in rows:
        entry = result[row["author_id"]]
        if row["recent"]:
            entry["by_tier"][row["tier"]] = row["recent"]
        entry["open"] += row["open"]
        if row["newest_open"] and (
            entry["newest_open"] is None or row["newest_open"] > entry["newest_open"]
        ):
            entry["newest_open"] = row["newest_open"]
    return dict(result)


def flags_for_youth(
    *, youth_id: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[Flag]:
    """The youth's flags, newest first: tier, status and dates (the text stays in moderation)."""
    rows = Flag.objects.filter(author_id=youth_id)
    if since is not None:
        rows = rows.filter(opened_at__gte=since)
    if until is not None:
        rows = rows.filter(opened_at__lte=until)
    return list(rows.order_by("-opened_at")[:200])


def open_risk_flag_exists(*, youth_id: int) -> bool:
    """Whether the youth has an unresolved risk flag (gates care's crisis actions)."""
    return (
        Flag.objects.filter(author_id=youth_id, tier__in=CARE_RISK_TIERS)
        .exclude(status=Flag.Status.RESOLVED)
        .exists()
    )


def flag_tier_counts_for(*, youth_ids: QuerySet[Any]) -> dict[int, dict[str, int]]:
    """All-time flags per author and tier (for the anonymised outcome dataset)."""
    result: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Flag.objects.filter(author_id__in=youth_ids)
        .values("author_id", "tier")
        .annotate(n=Count("id"))
    )
    for row in rows:
        result[row["author_id"]][row["tier"]] = row["n"]
    return dict(result)


def staffed_hours_for(*, clinic_id: int) -> list[StaffedHours]:
    """The clinic's staffed hours by weekday, shown to the youth beside care messages."""
    return list(StaffedHours.objects.filter(clinic_id=clinic_id).order_by("weekday", "opens_at"))


def clinic_staffed_now(*, clinic_id: int) -> bool:
    """Whether the clinic is staffed now, by the same rule escalation pages by."""
    from moderation.services.escalation import clinic_is_staffed

    return clinic_is_staffed(clinic_id)


# GDPR: the youth's export, and what erasure must keep.
def moderation_records_for_youth(*, youth_id: int) -> dict[str, Any]:
    """What moderation holds about the youth: flags (no scores), sanctions, appeals, messages."""
    return {
        "flags": [
            {
                "tier": f.tier,
                "status": f.status,
                "opened_at": f.opened_at.isoformat(),
                "resolved_at": f.resolved_at.isoformat() if f.resolved_at else None,
                "resolution": f.resolution,
            }
            for f in Flag.objects.filter(author_id=youth_id).order_by("opened_at")
        ],
        "sanctions": [
            {
                "kind": s.kind,
                "reason": s.reason,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "appeal": None
                if not hasattr(s, "appeal")
                else {"body": s.appeal.body, "status": s.appeal.status, "answer": s.appeal.answer},
            }
            for s in Sanction.objects.filter(user_id=youth_id).order_by("starts_at")
        ],
        "messages_from_moderators": [
            {"body": m.body, "created_at": m.created_at.isoformat()}
            for m in PrivateMessage.objects.filter(recipient_id=youth_id).order_by("created_at")
        ],
    }


def open_flagged_post_ids() -> QuerySet[Any]:
    """Ids of posts under an unresolved flag (a subquery): their text is kept on erasure."""
    return (
        Flag.objects.filter(subject_type="post")
        .exclude(status=Flag.Status.RESOLVED)
        .values_list("subject_id", flat=True)
    )
