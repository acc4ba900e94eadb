"""Occlusion evidence after routing: the flag opens at once with the rule spans, highlights follow.

A controllable explainer stands in for the model where the test is about the pipeline (routing,
idempotency, failure, edits); the last test runs the real model on real sentences.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse

from community.models import Post
from ml import Evidence, RiskLevel, RiskScore, RiskScoringError
from moderation.events import KIND_EVIDENCE, queue_events_after, queue_last_seq, queue_name
from moderation.models import Flag, QueueEvent, RiskAssessment
from tests.conftest import missing_service
from tests.moderation.conftest import FakeScorer

pytestmark = pytest.mark.django_db

PENDING_NOTE = "Fremhævninger beregnes…"
RULE_SPAN: list[float] = [0, 3, 0.6]  # as stored: [start, end, weight]
MODEL_SPAN: list[float] = [4, 9, 1.0]


class FakeExplainer(FakeScorer):
    """An `ml.EvidenceExplainer`: routes with a "rule" span, explains with a "model" span too."""

    def __init__(self) -> None:
        super().__init__()
        self.explained: list[list[str]] = []
        self.explain_fail = False
        self.explain_delay = 0.0

    def score_batch(self, texts: Sequence[str], *, occlusion: bool = True) -> list[RiskScore]:
        scores = super().score_batch(texts)
        return [
            RiskScore(
                s.level,
                s.probability,
                s.categories,
                self._spans(s.level, occlusion=occlusion),
                s.model_version,
            )
            for s in scores
        ]

    def explain_batch(self, texts: Sequence[str]) -> list[tuple[Evidence, ...]]:
        self.explained.append(list(texts))
        if self.explain_delay:
            time.sleep(self.explain_delay)
        if self.explain_fail:
            raise RiskScoringError("fake model down")
        return [self._spans(self.levels.get(t, RiskLevel.NONE), occlusion=True) for t in texts]

    @staticmethod
    def _spans(level: RiskLevel, *, occlusion: bool) -> tuple[Evidence, ...]:
        if level < RiskLevel.LOW:
            return ()
        rule = Evidence(0, 3, 0.6)  # RULE_SPAN
        if not occlusion or level < RiskLevel.ELEVATED:
            return (rule,)
        return (rule, Evidence(4, 9, 1.0))  # MODEL_SPAN


@pytest.fixture
def explainer(install_scorer: Any) -> FakeExplainer:
    scorer: FakeExplainer = install_scorer(FakeExplainer())
    return scorer


@pytest.fixture
def routed(
    explainer: FakeExplainer,
    pending_post: Any,
    screen: Any,
    django_capture_on_commit_callbacks: Any,
) -> tuple[Post, list[Any]]:
    """A crisis post screened and committed; the on-commit work (explain enqueue) not yet run."""
    post = pending_post("jeg vil ikke mere, det slutter i nat")
    explainer.set(post.body, RiskLevel.CRISIS, "suicide")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        screen(post)
    return post, callbacks


def _run_on_commit(callbacks: list[Any], capture: Any) -> None:
    """Run what the routing commit queued (the explain task runs inline: immediate backend)."""
    with capture(execute=True):
        for callback in callbacks:
            callback()


def _queue(flag: Flag) -> str:
    return queue_name(flag.clinic_id, "clinical")


def _layer() -> Any:
    layer = get_channel_layer()
    assert layer is not None
    return layer


def _listen(queue: str) -> str:
    layer = _layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(queue, channel)
    return channel


def _frames(channel: str) -> list[dict[str, Any]]:
    import asyncio
    import json

    layer = _layer()

    async def drain() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=0.2)
            except TimeoutError:
                return out
            out.append(json.loads(message["text"]))

    return async_to_sync(drain)()


def test_routing_stores_rule_evidence_before_the_explain_task_runs(
    routed: tuple[Post, list[Any]],
    explainer: FakeExplainer,
    client: Any,
    clinician: Any,
) -> None:
    post, _callbacks = routed
    # then: the post is held and its flag open, with the rule span, before any explaining
    assert post.status == Post.Status.HELD
    flag = Flag.objects.get(subject_id=post.pk)
    assessment = RiskAssessment.objects.get()
    assert flag.is_open and flag.assessment_id == assessment.pk
    assert assessment.evidence == [RULE_SPAN]
    assert assessment.evidence_pending
    assert explainer.explained == []
    # routing asked the scorer to skip occlusion, not to score twice
    assert explainer.batches == [[post.body]]
    # and the moderator's card says the highlights are coming, in the card and its JSON
    client.force_login(clinician)
    page = client.get(reverse("moderation:dashboard")).content.decode()
    assert PENDING_NOTE in page
    assert "<mark>jeg</mark> vil ikke" in page
    card = client.get(reverse("moderation:flag_json", args=[flag.pk])).json()
    assert card["evidence_pending"] is True
    assert card["evidence_note"] == PENDING_NOTE
    assert card["evidence"] == [RULE_SPAN]


def test_after_the_task_the_card_has_the_model_spans_and_a_queue_event_announces_them(
    routed: tuple[Post, list[Any]],
    explainer: FakeExplainer,
    client: Any,
    clinician: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post, callbacks = routed
    flag = Flag.objects.get(subject_id=post.pk)
    queue = _queue(flag)
    seq_at_routing = queue_last_seq(queue)
    channel = _listen(queue)
    # when: the routing commit's work runs (the explain task, inline in the tests)
    _run_on_commit(callbacks, django_capture_on_commit_callbacks)
    # then: one batch for the held post, the model span stored beside the rule span
    assert explainer.explained == [[post.body]]
    assessment = RiskAssessment.objects.get()
    assert assessment.evidence == [RULE_SPAN, MODEL_SPAN]
    assert not assessment.evidence_pending
    # a numbered queue event was stored and pushed: open dashboards fetch the card again
    pushed = [f for f in _frames(channel) if f["kind"] == KIND_EVIDENCE]
    assert [(f["flag_id"], f["seq"]) for f in pushed] == [(flag.pk, seq_at_routing + 1)]
    # and a dashboard that missed the push catches up by after_seq, the same resync path
    missed = queue_events_after(queue, seq_at_routing)
    assert [(e["kind"], e["flag_id"]) for e in missed] == [(KIND_EVIDENCE, flag.pk)]
    # the card it then fetches carries both spans and no longer promises them
    client.force_login(clinician)
    card = client.get(reverse("moderation:flag_json", args=[flag.pk])).json()
    assert card["evidence"] == [RULE_SPAN, MODEL_SPAN]
    assert card["evidence_pending"] is False and card["evidence_note"] == ""
    assert card["text_html"].startswith("<mark>jeg</mark> <mark>vil i</mark>kke")
    page = client.get(reverse("moderation:dashboard")).content.decode()
    assert PENDING_NOTE not in page


def test_the_task_run_twice_stores_and_announces_once(
    routed: tuple[Post, list[Any]],
    explainer: FakeExplainer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from moderation import tasks

    post, callbacks = routed
    _run_on_commit(callbacks, django_capture_on_commit_callbacks)
    assessment = RiskAssessment.objects.get()
    # when: at-least-once delivery runs the same task again
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.explain_assessments.call(assessment_ids=[assessment.pk])
    # then: nothing pending, so no model call, no write and no second event
    assert again == 0
    assert explainer.explained == [[post.body]]
    assessment.refresh_from_db()
    assert assessment.evidence == [RULE_SPAN, MODEL_SPAN]
    assert QueueEvent.objects.filter(kind=KIND_EVIDENCE).count() == 1


def test_a_subject_edited_since_scoring_is_skipped(
    routed: tuple[Post, list[Any]],
    explainer: FakeExplainer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post, callbacks = routed
    # given: the author edits the held post before the explain task runs
    Post.objects.filter(pk=post.pk).update(body="jeg har det bedre nu", revision=post.revision + 1)
    # when
    _run_on_commit(callbacks, django_capture_on_commit_callbacks)
    # then: no model call for text that is gone; the old revision keeps its rule span
    assert explainer.explained == []
    assessment = RiskAssessment.objects.get()
    assert assessment.evidence == [RULE_SPAN]
    assert not assessment.evidence_pending


@pytest.mark.parametrize("failure", ["error", "timeout", "model_changed"])
def test_an_explain_failure_keeps_the_flag_and_its_rule_evidence(
    routed: tuple[Post, list[Any]],
    explainer: FakeExplainer,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    client: Any,
    clinician: Any,
    django_capture_on_commit_callbacks: Any,
    failure: str,
) -> None:
    post, callbacks = routed
    if failure == "error":
        explainer.explain_fail = True
    elif failure == "timeout":
        settings.MODERATION = {**settings.MODERATION, "SCORE_TIMEOUT_SECONDS": 0.05}
        explainer.explain_delay = 0.5
    else:  # a deploy swapped the model between scoring and explaining
        explainer.model_version = "fake-2"
    # when
    with caplog.at_level("WARNING", logger="moderation.services.evidence"):
        _run_on_commit(callbacks, django_capture_on_commit_callbacks)
    # then: the flag is untouched and open, the rule span stays, and a log line says why
    flag = Flag.objects.get(subject_id=post.pk)
    assert flag.is_open
    assert Post.objects.get(pk=post.pk).status == Post.Status.HELD
    assessment = RiskAssessment.objects.get()
    assert assessment.evidence == [RULE_SPAN]
    assert not assessment.evidence_pending
    assert [r.getMessage() for r in caplog.records] == ["moderation.evidence.failed"]
    # and the card stops promising highlights (an event tells open dashboards)
    assert QueueEvent.objects.filter(flag=flag, kind=KIND_EVIDENCE).count() == 1
    client.force_login(clinician)
    card = client.get(reverse("moderation:flag_json", args=[flag.pk])).json()
    assert card["evidence"] == [RULE_SPAN] and card["evidence_note"] == ""


def test_published_and_unscored_subjects_are_not_explained(
    explainer: FakeExplainer,
    pending_post: Any,
    screen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    low = pending_post("lidt trist i dag")
    explainer.set(low.body, RiskLevel.LOW)
    with django_capture_on_commit_callbacks(execute=True):
        screen(low)
    explainer.fail = True  # the model is down: held unscored on the rule floor
    with django_capture_on_commit_callbacks(execute=True):
        screen(pending_post("noget helt andet"))
    assert explainer.explained == []
    assert not RiskAssessment.objects.filter(evidence_pending=True).exists()


def test_a_stale_pending_mark_stops_showing_after_the_limit(
    routed: tuple[Post, list[Any]], client: Any, clinician: Any
) -> None:
    """A worker killed mid-task leaves the mark set: the card must not promise forever."""
    import datetime as dt

    from moderation.selectors import EVIDENCE_PENDING_MAX_SECONDS

    post, _callbacks = routed
    old = RiskAssessment.objects.get().created_at - dt.timedelta(
        seconds=EVIDENCE_PENDING_MAX_SECONDS + 1
    )
    RiskAssessment.objects.update(created_at=old)
    flag = Flag.objects.get(subject_id=post.pk)
    client.force_login(clinician)
    card = client.get(reverse("moderation:flag_json", args=[flag.pk])).json()
    assert card["evidence_pending"] is False and card["evidence"] == [RULE_SPAN]


@pytest.mark.model
def test_real_model_routes_first_and_explains_to_the_full_evidence(
    settings: Any,
    pending_post: Any,
    screen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from ml.backends.transformer import TransformerScorer
    from moderation import risk

    settings.RISK_SCORER = "transformer"
    if not (Path(settings.RISK_MODEL_PATH) / "encoder" / "model.safetensors").exists():
        missing_service("risk model weights missing: python -m ml.build_encoder")
    if not isinstance(risk._scorer(), TransformerScorer):  # reuse a model another test loaded
        risk.reset_for_tests()
    texts = {
        # no rule hit: before the task the moderator sees no highlight, after it the model's
        "min ven skriver han vil tage sit liv i nat og nu svarer han ikke": "da",
        "this is my last post. thank you all, goodbye": "en",
    }
    posts = [pending_post(text) for text in texts]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for post in posts:
            screen(post)
    routed = {a.subject_id: a for a in RiskAssessment.objects.all()}
    assert all(a.scored and a.level >= RiskLevel.ELEVATED for a in routed.values())
    assert all(a.evidence_pending for a in routed.values())
    _run_on_commit(callbacks, django_capture_on_commit_callbacks)
    scorer = risk._scorer()
    assert isinstance(scorer, TransformerScorer)
    full = scorer.score_batch(list(texts))  # what scoring with occlusion would have stored
    for post, score in zip(posts, full, strict=True):
        assessment = RiskAssessment.objects.get(subject_id=post.pk)
        assert not assessment.evidence_pending
        expected = [[e.start, e.end, round(e.weight, 4)] for e in score.evidence]
        assert assessment.evidence == expected
        assert len(assessment.evidence) > len(routed[post.pk].evidence)
    risk._last_load_failure = None
    risk._last_score_failure = None
