"""Writes for the toolkit: strategies and their use, the safety plan, check-ins and WHO-5."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from toolkit import permissions
from toolkit.models import (
    SAFETY_ITEM_MAX,
    SAFETY_ITEMS_MAX,
    STRATEGIES_PER_YOUTH_MAX,
    STRATEGY_STEP_MAX,
    STRATEGY_STEPS_MAX,
    STRATEGY_TITLE_MAX,
    DailyCheckIn,
    SafetyPlan,
    SafetyPlanSection,
    SafetyPlanVersion,
    Strategy,
    StrategyUse,
    Who5Response,
)
from toolkit.who5 import who5_score

logger = logging.getLogger(__name__)


class JourneyStrategyNotFound(LookupError):
    """The journey step does not exist or is not a try-it step with a strategy."""


def _journey_strategy(journey_slug: str, step_key: str) -> dict[str, Any] | None:
    """Ask journeys for a try-it step's strategy and normalise it to {title, steps, version}.

    `title` is {"da", "en"}; `steps` is {"da": [...], "en": [...]}. Accepts the selector's answer
    as a mapping or an object with attributes, and steps as a list of {"da", "en"} pairs or as
    per-language lists, so small changes in the journeys contract do not break saving.
    """
    from journeys import selectors as journey_selectors  # toolkit reads journeys, never the reverse

    found = journey_selectors.try_it_strategy(journey_slug, step_key)
    if not found:
        return None

    def field(name: str) -> Any:
        return found.get(name) if isinstance(found, dict) else getattr(found, name, None)

    title = dict(field("title") or {})
    raw_steps = field("steps") or []
    steps: dict[str, list[str]] = {"da": [], "en": []}
    if isinstance(raw_steps, dict):
        steps = {code: [str(s) for s in raw_steps.get(code, [])] for code in ("da", "en")}
    else:
        for step in raw_steps:
            for code in ("da", "en"):
                steps[code].append(str(step.get(code, "")) if isinstance(step, dict) else str(step))
    version = field("version") or field("journey_version")
    return {"title": title, "steps": steps, "version": int(version) if version else None}


def strategy_save_from_journey(
    *, youth: User, journey_slug: str, step_key: str
) -> tuple[Strategy, bool]:
    """Save a journey's try-it strategy into the youth's toolkit. Idempotent.

    Returns (strategy, created). Saving the same step twice returns the existing strategy; a
    unique constraint backs this up when two requests race.
    """
    existing = Strategy.objects.filter(
        owner=youth,
        source=Strategy.Source.JOURNEY,
        journey_slug=journey_slug,
        journey_step_key=step_key,
    ).first()
    if existing is not None:
        return existing, False
    content = _journey_strategy(journey_slug, step_key)
    if content is None:
        raise JourneyStrategyNotFound(f"{journey_slug}/{step_key}")
    try:
        with transaction.atomic():
            strategy = Strategy.objects.create(
                owner=youth,
                source=Strategy.Source.JOURNEY,
                journey_slug=journey_slug,
                journey_step_key=step_key,
                journey_version=content["version"],
                title=content["title"],
                steps=content["steps"],
            )
    except IntegrityError:  # a concurrent save won; keep that one
        strategy = Strategy.objects.get(
            owner=youth,
            source=Strategy.Source.JOURNEY,
            journey_slug=journey_slug,
            journey_step_key=step_key,
        )
        return strategy, False
    logger.info("toolkit.strategy.saved_from_journey", extra={"strategy_id": strategy.pk})
    return strategy, True


def _clean_own(title: str, steps: Sequence[str]) -> tuple[str, list[str]]:
    title = title.strip()
    cleaned = [step.strip() for step in steps if step.strip()]
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Giv strategien en titel.")]
    elif len(title) > STRATEGY_TITLE_MAX:
        errors["title"] = [_("Titlen må højst være %(n)s tegn.") % {"n": STRATEGY_TITLE_MAX}]
    if not cleaned:
        errors["steps"] = [_("Skriv mindst ét trin.")]
    elif len(cleaned) > STRATEGY_STEPS_MAX:
        errors["steps"] = [_("Højst %(n)s trin.") % {"n": STRATEGY_STEPS_MAX}]
    elif any(len(step) > STRATEGY_STEP_MAX for step in cleaned):
        errors["steps"] = [_("Hvert trin må højst være %(n)s tegn.") % {"n": STRATEGY_STEP_MAX}]
    if errors:
        raise ValidationError(errors)
    return title, cleaned


def strategy_create_own(
    *, youth: User, title: str, steps: Sequence[str], language: str
) -> Strategy:
    """A strategy the youth writes, stored in the language it was written in.

    Raises ValidationError on an empty or too long title or steps. Text is stored as written
    and escaped on output; it is never rendered as markup.
    """
    title, cleaned = _clean_own(title, steps)
    if Strategy.objects.filter(owner=youth).count() >= STRATEGIES_PER_YOUTH_MAX:
        raise ValidationError(_("Din værktøjskasse er fuld. Slet en strategi for at lave en ny."))
    code = language[:2] if language[:2] in {"da", "en"} else "da"
    strategy = Strategy.objects.create(
        owner=youth, source=Strategy.Source.OWN, title={code: title}, steps={code: cleaned}
    )
    logger.info("toolkit.strategy.created", extra={"strategy_id": strategy.pk})
    return strategy


def strategy_update_own(
    *, strategy: Strategy, title: str, steps: Sequence[str], language: str
) -> Strategy:
    """Edit a youth's own strategy. Journey strategies keep their text (only favourites change)."""
    if strategy.source != Strategy.Source.OWN:
        raise ValidationError(_("En strategi fra en rejse kan ikke redigeres."))
    title, cleaned = _clean_own(title, steps)
    code = language[:2] if language[:2] in {"da", "en"} else "da"
    strategy.title = {code: title}
    strategy.steps = {code: cleaned}
    strategy.save(update_fields=["title", "steps", "updated_at"])
    return strategy


