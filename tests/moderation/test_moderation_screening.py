"""Screening: every routing branch, idempotency, edits, batching and the fail-safe."""

from __future__ import annotations

from typing import Any

import pytest

from community.models import Post
from ml import RiskLevel
from moderation.models import Flag, FlagEvent, RiskAssessment, Tier

pytestmark = pytest.mark.django_db


def test_none_publishes_without_a_flag(fake_scorer: Any, pending_post: Any, screen: Any) -> None:
    # given
    post = pending_post("i dag var en god dag")
    # when
    assessment = screen(post)
    # then
    assert post.status == Post.Status.PUBLISHED
    assert assessment.level == RiskLevel.NONE and assessment.scored
    assert not Flag.objects.exists()


def test_low_publishes_and_lands_on_the_watch_list(
    fake_scorer: Any, pending_post: Any, screen: Any
) -> None:
    from moderation.selectors import watch_list

    post = pending_post("jeg er lidt trist")
    fake_scorer.set(post.body, RiskLevel.LOW)
    screen(post)
    assert post.status == Post.Status.PUBLISHED
    assert not Flag.objects.exists()
    assert [a.subject_id for a in watch_list(clinic_ids=None)] == [post.pk]


def test_elevated_holds_and_opens_an_elevated_flag(
    fake_scorer: Any, pending_post: Any, screen: Any
) -> None:
    post = pending_post("jeg skader mig selv")
    fake_scorer.set(post.body, RiskLevel.ELEVATED, "self_harm")
    screen(post)
    assert post.status == Post.Status.HELD
    flag = Flag.objects.get(subject_id=post.pk)
    assert (flag.tier, flag.status, flag.category) == (Tier.ELEVATED, "open", "self_harm")
    assert flag.escalation_level == 0
    assert list(flag.events.values_list("kind", flat=True)) == [FlagEvent.Kind.OPENED]


