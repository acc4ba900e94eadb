"""Durable tasks (django-tasks with the database backend): at-least-once, so idempotent."""

from __future__ import annotations

from django_tasks import task

from moderation.services import screening


@task()
def screen_subjects(*, subject_type: str, subject_ids: list[int]) -> int:
    """Score and route these subjects (and others waiting, up to a batch). Safe to run twice."""
    return len(screening.screening_run_batch(subject_type=subject_type, subject_ids=subject_ids))
