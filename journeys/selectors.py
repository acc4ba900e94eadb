"""Reads for journeys. Moderation calls the `reflection_*` screening reads and toolkit calls
`try_it_strategy`; their names are a contract.

Every read of a youth's own data takes the youth as an argument and filters on it, so a view
cannot fetch another youth's progress or reflections by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.enrolment import age_in_years
from journeys.models import (
    Journey,
    JourneyProgress,
    JourneySuggestion,
    Reflection,
    ScreeningStatus,
    Step,
    StepCompletion,
)


# --- Content ---------------------------------------------------------------------------------
def age_band_for(*, user: Any, today: dt.date | None = None) -> str | None:
    """The content age band ("12-14", "15-17", "18-25") of a user, None when unknown."""
    if not getattr(user, "birth_year", None) or not getattr(user, "birth_month", None):
        return None
    today = today or timezone.localdate()
    age = age_in_years(birth_year=user.birth_year, birth_month=user.birth_month, today=today)
    if age <= 14:
        return "12-14"
    if age <= 17:
        return "15-17"
    return "18-25"


def journeys_for_user(*, user: Any, today: dt.date | None = None) -> list[Journey]:
    """Published journeys for the user's age band (all of them when the age is unknown)."""
    band = age_band_for(user=user, today=today)
    journeys = list(Journey.objects.filter(is_published=True).order_by("slug"))
    if band is None:
        return journeys
    return [journey for journey in journeys if band in journey.age_bands]


def journey_get_published(*, slug: str) -> Journey | None:
    return Journey.objects.filter(slug=slug, is_published=True).first()


def steps_active(*, journey: Journey) -> list[Step]:
    """The journey's current steps in order (retired steps left out)."""
    return list(journey.steps.filter(is_retired=False).order_by("order"))


def try_it_strategy(journey_slug: str, step_key: str) -> dict[str, Any] | None:
    """The strategy a try_it step offers for the toolkit, in both languages, or None.

    Returns {"journey_slug", "journey_version", "step_key", "title": {da, en},
    "steps": [{da, en}, ...], "action": {da, en}}.
    """
    step = (
        Step.objects.select_related("journey")
        .filter(
            journey__slug=journey_slug,
            journey__is_published=True,
            key=step_key,
            kind=Step.Kind.TRY_IT,
            is_retired=False,
        )
        .first()
    )
    if step is None:
        return None
    strategy = step.data.get("strategy") or {}
    return {
        "journey_slug": step.journey.slug,
        "journey_version": step.journey.version,
        "step_key": step.key,
        "title": dict(strategy.get("title") or {}),
        "steps": [dict(item) for item in strategy.get("steps") or []],
        "action": dict(step.data.get("action") or {}),
    }


# --- A youth's progress ------------------------------------------------------------------------
def progress_get(*, youth: Any, journey: Journey) -> JourneyProgress | None:
    return (
        JourneyProgress.objects.select_related("current_step")
        .filter(youth=youth, journey=journey)
        .first()
    )


def progress_for_youth(*, youth: Any) -> dict[int, JourneyProgress]:
    """The youth's progress rows keyed by journey id."""
    rows = JourneyProgress.objects.filter(youth=youth).select_related("current_step", "journey")
    return {row.journey_id: row for row in rows}


def completed_step_ids(*, youth: Any, journey: Journey) -> set[int]:
    return set(
        StepCompletion.objects.filter(youth=youth, step__journey=journey).values_list(
            "step_id", flat=True
        )
    )


def completion_get(*, youth: Any, step: Step) -> StepCompletion | None:
    return StepCompletion.objects.filter(youth=youth, step=step).first()


def step_to_resume(*, youth: Any, journey: Journey) -> Step | None:
    """Where "fortsæt hvor du slap" goes: the saved step if active, else the first not done."""
    steps = steps_active(journey=journey)
    if not steps:
        return None
    progress = progress_get(youth=youth, journey=journey)
    if progress is not None and progress.current_step is not None:
        current = progress.current_step
        if not current.is_retired and current.journey_id == journey.pk:
            return current
    done = completed_step_ids(youth=youth, journey=journey)
    return next((step for step in steps if step.pk not in done), steps[-1])


def recent_journeys_for_youth(*, youth: Any, limit: int = 3) -> list[Journey]:
    """The journeys the youth touched most recently, newest first."""
    rows = (
        JourneyProgress.objects.filter(youth=youth, journey__is_published=True)
        .select_related("journey")
        .order_by("-updated_at")[:limit]
    )
    return [row.journey for row in rows]


# --- Reflections -------------------------------------------------------------------------------
def reflection_get_for_youth(*, youth: Any, step: Step) -> Reflection | None:
    return Reflection.objects.filter(youth=youth, step=step).first()