def strategy_delete(*, strategy: Strategy) -> None:
    """Delete a strategy and its use log."""
    strategy_id = strategy.pk
    strategy.delete()
    logger.info("toolkit.strategy.deleted", extra={"strategy_id": strategy_id})


def strategy_favourite_set(*, strategy: Strategy, favourite: bool) -> Strategy:
    strategy.is_favourite = favourite
    strategy.save(update_fields=["is_favourite", "updated_at"])
    return strategy


def _check_mood(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValidationError(_("Vælg et tal fra 0 til 10."))
    return value


def strategy_use_start(*, strategy: Strategy, mood_before: int) -> StrategyUse:
    """Start "brug nu": log the mood before. The use is finished by `strategy_use_finish`."""
    return StrategyUse.objects.create(strategy=strategy, mood_before=_check_mood(mood_before))


def strategy_use_finish(*, use: StrategyUse, mood_after: int) -> StrategyUse:
    """Log the mood after. Finishing twice keeps the latest answer."""
    use.mood_after = _check_mood(mood_after)
    use.finished_at = timezone.now()
    use.save(update_fields=["mood_after", "finished_at"])
    return use


def safety_plan_get_or_create(*, youth: User) -> SafetyPlan:
    """The youth's plan; a new plan starts empty at version 0 and is shared per current consent."""
    plan, created = SafetyPlan.objects.get_or_create(owner=youth)
    if created:
        permissions.safety_plan_sync_permissions(youth=youth)
    return plan


@transaction.atomic
def safety_plan_section_save(*, youth: User, section: str, items: Sequence[str]) -> SafetyPlan:
    """Replace one section's list and save a new version; earlier versions are kept.

    Locks the plan row so two tabs saving at once produce two versions, not one lost edit.
    """
    if section not in SafetyPlanSection.values:
        raise ValidationError(_("Ukendt afsnit."))
    cleaned = [item.strip() for item in items if item.strip()]
    if len(cleaned) > SAFETY_ITEMS_MAX:
        raise ValidationError(_("Højst %(n)s punkter.") % {"n": SAFETY_ITEMS_MAX})
    if any(len(item) > SAFETY_ITEM_MAX for item in cleaned):
        raise ValidationError(_("Hvert punkt må højst være %(n)s tegn.") % {"n": SAFETY_ITEM_MAX})
    safety_plan_get_or_create(youth=youth)
    plan = SafetyPlan.objects.select_for_update().get(owner=youth)
    sections = dict(plan.sections)
    sections[section] = cleaned
    plan.sections = sections
    plan.version += 1
    plan.updated_at = timezone.now()
    plan.save(update_fields=["sections", "version", "updated_at"])
    SafetyPlanVersion.objects.create(
        plan=plan, version=plan.version, sections=sections, saved_at=plan.updated_at
    )
    logger.info("toolkit.safety_plan.saved", extra={"plan_id": plan.pk, "version": plan.version})
    return plan


def checkin_save(
    *, youth: User, mood: int, word: str = "", note: str = "", day: dt.date | None = None
) -> DailyCheckIn:
    """Today's check-in: created on the first save of the day, updated on later ones."""
    day = day or timezone.localdate()
    checkin, _created = DailyCheckIn.objects.update_or_create(
        owner=youth,
        day=day,
        defaults={"mood": _check_mood(mood), "word": word.strip(), "note": note.strip()},
    )
    return checkin


def who5_submit(*, youth: User, timepoint: str, answers: Sequence[int]) -> Who5Response:
    """Store a WHO-5 questionnaire with its score. One per timepoint; a repeat updates it."""
    score = who5_score(list(answers))
    response, _created = Who5Response.objects.update_or_create(
        owner=youth,
        timepoint=timepoint,
        defaults={
            "answers": list(answers),
            "raw_score": score.raw,
            "percentage": score.percentage,
            "completed_at": timezone.now(),
        },
    )
    logger.info("toolkit.who5.submitted", extra={"response_id": response.pk})
    return response
