"""Journeys, their steps, and what each youth did with them.

Texts are `{"da": ..., "en": ...}` JSON pairs, validated by the same rules as the content files
(journeys/validation.py), so an admin edit cannot leave a journey half-translated.
Steps are never deleted by a reload: a step whose key leaves the content is retired, so the
youth's completions and private reflections on it survive.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys import validation


def text_in(value: Any, language: str) -> str:
    """One language of a `{da, en}` pair, falling back to Danish (Danish is written first)."""
    if not isinstance(value, dict):
        return ""
    return str(value.get(language) or value.get("da") or "")


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def _validate_text(value: Any) -> None:
    problems = validation.text_problems(value, "text")
    if problems:
        raise ValidationError("; ".join(problems))


class Journey(models.Model):
    """A short therapeutic journey (CBT, mindfulness, ACT ...), loaded from journeys/content."""

    slug = models.SlugField(unique=True)
    version = models.PositiveIntegerField(default=1)
    topic = models.CharField(max_length=24, choices=_choices(validation.TOPICS))
    basis = models.CharField(max_length=32, choices=_choices(validation.BASES))
    age_bands = models.JSONField(default=list, help_text='e.g. ["12-14", "15-17", "18-25"]')
    estimated_minutes = models.PositiveSmallIntegerField(default=15)
    title = models.JSONField(validators=[_validate_text], help_text='{"da": "...", "en": "..."}')
    summary = models.JSONField(validators=[_validate_text])
    about = models.JSONField(validators=[_validate_text])
    is_published = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["slug"]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"

    def clean(self) -> None:
        bands = self.age_bands
        if not isinstance(bands, list) or not bands or not set(bands) <= set(validation.AGE_BANDS):
            raise ValidationError({"age_bands": f"some of {validation.AGE_BANDS}"})

    def title_in(self, language: str) -> str:
        return text_in(self.title, language)

    def summary_in(self, language: str) -> str:
        return text_in(self.summary, language)

    def about_in(self, language: str) -> str:
        return text_in(self.about, language)


class Step(models.Model):
    """One step of a journey. `data` holds the kind-specific fields, validated by kind."""

    class Kind(models.TextChoices):
        PSYCHOEDUCATION = "psychoeducation"
        EXERCISE = "exercise"
        REFLECTION = "reflection"
        QUIZ = "quiz"
        TRY_IT = "try_it"

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    frame = models.CharField(max_length=12, choices=_choices(validation.FRAMES), blank=True)
    title = models.JSONField(validators=[_validate_text])
    body = models.JSONField(validators=[_validate_text])
    data = models.JSONField(default=dict, blank=True)
    # A step removed from the content keeps its row (and the youth's reflections on it).
    is_retired = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["journey", "order"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["journey", "key"], name="journeys_step_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.journey.slug}/{self.key}"

    def clean(self) -> None:
        if not isinstance(self.data, dict):
            raise ValidationError({"data": "must be a JSON object"})
        problems = validation.step_data_problems(self.kind, self.data)
        if problems:
            raise ValidationError({"data": "; ".join(problems)})

    def title_in(self, language: str) -> str:
        return text_in(self.title, language)

    def body_in(self, language: str) -> str:
        return text_in(self.body, language)


class JourneyProgress(models.Model):
    """Where a youth is in a journey: resumable, and completed once every step is done."""

    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journey_progress"
    )
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="progress")
    current_step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["youth", "journey"], name="journeys_progress_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["youth", "-updated_at"])]

    def __str__(self) -> str:
        return f"progress {self.youth_id} in {self.journey_id}"


class StepCompletion(models.Model):
    """A step a youth has done, with their quiz answers (option index per question)."""

    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="step_completions"
    )
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="completions")
    quiz_answers = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["youth", "step"], name="journeys_completion_unique"),
        ]

    def __str__(self) -> str:
        return f"completion {self.youth_id} of {self.step_id}"


class ScreeningStatus(models.TextChoices):
    PENDING = "pending", _("Venter på screening")
    SCREENED = "screened", _("Screenet")


class Reflection(models.Model):
    """A youth's private written answer to a reflection step; screened like a post.

    Saved PENDING and screened on commit (journeys.screening). An edit bumps `revision` and
    asks for a new screening, so moderation can tell a stale score from a current one.
    """

    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="reflections")
    body = models.TextField()
    revision = models.PositiveIntegerField(default=1)
    screening_status = models.CharField(
        max_length=10, choices=ScreeningStatus.choices, default=ScreeningStatus.PENDING
    )
    crisis_support_shown = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["youth", "step"], name="journeys_reflection_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["screening_status", "updated_at"])]

    def __str__(self) -> str:
        return f"reflection {self.pk} by {self.youth_id}"


class JourneySuggestion(models.Model):
    """A journey (or one step of it) a linked clinician suggests as homework; shown first."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journey_suggestions_made"
    )
    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journey_suggestions"
    )
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="suggestions")
    step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    note = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["youth", "-created_at"])]

    def __str__(self) -> str:
        return f"suggestion {self.journey_id} for {self.youth_id}"


class JourneyEmbedding(models.Model):
    """Cached encoder vector of a journey's text, per language and content version."""

    slug = models.SlugField()
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=2)
    vector = models.BinaryField()  # float32, L2-normalised
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["slug", "version", "language"], name="journeys_embedding_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"embedding {self.slug} v{self.version} {self.language}"