def test_crisis_holds_opens_a_clinical_flag_and_pages_on_call(
    fake_scorer: Any,
    pending_post: Any,
    screen: Any,
    clinician: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinician.email = "hval@example.org"
    clinician.save()
    post = pending_post("i aften tager jeg mit liv")
    fake_scorer.set(post.body, RiskLevel.CRISIS, "suicide")
    with django_capture_on_commit_callbacks(execute=True):
        screen(post)
    assert post.status == Post.Status.HELD
    flag = Flag.objects.get(subject_id=post.pk)
    assert flag.tier == Tier.CRISIS
    assert flag.escalation_level == 1  # straight to clinicians
    paged = flag.events.get(kind=FlagEvent.Kind.PAGED)
    assert paged.after["user_ids"] == [clinician.pk]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["hval@example.org"]
    assert post.body not in mailoutbox[0].body  # never the text in an e-mail


def test_scorer_error_holds_as_unscored_with_the_rule_floor(
    fake_scorer: Any, pending_post: Any, screen: Any
) -> None:
    fake_scorer.fail = True
    post = pending_post("en helt almindelig dag")
    assessment = screen(post)
    assert post.status == Post.Status.HELD
    assert assessment.scored is False
    assert assessment.model_version.startswith("lexicon") or assessment.model_version
    assert Flag.objects.get(subject_id=post.pk).tier == Tier.UNSCORED


def test_scorer_error_with_a_crisis_rule_hit_is_a_crisis_flag(
    fake_scorer: Any, pending_post: Any, screen: Any
) -> None:
    fake_scorer.fail = True
    post = pending_post("jeg vil tage mit eget liv i nat, jeg har skrevet et afskedsbrev")
    assessment = screen(post)
    assert assessment.scored is False
    assert assessment.level == RiskLevel.CRISIS  # the lexicon still runs
    assert Flag.objects.get(subject_id=post.pk).tier == Tier.CRISIS


def test_timeout_counts_as_a_failure(
    fake_scorer: Any, pending_post: Any, screen: Any, settings: Any, monkeypatch: Any
) -> None:
    import time

    settings.MODERATION = {**settings.MODERATION, "SCORE_TIMEOUT_SECONDS": 0.2}

    def slow(texts: Any) -> list[Any]:
        time.sleep(1)
        return []

    monkeypatch.setattr(fake_scorer, "score_batch", slow)
    post = pending_post("en helt almindelig dag")
    assessment = screen(post)
    assert assessment.scored is False
    assert post.status == Post.Status.HELD


def test_the_same_task_run_twice_writes_one_assessment(fake_scorer: Any, pending_post: Any) -> None:
    from moderation.tasks import screen_subjects

    post = pending_post("jeg skader mig selv")
    fake_scorer.set(post.body, RiskLevel.ELEVATED)
    screen_subjects.call(subject_type="post", subject_ids=[post.pk])
    screen_subjects.call(subject_type="post", subject_ids=[post.pk])
    assert RiskAssessment.objects.filter(subject_id=post.pk).count() == 1
    assert Flag.objects.filter(subject_id=post.pk).count() == 1


def test_an_edit_during_scoring_is_left_for_its_own_screening(
    fake_scorer: Any, pending_post: Any, screen: Any, monkeypatch: Any
) -> None:
    from moderation import risk

    post = pending_post("første udgave")
    original = risk.score_texts

    def edit_while_scoring(texts: Any) -> Any:
        Post.objects.filter(pk=post.pk).update(body="anden udgave", revision=2)
        return original(texts)

    monkeypatch.setattr(risk, "score_texts", edit_while_scoring)
    assert screen(post) is None
    assert post.status == Post.Status.PENDING
    assert not RiskAssessment.objects.exists()


def test_a_new_revision_gets_its_own_assessment(
    fake_scorer: Any, pending_post: Any, screen: Any
) -> None:
    post = pending_post("første udgave")
    screen(post)
    Post.objects.filter(pk=post.pk).update(body="anden udgave", revision=2, status="pending")
    screen(post)
    assert sorted(RiskAssessment.objects.values_list("revision", flat=True)) == [1, 2]


def test_waiting_posts_are_scored_in_one_batch(fake_scorer: Any, pending_post: Any) -> None:
    from moderation.services.screening import screening_run_batch

    posts = [pending_post(f"opslag nummer {i}") for i in range(5)]
    routed = screening_run_batch(subject_type="post", subject_ids=[posts[0].pk])
    assert len(routed) == 5
    assert len(fake_scorer.batches) == 1 and len(fake_scorer.batches[0]) == 5


def test_an_author_under_premoderation_is_held_for_review(
    fake_scorer: Any, pending_post: Any, screen: Any, youth: Any, clinician: Any
) -> None:
    from moderation.services.sanctions import sanction_impose

    sanction_impose(
        user=youth, kind="premoderation", reason="gentagne overtrædelser", actor=clinician
    )
    post = pending_post("en helt almindelig dag")
    screen(post)
    assert post.status == Post.Status.HELD
    assert Flag.objects.get(subject_id=post.pk).tier == Tier.REVIEW


def test_post_create_enqueues_screening_on_commit(
    fake_scorer: Any, space: Any, youth: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from community.permissions import space_membership_sync
    from community.services import post_create

    space_membership_sync(user=youth)
    with django_capture_on_commit_callbacks(execute=True):
        post = post_create(author=youth, space=space, body="hej med jer alle sammen")
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED  # the ImmediateBackend ran the task on commit
    assert RiskAssessment.objects.filter(subject_id=post.pk).count() == 1


def test_fairness_slices_are_recorded(fake_scorer: Any, pending_post: Any, screen: Any) -> None:
    assessment = screen(pending_post("jeg har haft en rigtig god dag i skolen i dag"))
    assert assessment.age_band == "15-17"
    assert assessment.language in {"da", ""}
