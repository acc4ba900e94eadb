"""Journeys' part of a youth's GDPR rights: its own export and its own erasure.

Care's export and account deletion call these; only journeys knows which of its tables hold a
youth's data. Journeys and steps are content, not personal data, and stay.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from journeys.models import JourneyProgress, JourneySuggestion, Reflection, StepCompletion
from journeys.selectors import progress_for_youth, reflections_for_youth, suggestions_for_youth


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(*, user: Any) -> dict[str, Any]:
    """Progress, steps done, reflections (with their text) and clinicians' suggestions."""
    return {
        "progress": [
            {
                "journey": p.journey.slug,
                "started_at": _iso(p.started_at),
                "completed_at": _iso(p.completed_at),
            }
            for p in progress_for_youth(youth=user).values()
        ],
        "steps_done": [
            {"journey": c.step.journey.slug, "step": c.step.key, "at": _iso(c.completed_at)}
            for c in StepCompletion.objects.filter(youth=user)
            .select_related("step", "step__journey")
            .order_by("completed_at")
        ],
        "reflections": [
            {
                "journey": r.step.journey.slug,
                "step": r.step.key,
                "body": r.body,
                "updated_at": _iso(r.updated_at),
            }
            for r in reflections_for_youth(youth=user)
        ],
        "suggestions": [
            {"journey": s.journey.slug, "note": s.suggestion.note}
            for s in suggestions_for_youth(youth=user, limit=1000)
        ],
    }


@transaction.atomic
def erase_user_data(*, user: Any) -> dict[str, int]:
    """Delete the youth's reflections, completions, progress and the suggestions made to them."""
    counts: dict[str, int] = {}
    for label, queryset in (
        ("reflections", Reflection.objects.filter(youth=user)),
        ("step_completions", StepCompletion.objects.filter(youth=user)),
        ("journey_progress", JourneyProgress.objects.filter(youth=user)),
        ("journey_suggestions", JourneySuggestion.objects.filter(youth=user)),
    ):
        counts[label] = queryset.delete()[0]
    return counts
