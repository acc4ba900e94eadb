"""Screening: score pending subjects in batches and route each one (DESIGN.md section 3).

At-least-once and idempotent: the slow scoring runs outside any transaction; then each subject
is locked and re-checked (still pending, same revision, no assessment yet) before anything is
written, so a task run twice, two workers, or the sweep racing the queue write one assessment.
A scoring failure holds the subject for a human ("unscored"); nothing is ever published unscored.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.enrolment import age_in_years
from moderation import risk
from moderation.models import RiskAssessment, Sanction, Tier
from moderation.risk import RiskLevel, ScoredText
from moderation.services import evidence as evidence_services
from moderation.services import flags as flag_services
from moderation.subjects import Subject, SubjectAdapter, adapter_for

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
# Per-batch memo of author lookups (age band, sanctions): one query per author per batch.
_batch_memo: contextvars.ContextVar[dict[tuple[str, int], Any] | None] = contextvars.ContextVar(
    "moderation_screening_memo", default=None
)


@contextlib.contextmanager
def _batch_cached() -> Iterator[None]:
    from moderation.services import escalation

    token = _batch_memo.set({})
    try:
        with escalation.rota_cached():
            yield
    finally:
        _batch_memo.reset(token)


def _memo(kind: str, author_id: int, compute: Callable[[], _T]) -> _T:
    memo = _batch_memo.get()
    if memo is None:
        return compute()
    key = (kind, author_id)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def screening_request(*, subject_type: str, subject_id: int) -> None:
    """Enqueue a durable screening task once the caller's transaction commits."""
    from moderation import tasks

    transaction.on_commit(
        lambda: tasks.screen_subjects.enqueue(subject_type=subject_type, subject_ids=[subject_id])
    )


def message_screening_requester(message_id: int) -> None:
    """Registered in care's seam (added by the care app): a youth's care message is PENDING."""
    screening_request(subject_type="message", subject_id=message_id)


def post_screening_requester(post_id: int) -> None:
    """Registered with `community.screening` in `ModerationConfig.ready()`."""
    screening_request(subject_type="post", subject_id=post_id)


def reflection_screening_requester(reflection_id: int) -> None:
    """Registered with `journeys.screening` in `ModerationConfig.ready()`."""
    screening_request(subject_type="reflection", subject_id=reflection_id)


def _age_band(author_id: int | None) -> str:
    if author_id is None:
        return ""
    return _memo("age_band", author_id, lambda: _age_band_read(author_id))


def _age_band_read(author_id: int) -> str:
    user = get_user_model().objects.filter(pk=author_id).first()
    if user is None or user.birth_year is None or user.birth_month is None:
        return ""
    age = age_in_years(
        birth_year=user.birth_year, birth_month=user.birth_month, today=timezone.localdate()
    )
    if age < 15:
        return "12-14"
    if age < 18:
        return "15-17"
    return "18-25"


def _restricted(author_id: int | None) -> bool:
    """An author under an active sanction has every post read by a human first."""
    if author_id is None:
        return False
    now = timezone.now()
    return _memo(
        "restricted",
        author_id,
        lambda: Sanction.objects.filter(
            user_id=author_id, starts_at__lte=now, ends_at__gt=now, lifted_at__isnull=True
        ).exists(),
    )


def tier_for(result: ScoredText, *, restricted: bool) -> str | None:
    """The flag tier for a scoring result, or None to publish.

    Clinical policy (DESIGN.md section 3): crisis and elevated are held for a human; a failed
    model call is held as unscored unless the rule layer alone already says crisis.
    """
    level = result.score.level
    if level >= RiskLevel.CRISIS:
        return Tier.CRISIS
    if not result.scored:
        return Tier.UNSCORED
    if level >= RiskLevel.ELEVATED:
        return Tier.ELEVATED
    if restricted:
        return Tier.REVIEW
    return None


def _explain_later(result: ScoredText) -> bool:
    """Held by the model with rule spans only: the model's highlights follow (`evidence`)."""
    return result.scored and result.evidence_deferred and result.score.level >= RiskLevel.ELEVATED


def _assessment_fields(subject: Subject, result: ScoredText) -> dict[str, Any]:
    score = result.score
    return {
        "subject_type": subject.subject_type,
        "subject_id": subject.subject_id,
        "revision": subject.revision,
        "level": int(score.level),
        "scored": result.scored,
        "probability": score.probability if result.scored else None,
        "categories": list(score.categories),
        "evidence": [[e.start, e.end, round(e.weight, 4)] for e in score.evidence],
        "evidence_pending": _explain_later(result),
        "model_version": score.model_version,
        "author_id": subject.author_id,
        "clinic_id": subject.clinic_id,
        "language": risk.detect_language(subject.text),
        "age_band": _age_band(subject.author_id),
    }


