"""Reads for the toolkit. Every read is scoped to the owner; other apps call only these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from toolkit.models import DailyCheckIn, SafetyPlan, Strategy, StrategyUse, Who5Response
from toolkit.who5 import Band, who5_score, who5_timepoint_due


def strategy_list_for_youth(*, youth: User) -> QuerySet[Strategy]:
    """The youth's strategies, favourites first, newest first within each group."""
    return Strategy.objects.filter(owner=youth).order_by("-is_favourite", "-created_at")


def access_strategy(*, youth: User, strategy_id: int) -> Strategy:
    """The youth's own strategy; Http404 for anyone else's (no hint that it exists)."""
    strategy = Strategy.objects.filter(owner=youth, pk=strategy_id).first()
    if strategy is None:
        raise Http404
    return strategy


def access_strategy_use(*, youth: User, use_id: int) -> StrategyUse:
    use = StrategyUse.objects.filter(strategy__owner=youth, pk=use_id).select_related("strategy")
    found = use.first()
    if found is None:
        raise Http404
    return found


def strategy_saved_keys(*, youth: User, journey_slug: str) -> set[str]:
    """Step keys of a journey whose strategy the youth already saved (for "saved" labels)."""
    return set(
        Strategy.objects.filter(
            owner=youth, source=Strategy.Source.JOURNEY, journey_slug=journey_slug
        ).values_list("journey_step_key", flat=True)
    )


@dataclass(frozen=True, slots=True)
class HelpedRow:
    strategy: Strategy
    uses: int
    average_change: float  # mean of (mood after - mood before), -10..10


def what_helped(*, youth: User) -> list[HelpedRow]:
    """Average mood change per strategy over finished uses, most helpful first."""
    rows = (
        StrategyUse.objects.filter(strategy__owner=youth, mood_after__isnull=False)
        .values("strategy_id")
        .annotate(uses=Count("id"), change=Avg(F("mood_after") - F("mood_before")))
        .order_by("-change", "-uses")
    )
    strategies = {s.pk: s for s in Strategy.objects.filter(owner=youth)}
    return [
        HelpedRow(
            strategy=strategies[row["strategy_id"]],
            uses=row["uses"],
            average_change=round(float(row["change"]), 1),
        )
        for row in rows
    ]


def safety_plan_for_youth(*, youth: User) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(owner=youth).first()


def checkin_for_day(*, youth: User, day: dt.date | None = None) -> DailyCheckIn | None:
    return DailyCheckIn.objects.filter(owner=youth, day=day or timezone.localdate()).first()


def checkin_trend(*, youth: User, days: int = 30) -> list[DailyCheckIn]:
    """Check-ins of the last `days` days, oldest first (for the trend chart and table)."""
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return list(DailyCheckIn.objects.filter(owner=youth, day__gte=since).order_by("day"))


def who5_history(*, youth: User) -> list[Who5Response]:
    return list(Who5Response.objects.filter(owner=youth).order_by("completed_at"))


def who5_due_for(*, youth: User, now: dt.datetime | None = None) -> str | None:
    """The WHO-5 timepoint the youth should be asked now (sign-up, 6 or 12 weeks), or None."""
    if not youth.is_authenticated or not youth.is_youth:
        return None
    done = set(Who5Response.objects.filter(owner=youth).values_list("timepoint", flat=True))
    return who5_timepoint_due(joined=youth.date_joined, done=done, now=now or timezone.now())


def who5_band(response: Who5Response) -> Band:
    return who5_score(response.answers).band


# --- Reads for other apps (clinician workspace, session summaries, GDPR export) ----------------
# These return plain data and check no consent: the caller (issue 7's clinician workspace) checks
# the care link's scope first (Scope.CHECKINS for check-ins and WHO-5, Scope.TOOLKIT for the
# toolkit), through `toolkit.permissions.youth_shares_scope` or its own guardian grants.


