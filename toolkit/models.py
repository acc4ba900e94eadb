"""The coping toolkit: strategies and their use, the safety plan, and check-ins.

Everything here is private to the youth. A clinician sees the safety plan only through a
django-guardian object permission that `toolkit.permissions` grants while an active care link
carries the toolkit scope.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

# Limits for text a youth writes; the forms enforce them and the models repeat them for admin.
STRATEGY_TITLE_MAX = 120
STRATEGY_STEP_MAX = 300
STRATEGY_STEPS_MAX = 10
STRATEGIES_PER_YOUTH_MAX = 200  # generous; stops a script from filling the table
SAFETY_ITEM_MAX = 200
SAFETY_ITEMS_MAX = 15
CHECKIN_WORD_MAX = 30
CHECKIN_NOTE_MAX = 280

MOOD_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


class Strategy(models.Model):
    """One coping strategy in a youth's toolkit.

    `title` and `steps` are keyed by language: {"da": ..., "en": ...}. A strategy saved from a
    journey carries both languages; a youth's own strategy carries the language it was written in.
    """

    class Source(models.TextChoices):
        JOURNEY = "journey", _("Fra en rejse")
        OWN = "own", _("Min egen")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strategies"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.OWN)
    journey_slug = models.SlugField(max_length=80, blank=True)
    journey_step_key = models.SlugField(max_length=80, blank=True)
    journey_version = models.PositiveIntegerField(null=True, blank=True)
    title = models.JSONField(default=dict)  # {"da": str, "en": str}
    steps = models.JSONField(default=dict)  # {"da": [str, ...], "en": [str, ...]}
    is_favourite = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-is_favourite", "-created_at"]
        constraints: ClassVar = [
            # Saving the same try-it step twice keeps one strategy (idempotent save).
            models.UniqueConstraint(
                fields=["owner", "journey_slug", "journey_step_key"],
                condition=models.Q(source="journey"),
                name="toolkit_strategy_once_per_journey_step",
            ),
        ]

    def __str__(self) -> str:
        return f"strategy {self.pk} of user {self.owner_id}"

    def title_in(self, language: str) -> str:
        return _pick(self.title, language) or ""

    def steps_in(self, language: str) -> list[str]:
        return list(_pick(self.steps, language) or [])


def _pick(values: Any, language: str) -> Any:
    """The text in `language`, else Danish, else whatever language there is."""
    if not isinstance(values, dict) or not values:
        return None
    for code in (language[:2], "da", "en"):
        if values.get(code):
            return values[code]
    return next(iter(values.values()))


class StrategyUse(models.Model):
    """One time a youth used a strategy in "brug nu" mode, with mood before and after (0-10)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="uses")
    mood_before = models.PositiveSmallIntegerField(validators=MOOD_VALIDATORS)
    mood_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=MOOD_VALIDATORS)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-started_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(mood_before__lte=10), name="toolkit_use_mood_before_range"
            ),
            models.CheckConstraint(
                condition=models.Q(mood_after__isnull=True) | models.Q(mood_after__lte=10),
                name="toolkit_use_mood_after_range",
            ),
        ]

    def __str__(self) -> str:
        return f"use {self.pk} of strategy {self.strategy_id}"


class SafetyPlanSection(models.TextChoices):
    """Stanley-Brown's six steps, in order."""

    WARNING_SIGNS = "warning_signs", _("Mine advarselstegn")
    SELF_COPING = "self_coping", _("Det kan jeg selv gøre")
    DISTRACTIONS = "distractions", _("Mennesker og steder, der får tankerne et andet sted hen")
    HELPERS = "helpers", _("Mennesker, jeg kan bede om hjælp")
    PROFESSIONALS = "professionals", _("Fagfolk og kriselinjer")
    SAFE_SURROUNDINGS = "safe_surroundings", _("Gør mine omgivelser trygge")


class SafetyPlan(models.Model):
    """A youth's safety plan: one per youth, the current text of each section as a list."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan"
    )
    sections = models.JSONField(default=dict)  # {SafetyPlanSection value: [str, ...]}
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"safety plan of user {self.owner_id} v{self.version}"

    def items(self, section: str) -> list[str]:
        return list(self.sections.get(section, []))


class SafetyPlanUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign key for safety-plan grants (guardian docs, "Direct foreign keys").

    A real foreign key, unlike guardian's generic one, so deleting a plan (or the youth's
    account) deletes its grants with it and no orphaned grant row outlives the plan.
    Only `toolkit.permissions` grants or reads these rows.
    """

    content_object = models.ForeignKey(
        "SafetyPlan", on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class SafetyPlanVersion(models.Model):
    """Every saved state of a safety plan, so nothing the youth wrote is lost on an edit."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    sections = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "version"], name="toolkit_plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"safety plan {self.plan_id} v{self.version}"


class DailyCheckIn(models.Model):
    """A quick mood check-in: one per youth per local day, editable that day."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_checkins"
    )
    day = models.DateField()
    mood = models.PositiveSmallIntegerField(validators=MOOD_VALIDATORS)
    word = models.CharField(max_length=CHECKIN_WORD_MAX, blank=True)
    note = models.CharField(max_length=CHECKIN_NOTE_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-day"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "day"], name="toolkit_checkin_one_per_day"),
            models.CheckConstraint(condition=models.Q(mood__lte=10), name="toolkit_checkin_mood"),
        ]

    def __str__(self) -> str:
        return f"check-in {self.day} of user {self.owner_id}"


class Who5Timepoint(models.TextChoices):
    BASELINE = "baseline", _("Ved start")
    WEEK_6 = "week_6", _("Efter 6 uger")
    WEEK_12 = "week_12", _("Efter 12 uger")


class Who5Response(models.Model):
    """One WHO-5 questionnaire: five answers 0-5, raw score 0-25, percentage = raw x 4."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="who5_responses"
    )
    timepoint = models.CharField(max_length=10, choices=Who5Timepoint.choices)
    answers = models.JSONField()  # five ints, 0-5, in item order
    raw_score = models.PositiveSmallIntegerField()
    percentage = models.PositiveSmallIntegerField()
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["completed_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "timepoint"], name="toolkit_who5_once"),
            models.CheckConstraint(
                condition=models.Q(raw_score__lte=25), name="toolkit_who5_raw_range"
            ),
        ]

    def __str__(self) -> str:
        return f"WHO-5 {self.timepoint} of user {self.owner_id}"