def _route_one(
    adapter: SubjectAdapter, scored_subject: Subject, result: ScoredText
) -> RiskAssessment | None:
    """Lock, re-check and route one scored subject. Returns None if there was nothing to do."""
    try:
        with transaction.atomic():
            subject = adapter.lock(scored_subject.subject_id)
            if subject is None or not subject.pending:
                return None  # deleted, or screened by another run meanwhile
            if subject.revision != scored_subject.revision:
                return None  # edited meanwhile; the edit asked for its own screening
            # No exists() check first: the unique constraint on (type, id, revision) is the
            # idempotency key, and a second run lands in the IntegrityError branch below.
            assessment = RiskAssessment.objects.create(**_assessment_fields(subject, result))
            if subject.revision > 1:  # an edit: the old revision's flags are about gone text
                flag_services.flags_supersede(subject=subject, assessment=assessment)
            tier = tier_for(result, restricted=_restricted(subject.author_id))
            if tier is None:
                adapter.publish(subject)
            else:
                adapter.hold(subject)
                category = result.score.categories[0] if result.score.categories else ""
                flag_services.flag_open(
                    subject=subject, tier=tier, assessment=assessment, category=category
                )
    except IntegrityError:
        # A concurrent run wrote this revision's assessment first (unique constraint).
        logger.info(
            "moderation.screening.duplicate",
            extra={"subject_type": scored_subject.subject_type, "id": scored_subject.subject_id},
        )
        return None
    logger.info(
        "moderation.screening.routed",
        extra={
            "subject_type": subject.subject_type,
            "subject_id": subject.subject_id,
            "assessment_id": assessment.pk,
            "tier": tier or "published",
        },
    )
    return assessment


def _batch_window_seconds() -> float:
    """How long a task with room in its batch waits for posts committed just behind it.

    Zero when tasks run inline (the ImmediateBackend of the tests): nothing else can be
    committed while the caller waits, so waiting would only delay the caller.
    """
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    if backend.endswith("ImmediateBackend"):
        return 0.0
    return float(settings.MODERATION["BATCH_WINDOW_SECONDS"])


def _fill(adapter: SubjectAdapter, ids: list[int], batch_size: int) -> list[int]:
    """`ids` topped up with other waiting subjects, oldest first, up to `batch_size`."""
    ids = list(ids)
    if len(ids) < batch_size:
        for waiting in adapter.pending_ids(older_than_seconds=0, limit=batch_size):
            if len(ids) >= batch_size:
                break
            if waiting not in ids:
                ids.append(waiting)
    return ids


def screening_run_batch(
    *, subject_type: str, subject_ids: Sequence[int], drain: bool = True
) -> list[RiskAssessment]:
    """Score the given subjects, plus other waiting ones up to BATCH_SIZE, in one model call.

    Draining lets one task take everything waiting (several posts in a second, a backlog after
    a worker outage) into one model call, which costs far less per text than one call each;
    the tasks of subjects already screened this way find nothing pending and end at once
    (about three queries). With work in hand and room in the batch, the task first waits
    BATCH_WINDOW_SECONDS for posts committed just behind it.
    """
    adapter = adapter_for(subject_type)
    batch_size = int(settings.MODERATION["BATCH_SIZE"])
    window = _batch_window_seconds()
    ids = (
        list(dict.fromkeys(subject_ids))[:batch_size] if drain else list(dict.fromkeys(subject_ids))
    )
    if drain:
        ids = _fill(adapter, ids, batch_size)
    subjects = adapter.pending_many(ids)
    if drain and subjects and window > 0 and len(subjects) < batch_size:
        time.sleep(window)
        ids = _fill(adapter, [s.subject_id for s in subjects], batch_size)
        subjects = adapter.pending_many(ids)
    if not subjects:
        return []
    results = risk.score_texts([s.text for s in subjects])  # slow: outside any transaction
    routed = []
    with _batch_cached():
        for subject, result in zip(subjects, results, strict=True):
            assessment = _route_one(adapter, subject, result)
            if assessment is not None:
                routed.append(assessment)
    # Routing is committed; the moderators' highlights follow in one batch (never a wait).
    evidence_services.evidence_request(assessment_ids=[a.pk for a in routed if a.evidence_pending])
    logger.info(
        "moderation.screening.batch",
        extra={"subject_type": subject_type, "scored": len(subjects), "routed": len(routed)},
    )
    return routed


def screening_run(*, subject_type: str, subject_id: int) -> RiskAssessment | None:
    """Screen one subject (no draining). Safe to call twice; the second call is a no-op."""
    routed = screening_run_batch(subject_type=subject_type, subject_ids=[subject_id], drain=False)
    return routed[0] if routed else None


def pending_reenqueue(*, older_than_seconds: int, for_real: bool) -> list[tuple[str, int]]:
    """The sweep: re-enqueue subjects PENDING longer than `older_than_seconds`.

    The PENDING row, not the queue, guarantees screening (a killed worker leaves its task
    "running" forever). Without `for_real` it only lists what it would do.
    """
    from moderation.subjects import ADAPTERS

    found: list[tuple[str, int]] = []
    for subject_type, adapter in ADAPTERS.items():
        ids = adapter.pending_ids(older_than_seconds=older_than_seconds, limit=10_000)
        found.extend((subject_type, i) for i in ids)
        if for_real and ids:
            from moderation import tasks

            batch_size = int(settings.MODERATION["BATCH_SIZE"])
            for start in range(0, len(ids), batch_size):
                tasks.screen_subjects.enqueue(
                    subject_type=subject_type, subject_ids=ids[start : start + batch_size]
                )
    if found:
        logger.warning("moderation.sweep.stragglers", extra={"n": len(found), "real": for_real})
    return found
