"""Reads of other apps' data that have no selector there yet (requested in the issue 7 report).

The caseload needs aggregates over hundreds of youths in a handful of queries, which the
per-youth selectors of journeys, toolkit and moderation cannot give without N+1. This module is
the only place in care that touches another app's models; each function says which app it
stands in for. Callers check consent first: nothing here knows about scopes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.utils import timezone

from journeys.models import JourneyProgress, StepCompletion
from moderation.models import Flag, StaffedHours
from toolkit.models import DailyCheckIn

# Tiers a clinician can act on for one youth (reports and pre-moderation are not about risk).
RISK_TIERS = ("crisis", "elevated", "unscored")


# --- moderation ---------------------------------------------------------------------------------
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
    return (
        Flag.objects.filter(author_id=youth_id, tier__in=RISK_TIERS)
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
    return list(StaffedHours.objects.filter(clinic_id=clinic_id).order_by("weekday", "opens_at"))


def clinic_staffed_now(*, clinic_id: int) -> bool:
    from moderation.services.escalation import clinic_is_staffed

    return clinic_is_staffed(clinic_id)


# --- toolkit ------------------------------------------------------------------------------------
def checkin_trends(*, youth_ids: QuerySet[Any], today: dt.date | None = None) -> dict[int, Any]:
    """Per youth: mean mood of the last 7 days and of the 7 before (None where no check-in)."""
    today = today or timezone.localdate()
    split = today - dt.timedelta(days=6)
    start = today - dt.timedelta(days=13)
    rows = (
        DailyCheckIn.objects.filter(owner_id__in=youth_ids, day__gte=start, day__lte=today)
        .values("owner_id")
        .annotate(
            recent=Avg("mood", filter=Q(day__gte=split)),
            earlier=Avg("mood", filter=Q(day__lt=split)),
            last_day=Max("day"),
        )
    )
    return {row["owner_id"]: row for row in rows}


def checkin_outcomes(*, youth_ids: QuerySet[Any]) -> dict[int, dict[str, Any]]:
    """Per youth: number of check-ins, first and last mood (anonymised outcome dataset)."""
    result: dict[int, dict[str, Any]] = {}
    rows = DailyCheckIn.objects.filter(owner_id__in=youth_ids).order_by("owner_id", "day")
    for row in rows.values("owner_id", "mood"):
        entry = result.setdefault(row["owner_id"], {"count": 0, "first": row["mood"]})
        entry["count"] += 1
        entry["last"] = row["mood"]
    return result


# --- journeys -----------------------------------------------------------------------------------
def journey_counts(*, youth_ids: QuerySet[Any]) -> dict[int, dict[str, int]]:
    """Per youth: journeys in progress and completed."""
    rows = (
        JourneyProgress.objects.filter(youth_id__in=youth_ids)
        .values("youth_id")
        .annotate(
            in_progress=Count("id", filter=Q(completed_at__isnull=True)),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
        )
    )
    return {
        row["youth_id"]: {"in_progress": row["in_progress"], "completed": row["completed"]}
        for row in rows
    }


def step_completions_between(
    *, youth_id: int, since: dt.datetime, until: dt.datetime
) -> list[StepCompletion]:
    return list(
        StepCompletion.objects.filter(
            youth_id=youth_id, completed_at__gte=since, completed_at__lte=until
        )
        .select_related("step", "step__journey")
        .order_by("completed_at")
    )


def step_completions_all(*, youth_id: int) -> list[StepCompletion]:
    return list(
        StepCompletion.objects.filter(youth_id=youth_id)
        .select_related("step", "step__journey")
        .order_by("completed_at")
    )


# --- GDPR: reads and erasure with no service in their app yet (requested in the report) --------
def community_extra_for_youth(*, youth_id: int) -> dict[str, Any]:
    """Reactions and reports the youth made (community has selectors for posts only)."""
    from community.models import Reaction, Report

    return {
        "reactions": [
            {"post_id": r.post_id, "kind": r.kind, "created_at": r.created_at.isoformat()}
            for r in Reaction.objects.filter(user_id=youth_id).order_by("created_at")
        ],
        "reports": [
            {
                "post_id": r.post_id,
                "category": r.category,
                "note": r.note,
                "status": r.status,
            }
            for r in Report.objects.filter(reporter_id=youth_id).order_by("pk")
        ],
    }


def moderation_records_for_youth(*, youth_id: int) -> dict[str, Any]:
    """What moderation holds about the youth: flags (no scores), sanctions, appeals, messages."""
    from moderation.models import PrivateMessage, Sanction

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


def who5_outcomes(*, youth_ids: QuerySet[Any]) -> dict[int, dict[str, Any]]:
    from toolkit.models import Who5Response

    result: dict[int, dict[str, Any]] = {}
    rows = Who5Response.objects.filter(owner_id__in=youth_ids).order_by("owner_id", "completed_at")
    for row in rows.values("owner_id", "percentage"):
        entry = result.setdefault(row["owner_id"], {"first": row["percentage"]})
        entry["last"] = row["percentage"]
    return result


def erase_youth_content(*, youth_id: int) -> dict[str, int]:
    """Delete what the youth wrote or logged in journeys, toolkit and community.

    Kept on purpose: posts that are the subject of an unresolved flag keep their text until a
    moderator resolves it (the safety record), and moderation's own records. Every other post of
    the youth is withdrawn by community's service first (so peers' screens update) and then
    emptied here, since community has no erase service yet.
    """
    from community import services as community_services
    from community.models import Post, Reaction, Report, ThemeFilter
    from journeys.models import JourneySuggestion, Reflection
    from toolkit.models import SafetyPlan, Strategy, Who5Response

    counts: dict[str, int] = {}
    author = Post.objects.filter(author_id=youth_id).first()
    if author is not None:
        youth = author.author
        for post in Post.objects.filter(author_id=youth_id).exclude(status=Post.Status.REMOVED):
            community_services.post_delete_by_author(post=post, author=youth)
    flagged = Flag.objects.filter(subject_type="post").exclude(status=Flag.Status.RESOLVED)
    counts["posts_emptied"] = (
        Post.objects.filter(author_id=youth_id)
        .exclude(pk__in=flagged.values("subject_id"))
        .update(body="")
    )
    for label, queryset in (
        ("reactions", Reaction.objects.filter(user_id=youth_id)),
        ("reports", Report.objects.filter(reporter_id=youth_id)),
        ("theme_filters", ThemeFilter.objects.filter(user_id=youth_id)),
        ("reflections", Reflection.objects.filter(youth_id=youth_id)),
        ("step_completions", StepCompletion.objects.filter(youth_id=youth_id)),
        ("journey_progress", JourneyProgress.objects.filter(youth_id=youth_id)),
        ("journey_suggestions", JourneySuggestion.objects.filter(youth_id=youth_id)),
        ("strategies", Strategy.objects.filter(owner_id=youth_id)),
        ("safety_plan", SafetyPlan.objects.filter(owner_id=youth_id)),
        ("checkins", DailyCheckIn.objects.filter(owner_id=youth_id)),
        ("who5", Who5Response.objects.filter(owner_id=youth_id)),
    ):
        counts[label] = queryset.delete()[0]
    return counts
