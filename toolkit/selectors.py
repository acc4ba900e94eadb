"""Reads for the toolkit. Every read is scoped to the owner; other apps call only these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, F, QuerySet
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
