"""Writes for journeys. Moderation calls `reflection_mark_screened`; the clinician workspace
calls `journey_suggest`; `manage.py load_journeys` and the demo call `journeys_load`.

Rules every function here keeps:
- A reflection is saved PENDING and screened through `journeys.screening` on commit.
- Reflection text is never logged; logs carry ids only (STYLE.md section 7).
- Content reloads never delete a step: removed keys are retired, so progress and private
  reflections survive a new content version.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CareLink, Role
from journeys import screening, selectors, validation
from journeys.events import CRISIS_SUPPORT_TYPE, ReflectionCrisisSupport, channel_message
from journeys.models import (
    Journey,
    JourneyProgress,
    JourneySuggestion,
    Reflection,
    ScreeningStatus,
    Step,
    StepCompletion,
)
from realtime import groups
from realtime.publish import publish_on_commit

logger = logging.getLogger(__name__)

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent / "content"
REFLECTION_MAX_CHARS = 5000  # the same limit as a community post (community.limits)


class JourneyError(Exception):
    """A refused write with a message for people (Danish msgid)."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class ContentInvalid(Exception):
    """Content files the loader refuses; `problems` name file and line."""

    def __init__(self, problems: list[validation.ContentProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


# --- Loading content ---------------------------------------------------------------------------
@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired_steps: list[str] = field(default_factory=list)
    dry_run: bool = False


def _plain(value: Any) -> Any:
    """Line-tracking YAML containers to plain JSON values."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _step_data(step: dict[str, Any]) -> dict[str, Any]:
    skip = validation.COMMON_STEP | {"frame"}
    return {key: _plain(value) for key, value in step.items() if key not in skip}


def _journey_write(data: dict[str, Any], report: LoadReport) -> None:
    slug = str(data["slug"])
    version = int(data["version"])
    journey = Journey.objects.select_for_update().filter(slug=slug).first()
    if journey is not None and journey.version >= version:
        # Same version: nothing to do (idempotent). An older file never overwrites newer text,
        # nor an admin's edit made under the same version.
        report.unchanged.append(slug)
        return
    fields = {
        "version": version,
        "topic": data["topic"],
        "basis": data["basis"],
        "age_bands": _plain(data["age_bands"]),
        "estimated_minutes": data["estimated_minutes"],
        "title": _plain(data["title"]),
        "summary": _plain(data["summary"]),
        "about": _plain(data["about"]),
        "loaded_at": timezone.now(),
    }
    if journey is None:
        journey = Journey.objects.create(slug=slug, **fields)
        report.created.append(slug)
    else:
        for name, value in fields.items():
            setattr(journey, name, value)
        journey.save()
        report.updated.append(slug)
    existing = {step.key: step for step in journey.steps.all()}
    keys_in_file: set[str] = set()
    for order, raw in enumerate(data["steps"], start=1):
        key = str(raw["key"])
        keys_in_file.add(key)
        values = {
            "order": order,
            "kind": raw["kind"],
            "frame": raw.get("frame", ""),
            "title": _plain(raw["title"]),
            "body": _plain(raw["body"]),
            "data": _step_data(raw),
            "is_retired": False,
        }
        step = existing.get(key)
        if step is None:
            Step.objects.create(journey=journey, key=key, **values)
        else:
            for name, value in values.items():
                setattr(step, name, value)
            step.save()
    for key, step in existing.items():
        if key not in keys_in_file and not step.is_retired:
            step.is_retired = True
            step.order = 1000 + step.order  # after every active step
            step.save(update_fields=["is_retired", "order"])
            report.retired_steps.append(f"{slug}/{key}")


def journeys_load(*, directory: Path = DEFAULT_CONTENT_DIR, dry_run: bool = False) -> LoadReport:
    """Validate every file in `directory`, then upsert journeys by slug and version.

    Refuses everything (raises ContentInvalid, writes nothing) if any file has a problem.
    Idempotent: loading the same files twice changes nothing the second time. A file with a
    higher version replaces the text; steps are matched by key, so progress survives.
    """
    journeys, problems = validation.validate_directory(directory)
    if problems:
        raise ContentInvalid(problems)
    report = LoadReport(dry_run=dry_run)
    with transaction.atomic():
        for data in journeys:
            _journey_write(data, report)
        if dry_run:
            transaction.set_rollback(True)
    logger.info(
        "journeys.content.loaded",
        extra={
            "journeys_created": len(report.created),
            "journeys_updated": len(report.updated),
            "journeys_unchanged": len(report.unchanged),
            "dry_run": dry_run,
        },
    )
    return report


# --- Progress ----------------------------------------------------------------------------------
def journey_start(*, youth: Any, journey: Journey) -> JourneyProgress:
    """Start (or return) the youth's progress; the current step is where they left off."""
    progress, created = JourneyProgress.objects.get_or_create(youth=youth, journey=journey)
    if created or progress.current_step is None:
        steps = selectors.steps_active(journey=journey)
        progress.current_step = steps[0] if steps else None
        progress.updated_at = timezone.now()
        progress.save(update_fields=["current_step", "updated_at"])
    return progress


def progress_move_to(*, youth: Any, step: Step) -> JourneyProgress:
    """Remember the step the youth is on, so "fortsæt hvor du slap" returns to it."""
    progress = journey_start(youth=youth, journey=step.journey)
    if progress.current_step_id != step.pk:
        progress.current_step = step
        progress.updated_at = timezone.now()
        progress.save(update_fields=["current_step", "updated_at"])
    return progress


@dataclass(frozen=True, slots=True)
class QuizResult:
    question: int
    chosen: int | None
    correct: int
    is_correct: bool


def quiz_grade(*, step: Step, answers: list[int | None]) -> list[QuizResult]:
    """Grade chosen option indexes against the step's questions (None: not answered)."""
    results = []
    for index, question in enumerate(step.data.get("questions", [])):
        correct = next(i for i, option in enumerate(question["options"]) if option["correct"])
        chosen = answers[index] if index < len(answers) else None
        results.append(QuizResult(index, chosen, correct, chosen == correct))
    return results


def step_complete(
    *, youth: Any, step: Step, quiz_answers: list[int | None] | None = None
) -> Step | None:
    """Mark `step` done for `youth` and move on. Returns the next step, None when finished.

    Completing the last outstanding step sets `completed_at` on the journey progress.
    """
    with transaction.atomic():
        completion, created = StepCompletion.objects.get_or_create(
            youth=youth, step=step, defaults={"quiz_answers": quiz_answers or []}
        )
        if not created and quiz_answers is not None:
            completion.quiz_answers = quiz_answers
            completion.save(update_fields=["quiz_answers"])
        progress = journey_start(youth=youth, journey=step.journey)
        steps = selectors.steps_active(journey=step.journey)
        later = [candidate for candidate in steps if candidate.order > step.order]
        next_step = later[0] if later else None
        done = selectors.completed_step_ids(youth=youth, journey=step.journey)
        now = timezone.now()
        if progress.completed_at is None and all(s.pk in done for s in steps):
            progress.completed_at = now
            logger.info(
                "journeys.journey.completed",
                extra={"progress_id": progress.pk, "journey": step.journey.slug},
            )
        progress.current_step = next_step or step
        progress.updated_at = now
        progress.save(update_fields=["current_step", "completed_at", "updated_at"])
    return next_step


# --- Reflections -------------------------------------------------------------------------------
def reflection_check(*, body: str) -> str:
    """The text to save, or JourneyError with a message that keeps the youth's text safe."""
    text = body.replace("\r\n", "\n").replace("\x00", "")
    if not text.strip():
        raise JourneyError("empty", _("Skriv lidt tekst, før du gemmer."))
    if len(text) > REFLECTION_MAX_CHARS:
        raise JourneyError(
            "too_long",
            _(
                "Din tekst er %(length)s tegn lang. Der er plads til %(limit)s tegn. "
                "Din tekst er ikke væk: forkort den, og gem igen."
            )
            % {"length": len(text), "limit": REFLECTION_MAX_CHARS},
        )
    return text


def reflection_save(*, youth: Any, step: Step, body: str) -> Reflection:
    """Save the youth's reflection on `step` as PENDING and request screening on commit.

    Stored as plain text (markup is escaped when shown). A changed text bumps `revision`;
    saving the same text again asks for nothing new.
    """
    if step.kind != Step.Kind.REFLECTION:
        raise JourneyError("not_reflection", _("Det trin har ikke en refleksion."))
    text = reflection_check(body=body)
    with transaction.atomic():
        reflection = Reflection.objects.select_for_update().filter(youth=youth, step=step).first()
        now = timezone.now()
        if reflection is None:
            reflection = Reflection.objects.create(youth=youth, step=step, body=text)
        elif reflection.body == text:
            return reflection
        else:
            reflection.body = text
            reflection.revision += 1
            reflection.screening_status = ScreeningStatus.PENDING
            reflection.updated_at = now
            reflection.save(update_fields=["body", "revision", "screening_status", "updated_at"])
        reflection_id = reflection.pk
        transaction.on_commit(lambda: screening.request_screening(reflection_id=reflection_id))
    logger.info(
        "journeys.reflection.saved",
        extra={"reflection_id": reflection.pk, "revision": reflection.revision},
    )
    return reflection


def reflection_mark_screened(*, reflection: Reflection, crisis: bool) -> Reflection:
    """Record that moderation screened `reflection`; on crisis, show the youth the crisis lines.

    Called by moderation, normally inside its transaction with the row locked
    (`selectors.reflection_lock_for_screening`). Sets SCREENED; when `crisis`, sets
    `crisis_support_shown` (the reflection page shows the lines on reload) and pushes a
    `reflection.crisis_support` frame to the youth's user group after commit. Opening a flag
    for the clinician is moderation's job, not this function's.
    """
    reflection.screening_status = ScreeningStatus.SCREENED
    update = ["screening_status"]
    if crisis:
        reflection.crisis_support_shown = True
        update.append("crisis_support_shown")
    reflection.save(update_fields=update)
    if crisis:
        event: ReflectionCrisisSupport = {
            "type": CRISIS_SUPPORT_TYPE,
            "reflection_id": reflection.pk,
        }
        publish_on_commit(groups.user(reflection.youth_id), channel_message(event))
        logger.info("journeys.reflection.crisis_support", extra={"reflection_id": reflection.pk})
    return reflection


# --- Clinician suggestions ---------------------------------------------------------------------
def journey_suggest(
    *, clinician: Any, youth: Any, journey: Journey, step: Step | None = None, note: str = ""
) -> JourneySuggestion:
    """A clinician suggests a journey (or one step) as homework for a youth on their caseload.

    Requires an active CareLink between the two; otherwise PermissionDenied and nothing saved.
    """
    if getattr(clinician, "role", None) not in {Role.CLINICIAN, Role.CLINIC_ADMIN}:
        raise PermissionDenied("only clinicians suggest journeys")
    linked = CareLink.objects.filter(
        clinician=clinician, youth=youth, ended_at__isnull=True
    ).exists()
    if not linked:
        raise PermissionDenied("no active care link")
    if step is not None and step.journey_id != journey.pk:
        raise JourneyError("step_mismatch", _("Trinnet hører ikke til den rejse."))
    suggestion = JourneySuggestion.objects.create(
        clinician=clinician, youth=youth, journey=journey, step=step, note=note.strip()[:1000]
    )
    logger.info("journeys.suggestion.created", extra={"suggestion_id": suggestion.pk})
    return suggestion


def suggestions_mark_seen(*, youth: Any, journey: Journey) -> int:
    """The youth opened a suggested journey: mark its suggestions seen. Returns rows changed."""
    return JourneySuggestion.objects.filter(
        youth=youth, journey=journey, seen_at__isnull=True
    ).update(seen_at=timezone.now())
