"""Invariant checks of DESIGN.md section 3, printed by `manage.py reconcile` (0 rows = healthy)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from moderation.models import Flag, RiskAssessment
from moderation.subjects import ADAPTERS


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant}\t{self.subject}\t{self.detail}"


def violations_find(*, now: dt.datetime | None = None) -> list[Violation]:
    """Every current violation. Claims get two tick intervals of grace (the tick expires them)."""
    now = now or timezone.now()
    policy = settings.MODERATION
    found: list[Violation] = []
    for subject_type, adapter in ADAPTERS.items():
        for subject_id in adapter.pending_ids(
            older_than_seconds=int(policy["SWEEP_OLDER_THAN_SECONDS"]), limit=10_000
        ):
            found.append(
                Violation("pending_past_sweep", f"{subject_type}:{subject_id}", "still pending")
            )
        screened = set(
            RiskAssessment.objects.filter(subject_type=subject_type).values_list(
                "subject_id", "revision"
            )
        )
        for subject_id, revision in adapter.published_revisions():
            if (subject_id, revision) not in screened:
                found.append(
                    Violation(
                        "published_unscreened", f"{subject_type}:{subject_id}", f"rev {revision}"
                    )
                )
    unflagged = RiskAssessment.objects.filter(
        Q(level__gte=2) | Q(scored=False), flag__isnull=True
    ).values_list("subject_type", "subject_id", "revision", "level", "scored")
    for subject_type, subject_id, revision, level, scored in unflagged:
        found.append(
            Violation(
                "assessment_without_flag",
                f"{subject_type}:{subject_id}",
                f"rev {revision} level {level} scored {scored}",
            )
        )
    grace = dt.timedelta(seconds=2 * int(policy["TICK_SECONDS"]))
    for flag_id, until in Flag.objects.filter(
        status=Flag.Status.CLAIMED, claimed_until__lt=now - grace
    ).values_list("pk", "claimed_until"):
        found.append(
            Violation(
                "claim_expired", f"flag:{flag_id}", f"until {until.isoformat() if until else '?'}"
            )
        )
    return found