def reflection_get_owned(*, youth: Any, reflection_id: int) -> Reflection | None:
    """The reflection only if `youth` wrote it: views turn None into 404."""
    return (
        Reflection.objects.select_related("step", "step__journey")
        .filter(pk=reflection_id, youth=youth)
        .first()
    )


def reflections_for_youth(*, youth: Any) -> QuerySet[Reflection]:
    return (
        Reflection.objects.filter(youth=youth)
        .select_related("step", "step__journey")
        .order_by("-updated_at")
    )


def recent_reflection_bodies(*, youth: Any, limit: int = 5, days: int = 30) -> list[str]:
    """Recent reflection texts, for the recommender's embedding only (never stored or logged)."""
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        Reflection.objects.filter(youth=youth, updated_at__gte=since)
        .order_by("-updated_at")
        .values_list("body", flat=True)[:limit]
    )


def reflection_get_for_screening(*, reflection_id: int) -> Reflection | None:
    """The reflection moderation scores, or None when it no longer exists."""
    return Reflection.objects.select_related("youth").filter(pk=reflection_id).first()


def reflection_lock_for_screening(*, reflection_id: int) -> Reflection:
    """Lock the row (select_for_update) inside moderation's transaction; raises DoesNotExist."""
    return Reflection.objects.select_for_update().get(pk=reflection_id)


def reflections_pending_older_than(*, seconds: int) -> QuerySet[Reflection]:
    """PENDING reflections last written more than `seconds` ago: the sweep re-requests them."""
    cutoff = timezone.now() - dt.timedelta(seconds=seconds)
    return Reflection.objects.filter(
        screening_status=ScreeningStatus.PENDING, updated_at__lt=cutoff
    ).order_by("updated_at")


def reflection_revisions_screened() -> list[tuple[int, int]]:
    """(id, revision) of every screened reflection, for moderation's reconcile."""
    return list(
        Reflection.objects.filter(screening_status=ScreeningStatus.SCREENED).values_list(
            "pk", "revision"
        )
    )


# --- Clinician suggestions ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SuggestionView:
    suggestion: JourneySuggestion
    journey: Journey
    step: Step | None


def suggestions_for_youth(*, youth: Any, limit: int = 10) -> list[SuggestionView]:
    """Suggestions for journeys the youth has not completed, newest first."""
    completed = JourneyProgress.objects.filter(youth=youth, completed_at__isnull=False).values(
        "journey_id"
    )
    rows = (
        JourneySuggestion.objects.filter(youth=youth, journey__is_published=True)
        .exclude(journey_id__in=completed)
        .select_related("journey", "step")
        .order_by("-created_at")[:limit]
    )
    return [SuggestionView(row, row.journey, row.step) for row in rows]


@dataclass(frozen=True, slots=True)
class SuggestionStatus:
    suggestion: JourneySuggestion
    done: bool  # the suggested step (or the whole journey) was completed after the suggestion
    done_at: dt.datetime | None


def suggestions_with_status(*, clinician: Any, youth: Any) -> list[SuggestionStatus]:
    """A clinician's suggestions to one youth and whether each was done (blended care, issue 7).

    Reads progress, so the caller must first check the youth's JOURNEYS consent scope.
    """
    rows = (
        JourneySuggestion.objects.filter(clinician=clinician, youth=youth)
        .select_related("journey", "step")
        .order_by("-created_at")
    )
    result = []
    for row in rows:
        done_at: dt.datetime | None
        if row.step_id is not None:
            done_at = (
                StepCompletion.objects.filter(
                    youth=youth, step_id=row.step_id, completed_at__gte=row.created_at
                )
                .values_list("completed_at", flat=True)
                .first()
            )
        else:
            done_at = (
                JourneyProgress.objects.filter(
                    youth=youth, journey_id=row.journey_id, completed_at__gte=row.created_at
                )
                .values_list("completed_at", flat=True)
                .first()
            )
        result.append(SuggestionStatus(row, done_at is not None, done_at))
    return result


# --- Many youths at once (the clinician caseload, session prep, the outcome dataset) ------------
# `youth_ids` may be a values() queryset: it stays a subquery, so each read is one query however
# many youths a clinician has. Callers check the JOURNEYS consent scope first.
YouthIds = QuerySet[Any] | Iterable[int]


def journey_counts_for_youths(*, youth_ids: YouthIds) -> dict[int, dict[str, int]]:
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
    *, youth_id: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[StepCompletion]:
    """One youth's completed steps in time order, with step and journey (session prep, export)."""
    rows = StepCompletion.objects.filter(youth_id=youth_id)
    if since is not None:
        rows = rows.filter(completed_at__gte=since)
    if until is not None:
        rows = rows.filter(completed_at__lte=until)
    return list(rows.select_related("step", "step__journey").order_by("completed_at"))
