"""Session-prep summaries: generated from structured data, each sentence with its source, and
only from what the youth shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from care.summary import summary_build
from journeys import selectors as journey_selectors
from journeys import services as journey_services
from toolkit import services as toolkit_services

pytestmark = pytest.mark.django_db

SECRET_REFLECTION = "Mit hemmelige svar om min familie"


@pytest.fixture
def busy_youth(youth: User, content: dict[str, Any], make_flag: Any, make_post: Any) -> User:
    today = timezone.localdate()
    for days_ago, mood in ((10, 7), (8, 7), (3, 4), (1, 3)):
        toolkit_services.checkin_save(youth=youth, mood=mood, day=today - dt.timedelta(days_ago))
    journey = next(iter(content.values()))
    steps = journey_selectors.steps_active(journey=journey)
    for step in steps:
        journey_services.step_complete(youth=youth, step=step)
    reflection_step = next(
        (
            s
            for j in content.values()
            for s in journey_selectors.steps_active(journey=j)
            if s.kind == "reflection"
        ),
    )
    journey_services.reflection_save(youth=youth, step=reflection_step, body=SECRET_REFLECTION)
    strategy = toolkit_services.strategy_create_own(
        youth=youth, title="Gå en tur", steps=["Ud"], language="da"
    )
    use = toolkit_services.strategy_use_start(strategy=strategy, mood_before=3)
    toolkit_services.strategy_use_finish(use=use, mood_after=6)
    make_flag(youth, "crisis")
    make_post(youth, "et indlæg")
    return youth


def test_every_sentence_has_a_source_and_follows_the_shared_scopes(busy_youth: User) -> None:
    today = timezone.localdate()
    every = {"activity", "journeys", "reflections", "toolkit", "checkins", "posts"}
    sentences = summary_build(
        youth=busy_youth, since=today - dt.timedelta(days=13), until=today, scopes=every
    )
    sources = {s.source for s in sentences}
    assert {"flags", "checkins", "journeys", "toolkit", "reflections", "posts"} <= sources
    assert all(s.url.startswith(f"/behandling/ung/{busy_youth.pk}/") for s in sentences)
    text = " ".join(s.text for s in sentences)
    assert SECRET_REFLECTION not in text  # counts, never the youth's own words
    assert "faldende" in text  # 7, 7 -> 4, 3
    assert "kriseniveau" in text

    only_checkins = summary_build(
        youth=busy_youth, since=today - dt.timedelta(days=13), until=today, scopes={"checkins"}
    )
    assert {s.source for s in only_checkins} == {"flags", "checkins"}


def test_plurals_follow_the_counts_and_each_sentence_keeps_its_source(
    youth: User, make_flag: Any
) -> None:
    today = timezone.localdate()
    every = {"activity", "journeys", "reflections", "toolkit", "checkins", "posts"}
    strategy = toolkit_services.strategy_create_own(
        youth=youth, title="Gå en tur", steps=["Ud"], language="da"
    )

    def texts() -> dict[str, str]:
        sentences = summary_build(
            youth=youth, since=today - dt.timedelta(days=13), until=today, scopes=every
        )
        assert all(s.url.startswith(f"/behandling/ung/{youth.pk}/") for s in sentences)
        return {s.text: s.source for s in sentences}

    make_flag(youth, "crisis")
    toolkit_services.checkin_save(youth=youth, mood=5)
    toolkit_services.strategy_use_start(strategy=strategy, mood_before=3)
    one = texts()
    assert one["1 bekymringsmarkering oprettet i perioden."] == "flags"
    assert one["1 af dem var på kriseniveau."] == "flags"
    assert one["1 af dem er stadig åben."] == "flags"
    assert any(t.startswith("1 check-in;") for t in one)
    assert any("“Gå en tur” 1 gang;" in t for t in one)
    assert one["0 trin gennemført i rejser."] == "journeys"

    make_flag(youth, "elevated")
    toolkit_services.checkin_save(youth=youth, mood=6, day=today - dt.timedelta(days=1))
    toolkit_services.strategy_use_start(strategy=strategy, mood_before=4)
    two = texts()
    assert two["2 bekymringsmarkeringer oprettet i perioden."] == "flags"
    assert two["2 af dem er stadig åbne."] == "flags"
    assert any(t.startswith("2 check-ins;") for t in two)
    assert any("“Gå en tur” 2 gange;" in t for t in two)
    assert not any("(e)" in t or "(er)" in t for t in two)


def test_summary_page_says_it_is_generated_and_offers_a_plain_copy(
    client: Any, youth: User, clinician: User, link: Any, make_user: Any
) -> None:
    toolkit_services.checkin_save(youth=youth, mood=5)
    client.force_login(clinician)
    response = client.get(reverse("care:youth_summary", args=[youth.pk]))
    page = response.content.decode()
    assert "Automatisk genereret" in page
    assert '<textarea id="care-summary-text"' in page
    assert "data-copy-target" in page
    assert "1 check-in;" in response.context["plain"]  # singular for one


def test_summary_respects_withdrawn_scopes(
    client: Any, youth: User, clinician: User, link: Any
) -> None:
    from care import services

    toolkit_services.checkin_save(youth=youth, mood=5)
    services.link_scopes_set(link=link, youth=youth, scopes=["journeys"])
    client.force_login(clinician)
    response = client.get(reverse("care:youth_summary", args=[youth.pk]))
    assert {s.source for s in response.context["sentences"]} == {"flags", "journeys"}


def test_period_can_be_chosen_and_bad_input_falls_back(
    client: Any, youth: User, clinician: User, link: Any
) -> None:
    client.force_login(clinician)
    url = reverse("care:youth_summary", args=[youth.pk])
    chosen = client.get(url + "?fra=2026-01-01&til=2026-01-31").context
    assert (chosen["since"], chosen["until"]) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    swapped = client.get(url + "?fra=2026-01-31&til=2026-01-01").context
    assert swapped["since"] == dt.date(2026, 1, 1)
    bad = client.get(url + "?fra=igår&til=<script>")
    assert bad.status_code == 200
    assert bad.context["until"] == timezone.localdate()
