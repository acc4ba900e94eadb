"""Durable tasks (django-tasks with the database backend): at-least-once, so idempotent."""

from __future__ import annotations

from django_tasks import task

from moderation.services import evidence, screening


@task()
def screen_subjects(*, subject_type: str, subject_ids: list[int]) -> int:
    """Score and route these subjects (and others waiting, up to a batch). Safe to run twice."""
    return len(screening.screening_run_batch(subject_type=subject_type, subject_ids=subject_ids))


@task(priority=evidence.EXPLAIN_TASK_PRIORITY)
def explain_assessments(*, assessment_ids: list[int]) -> int:
    """Add the model's highlights to held subjects' assessments. Safe to run twice."""
    return len(evidence.evidence_explain(assessment_ids=assessment_ids))
