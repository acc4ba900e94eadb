"""Reads of moderation's records that moderation has no selector for yet.

Community, journeys and toolkit are read only through their own selectors and `erasure`
modules (import-linter forbids care their models). Moderation's flags and sanctions are still
read here, the one place in care that touches moderation's models, until moderation offers the
same bulk reads. Callers check consent first: nothing here knows about scopes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from moderation.models import Flag, StaffedHours

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


# --- GDPR ---------------------------------------------------------------------------------------
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


def open_flagged_post_ids() -> QuerySet[Any]:
    """Ids of posts under an unresolved flag (a subquery): their text is kept on erasure."""
    return (
        Flag.objects.filter(subject_type="post")
        .exclude(status=Flag.Status.RESOLVED)
        .values_list("subject_id", flat=True)
    )