def checkin_series(*, youth: User, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Daily mood scores in [since, until], oldest first. Words and notes are left out."""
    rows = DailyCheckIn.objects.filter(owner=youth, day__gte=since, day__lte=until).order_by("day")
    return [{"day": row.day, "mood": row.mood, "checkin_id": row.pk} for row in rows]


def who5_series(*, youth: User) -> list[dict[str, Any]]:
    """Every WHO-5 questionnaire: timepoint, when, raw score and percentage."""
    return [
        {
            "response_id": r.pk,
            "timepoint": r.timepoint,
            "completed_at": r.completed_at,
            "raw_score": r.raw_score,
            "percentage": r.percentage,
        }
        for r in who5_history(youth=youth)
    ]


def strategy_use_summary(
    *, youth: User, since: dt.datetime, until: dt.datetime, language: str = "da"
) -> list[dict[str, Any]]:
    """Uses per strategy started in [since, until]; average mood change over finished uses."""
    uses = StrategyUse.objects.filter(
        strategy__owner=youth, started_at__gte=since, started_at__lte=until
    ).select_related("strategy")
    grouped: dict[int, dict[str, Any]] = {}
    for use in uses:
        row = grouped.setdefault(
            use.strategy_id,
            {
                "strategy_id": use.strategy_id,
                "title": use.strategy.title_in(language),
                "source": use.strategy.source,
                "uses": 0,
                "changes": [],
            },
        )
        row["uses"] += 1
        if use.mood_after is not None:
            row["changes"].append(use.mood_after - use.mood_before)
    result = []
    for row in grouped.values():
        changes = row.pop("changes")
        row["average_change"] = round(sum(changes) / len(changes), 1) if changes else None
        result.append(row)
    return sorted(result, key=lambda r: -r["uses"])


def toolkit_export_for_youth(*, youth: User) -> dict[str, Any]:
    """Everything the toolkit holds about the youth, JSON-ready (GDPR access request)."""
    plan = safety_plan_for_youth(youth=youth)
    return {
        "strategies": [
            {
                "id": s.pk,
                "source": s.source,
                "journey_slug": s.journey_slug,
                "journey_step_key": s.journey_step_key,
                "journey_version": s.journey_version,
                "title": s.title,
                "steps": s.steps,
                "is_favourite": s.is_favourite,
                "created_at": s.created_at.isoformat(),
                "uses": [
                    {
                        "mood_before": u.mood_before,
                        "mood_after": u.mood_after,
                        "started_at": u.started_at.isoformat(),
                        "finished_at": u.finished_at.isoformat() if u.finished_at else None,
                    }
                    for u in s.uses.order_by("started_at")
                ],
            }
            for s in Strategy.objects.filter(owner=youth).order_by("created_at")
        ],
        "safety_plan": None
        if plan is None
        else {
            "version": plan.version,
            "sections": plan.sections,
            "versions": [
                {"version": v.version, "sections": v.sections, "saved_at": v.saved_at.isoformat()}
                for v in plan.versions.order_by("version")
            ],
        },
        "checkins": [
            {"day": c.day.isoformat(), "mood": c.mood, "word": c.word, "note": c.note}
            for c in DailyCheckIn.objects.filter(owner=youth).order_by("day")
        ],
        "who5": [
            {
                "timepoint": r.timepoint,
                "answers": r.answers,
                "raw_score": r.raw_score,
                "percentage": r.percentage,
                "completed_at": r.completed_at.isoformat(),
            }
            for r in who5_history(youth=youth)
        ],
    }


# --- Many youths at once (the clinician caseload and the outcome dataset) -----------------------
# `youth_ids` may be a values() queryset: it stays a subquery, so each read is one query however
# many youths a clinician has. The caller checks consent; nothing here knows about scopes.
YouthIds = QuerySet[Any] | Iterable[int]


def checkin_trends_for_youths(
    *, youth_ids: YouthIds, today: dt.date | None = None
) -> dict[int, dict[str, Any]]:
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
    return {row["owner_id"]: dict(row) for row in rows}


def checkin_outcomes_for_youths(*, youth_ids: YouthIds) -> dict[int, dict[str, Any]]:
    """Per youth: number of check-ins, first and last mood (anonymised outcome dataset)."""
    result: dict[int, dict[str, Any]] = {}
    rows = DailyCheckIn.objects.filter(owner_id__in=youth_ids).order_by("owner_id", "day")
    for row in rows.values("owner_id", "mood"):
        entry = result.setdefault(row["owner_id"], {"count": 0, "first": row["mood"]})
        entry["count"] += 1
        entry["last"] = row["mood"]
    return result


def who5_outcomes_for_youths(*, youth_ids: YouthIds) -> dict[int, dict[str, Any]]:
    """Per youth: first and last WHO-5 percentage (anonymised outcome dataset)."""
    result: dict[int, dict[str, Any]] = {}
    rows = Who5Response.objects.filter(owner_id__in=youth_ids).order_by("owner_id", "completed_at")
    for row in rows.values("owner_id", "percentage"):
        entry = result.setdefault(row["owner_id"], {"first": row["percentage"]})
        entry["last"] = row["percentage"]
    return result
