"""Du kan også lide: clinician suggestions first, then similar journeys; a model fallback."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

import ml
from accounts.models import CareLink, User
from journeys import selectors, services, similarity
from journeys.models import Journey, JourneyEmbedding, JourneySuggestion, Step

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ml.ModelUnavailable("no encoder in this test")

    monkeypatch.setattr(ml, "embed_texts", unavailable)


def _finish(youth: User, journey: Journey) -> None:
    for step in selectors.steps_active(journey=journey):
        services.step_complete(youth=youth, step=step)


def test_suggest_requires_an_active_care_link(
    content: dict[str, Journey], youth: User, clinician: User, make_user: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.journey_suggest(clinician=clinician, youth=youth, journey=content["her-og-nu"])
    other = make_user(age=16)
    with pytest.raises(PermissionDenied):
        services.journey_suggest(clinician=other, youth=youth, journey=content["her-og-nu"])
    assert not JourneySuggestion.objects.exists()


def test_suggest_refused_after_the_youth_ends_the_link(
    content: dict[str, Journey], youth: User, clinician: User, care_link: CareLink
) -> None:
    from django.utils import timezone

    care_link.ended_at = timezone.now()
    care_link.save()
    with pytest.raises(PermissionDenied):
        services.journey_suggest(clinician=clinician, youth=youth, journey=content["her-og-nu"])


def test_suggestion_is_shown_to_the_youth_and_marked_seen(
    content: dict[str, Journey],
    youth: User,
    clinician: User,
    care_link: CareLink,
    youth_client: Any,
) -> None:
    journey = content["soevn-og-hvile"]
    step = selectors.steps_active(journey=journey)[2]
    suggestion = services.journey_suggest(
        clinician=clinician, youth=youth, journey=journey, step=step, note="Prøv <b>den her</b>"
    )
    page = youth_client.get(reverse("journeys:list")).content.decode()
    assert "Foreslået af din behandler" in page
    assert reverse("journeys:step", args=[journey.slug, step.key]) in page
    assert "Prøv &lt;b&gt;den her&lt;/b&gt;" in page
    youth_client.get(reverse("journeys:detail", args=[journey.slug]))
    suggestion.refresh_from_db()
    assert suggestion.seen_at is not None


def test_suggestions_come_first_in_recommendations(
    content: dict[str, Journey],
    youth: User,
    clinician: User,
    care_link: CareLink,
    no_model: None,
) -> None:
    _finish(youth, content["bekymring-smaa-skridt"])
    services.journey_suggest(clinician=clinician, youth=youth, journey=content["soevn-og-hvile"])
    recs = similarity.recommendations_for(
        youth=youth, language="da", exclude=[content["bekymring-smaa-skridt"]]
    )
    assert recs[0].journey.slug == "soevn-og-hvile"
    assert recs[0].reason == "suggested"
    assert "soevn-og-hvile" not in [r.journey.slug for r in recs[1:]]


def test_fallback_without_model_orders_by_topic_and_logs(
    content: dict[str, Journey], youth: User, no_model: None, caplog: pytest.LogCaptureFixture
) -> None:
    # given a youth who finished a worry journey and the encoder is missing
    _finish(youth, content["bekymring-smaa-skridt"])
    # when
    with caplog.at_level(logging.WARNING, logger="journeys.similarity"):
        recs = similarity.recommendations_for(
            youth=youth, language="da", exclude=[content["bekymring-smaa-skridt"]]
        )
    # then the other worry journey comes first, and the fallback is logged
    assert [r.reason for r in recs] == ["topic", "topic", "topic"]
    assert recs[0].journey.slug == "godt-nok"
    assert "bekymring-smaa-skridt" not in [r.journey.slug for r in recs]
    assert any(r.message == "journeys.similarity.model_unavailable" for r in caplog.records)


def test_done_page_works_without_model(
    content: dict[str, Journey], youth: User, youth_client: Any, no_model: None
) -> None:
    _finish(youth, content["her-og-nu"])
    response = youth_client.get(reverse("journeys:done", args=["her-og-nu"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Godt gået" in body and "Du kan også lide" in body


@pytest.mark.model
def test_real_encoder_ranks_by_recent_reflections(content: dict[str, Journey], youth: User) -> None:
    # given a youth whose only activity is a reflection about sleep
    step = Step.objects.get(journey=content["her-og-nu"], key="hvad-lagde-du-maerke-til")
    services.reflection_save(
        youth=youth,
        step=step,
        body=(
            "Jeg kan ikke sove om natten. Jeg ligger vågen i timevis med telefonen, "
            "og om morgenen er jeg så træt, at jeg falder i søvn i skolen."
        ),
    )
    similarity.journey_vectors_warm(languages=("da",))  # the encoder is loaded in this process
    # when
    recs = similarity.recommendations_for(youth=youth, language="da", limit=3)
    # then the sleep journey is the best match, and only journey vectors are cached
    assert recs[0].journey.slug == "soevn-og-hvile", [(r.journey.slug, r.score) for r in recs]
    assert recs[0].reason == "similar" and recs[0].score is not None
    cached = JourneyEmbedding.objects.filter(language="da")
    assert cached.count() == len(selectors.journeys_for_user(user=youth))
    assert set(cached.values_list("slug", flat=True)) <= set(content)


@pytest.mark.model
def test_real_encoder_cache_is_keyed_by_version(content: dict[str, Journey]) -> None:
    journeys = [content["her-og-nu"], content["godt-nok"]]
    first = similarity.journey_vectors(journeys, "en")
    assert first.shape == (2, similarity.EMBEDDING_DIM)
    assert JourneyEmbedding.objects.filter(language="en").count() == 2
    Journey.objects.filter(slug="godt-nok").update(version=2)
    journeys[1].refresh_from_db()
    similarity.journey_vectors(journeys, "en")
    assert JourneyEmbedding.objects.filter(language="en", slug="godt-nok").count() == 2
    import numpy as np

    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)


def test_suggestion_status_shows_whether_it_was_done(
    content: dict[str, Journey], youth: User, clinician: User, care_link: CareLink
) -> None:
    journey = content["soevn-og-hvile"]
    step = selectors.steps_active(journey=journey)[1]
    services.journey_suggest(clinician=clinician, youth=youth, journey=journey, step=step)
    services.journey_suggest(clinician=clinician, youth=youth, journey=content["her-og-nu"])
    before = selectors.suggestions_with_status(clinician=clinician, youth=youth)
    assert [s.done for s in before] == [False, False]
    services.step_complete(youth=youth, step=step)
    after = {
        s.suggestion.journey.slug: s
        for s in selectors.suggestions_with_status(clinician=clinician, youth=youth)
    }
    assert after["soevn-og-hvile"].done and after["soevn-og-hvile"].done_at is not None
    assert not after["her-og-nu"].done


def test_taking_a_completed_journey_again_starts_from_the_top(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    journey = content["her-og-nu"]
    _finish(youth, journey)
    response = youth_client.post(reverse("journeys:start", args=[journey.slug]))
    first = selectors.steps_active(journey=journey)[0]
    assert response["Location"] == reverse("journeys:step", args=[journey.slug, first.key])


def test_load_with_embed_reports_a_missing_encoder(
    content: dict[str, Journey], no_model: None
) -> None:
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("load_journeys", "--embed", stdout=out, stderr=err)
    assert "unchanged 10" in out.getvalue()
    assert "encoder is unavailable" in err.getvalue()
    assert not JourneyEmbedding.objects.exists()


@pytest.mark.model
def test_load_with_embed_caches_both_languages(content: dict[str, Journey]) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_journeys", "--embed", stdout=out)
    assert "cached 20 journey embeddings" in out.getvalue()
    assert JourneyEmbedding.objects.count() == 20


def test_page_never_waits_for_the_encoder_to_load(
    content: dict[str, Journey], youth: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a process where the encoder has not been loaded yet
    monkeypatch.setattr(similarity, "_encoder_ready", threading.Event())
    started: list[bool] = []
    monkeypatch.setattr(similarity, "encoder_warm_in_background", lambda: started.append(True))
    # when
    recs = similarity.recommendations_for(youth=youth, language="da", limit=3)
    # then the topic order answers now, and loading has started for the next request
    assert recs
    assert {r.reason for r in recs} == {"topic"}
    assert started == [True]
