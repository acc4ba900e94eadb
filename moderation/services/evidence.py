"""The model's highlights for held subjects, computed after routing (DESIGN.md section 3).

Screening routes on the level alone and stores the rule spans at once, so a flag never waits
for occlusion (one encoder pass per sentence of each held post). It marks those assessments
`evidence_pending` and, on commit, enqueues one task per screening batch. The task computes the
model's spans in one batch, stores them and announces the change on the flag's queues; open
dashboards fetch the card again, and a reconnecting one gets the same event by `after_seq`.

At-least-once and idempotent: `evidence_pending` is the key, re-checked under a row lock, so a
second run, or two workers, store and announce once. A failure (model down, timeout, the model
changed since scoring) clears the mark and keeps the rule spans: nothing is lost and the card
stops promising highlights. A subject edited since scoring is skipped: its spans would index
text that is gone, and the edit has its own screening.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction

from moderation import events, risk
from moderation.models import Flag, RiskAssessment
from moderation.subjects import adapter_for

logger = logging.getLogger(__name__)

# Below screening's tasks: routing a new post matters more than highlighting a held one.
EXPLAIN_TASK_PRIORITY = -10


def evidence_request(*, assessment_ids: Sequence[int]) -> None:
    """Enqueue the explain task for these assessments once the caller's transaction commits."""
    ids = list(dict.fromkeys(assessment_ids))
    if not ids:
        return
    from moderation import tasks

    transaction.on_commit(lambda: tasks.explain_assessments.enqueue(assessment_ids=ids))


def _current_text(assessment: RiskAssessment) -> str | None:
    """The scored text if the subject still has the assessed revision, else None."""
    subject = adapter_for(assessment.subject_type).get(assessment.subject_id)
    if subject is None or subject.revision != assessment.revision or not subject.text:
        return None
    return subject.text


def evidence_explain(*, assessment_ids: Sequence[int]) -> list[RiskAssessment]:
    """Compute and store the model's evidence for pending assessments; returns those updated.

    The slow model call runs outside any transaction, one batch per model version (in
    practice one). Safe to run twice: the second run finds nothing pending.
    """
    pending = list(
        RiskAssessment.objects.filter(pk__in=list(assessment_ids), evidence_pending=True).order_by(
            "pk"
        )
    )
    texts: dict[int, str] = {}
    skipped: list[int] = []
    for assessment in pending:
        text = _current_text(assessment)
        if text is None:
            skipped.append(assessment.pk)
        else:
            texts[assessment.pk] = text
    if skipped:
        logger.info("moderation.evidence.skipped_edited", extra={"assessment_ids": skipped})
        _finish(dict.fromkeys(skipped))
    by_version: dict[str, list[RiskAssessment]] = defaultdict(list)
    for assessment in pending:
        if assessment.pk in texts:
            by_version[assessment.model_version].append(assessment)
    updated: list[RiskAssessment] = []
    for model_version, group in by_version.items():
        try:
            spans = risk.explain_texts([texts[a.pk] for a in group], model_version=model_version)
        except risk.RiskScoringError as exc:
            # The flags keep their rule spans; the cards stop promising highlights.
            logger.warning(
                "moderation.evidence.failed",
                extra={
                    "assessment_ids": [a.pk for a in group],
                    "error": type(exc).__name__,
                    "detail": str(exc),
                },
            )
            _finish(dict.fromkeys(a.pk for a in group))
            continue
        stored: dict[int, list[list[float]] | None] = {
            a.pk: [[e.start, e.end, round(e.weight, 4)] for e in evidence]
            for a, evidence in zip(group, spans, strict=True)
        }
        updated.extend(_finish(stored))
    if updated:
        logger.info("moderation.evidence.stored", extra={"assessment_ids": [a.pk for a in updated]})
    return updated


def _finish(results: dict[int, list[list[float]] | None]) -> list[RiskAssessment]:
    """Clear the pending mark (storing spans where given) and announce each open flag's change.

    One transaction per assessment, as screening routes: the lock and the re-check make a
    concurrent or repeated run a no-op, and a revision edited meanwhile keeps its rule spans.
    """
    updated: list[RiskAssessment] = []
    for pk, spans in results.items():
        with transaction.atomic():
            assessment = (
                RiskAssessment.objects.select_for_update()
                .filter(pk=pk, evidence_pending=True)
                .first()
            )
            if assessment is None:
                continue  # another run finished it
            fields = ["evidence_pending"]
            assessment.evidence_pending = False
            if spans is not None and _current_text(assessment) is not None:
                assessment.evidence = spans
                fields.append("evidence")
            assessment.save(update_fields=fields)
            flag = Flag.objects.filter(assessment_id=pk).first()
            if flag is not None and flag.is_open:
                # The card changed (highlights, or no longer "coming"): the same numbered
                # queue event every change gets, so a reconnecting dashboard catches up too.
                events.flag_event_record(flag, events.KIND_EVIDENCE)
            if "evidence" in fields:
                updated.append(assessment)
    return updated
