"""Progress and resume, the player pages, reflections (private, 50 kB, markup) and access."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from journeys import selectors, services
from journeys.models import Journey, JourneyProgress, Reflection, ScreeningStatus, Step

pytestmark = pytest.mark.django_db

SLUG = "her-og-nu"


def _steps(journey: Journey) -> list[Step]:
    return selectors.steps_active(journey=journey)


def _step_url(step: Step) -> str:
    return reverse("journeys:step", args=[step.journey.slug, step.key])


def test_list_shows_journeys_for_the_youths_age_band(
    content: dict[str, Journey], make_user: Any, client: Any
) -> None:
    # given a 13-year-old; "det-der-betyder-noget" (ACT values) is for 15-25 only
    young = make_user(age=13)
    client.force_login(young)
    # when
    response = client.get(reverse("journeys:list"))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert content["her-og-nu"].title_in("da") in body
    assert content["det-der-betyder-noget"].title_in("da") not in body


def test_list_is_in_english_for_an_english_user(
    content: dict[str, Journey], make_user: Any, client: Any
) -> None:
    english = make_user(preferred_language="en")
    client.force_login(english)
    response = client.get(reverse("journeys:list"))
    body = response.content.decode()
    assert content[SLUG].title_in("en") in body
    assert content[SLUG].title_in("da") not in body


def test_anonymous_is_redirected_to_login(content: dict[str, Journey], client: Any) -> None:
    journey = content[SLUG]
    for url in (
        reverse("journeys:list"),
        reverse("journeys:detail", args=[SLUG]),
        _step_url(_steps(journey)[0]),
        reverse("journeys:reflections"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_intro_shows_about_time_and_screening_notice(
    content: dict[str, Journey], youth_client: Any
) -> None:
    response = youth_client.get(reverse("journeys:detail", args=[SLUG]))
    body = response.content.decode()
    assert "risikoscreening" in body
    assert "15 minutter" in body
    assert "Livslinien" in body  # from the about note


def test_progress_and_resume_where_you_left_off(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    journey = content[SLUG]
    steps = _steps(journey)
    # given the youth starts and finishes the first two steps
    response = youth_client.post(reverse("journeys:start", args=[SLUG]))
    assert response["Location"] == _step_url(steps[0])
    youth_client.post(_step_url(steps[0]))
    response = youth_client.post(_step_url(steps[1]))
    assert response["Location"] == _step_url(steps[2])
    youth_client.get(_step_url(steps[2]))
    # when they come back later and press "fortsæt"
    response = youth_client.post(reverse("journeys:start", args=[SLUG]))
    # then they land on the step they were on
    assert response["Location"] == _step_url(steps[2])
    progress = JourneyProgress.objects.get(youth=youth, journey=journey)
    assert progress.completed_at is None
    assert selectors.completed_step_ids(youth=youth, journey=journey) == {
        steps[0].pk,
        steps[1].pk,
    }
    listing = youth_client.get(reverse("journeys:list")).content.decode()
    assert "Fortsæt hvor du slap" in listing


def test_exercise_timer_is_text_without_javascript(
    content: dict[str, Journey], youth_client: Any
) -> None:
    step = Step.objects.get(journey=content[SLUG], key="rolig-vejrtraekning")
    body = youth_client.get(_step_url(step)).content.decode()
    assert 'data-timer-seconds="180"' in body
    assert "180 sekunder" in body


def test_quiz_shows_explained_answers(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    step = Step.objects.get(journey=content[SLUG], key="quiz-mindfulness")
    # unanswered: refused with a message
    response = youth_client.post(_step_url(step), {})
    assert response.status_code == 400
    assert "Vælg et svar" in response.content.decode()
    # a wrong answer: stored, and the page explains the best answer
    response = youth_client.post(_step_url(step), {"q0": "0"}, follow=True)
    body = response.content.decode()
    assert "Det bedste svar er" in body
    explanation = step.data["questions"][0]["explanation"]["da"]
    assert explanation[:40] in body
    completion = selectors.completion_get(youth=youth, step=step)
    assert completion is not None and completion.quiz_answers == [0]


def test_completing_every_step_completes_the_journey(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    journey = content[SLUG]
    for step in _steps(journey):
        if step.kind == "reflection":
            youth_client.post(_step_url(step), {"body": "Jeg blev roligere."})
        elif step.kind == "quiz":
            youth_client.post(_step_url(step), {"q0": "1"})
        else:
            response = youth_client.post(_step_url(step))
    assert response["Location"] == reverse("journeys:done", args=[SLUG])
    progress = JourneyProgress.objects.get(youth=youth, journey=journey)
    assert progress.completed_at is not None


def test_try_it_step_offers_saving_to_the_toolkit(
    content: dict[str, Journey], youth_client: Any
) -> None:
    step = Step.objects.get(journey=content[SLUG], key="hverdags-mindfulness")
    body = youth_client.get(_step_url(step)).content.decode()
    assert "Gem i min værktøjskasse" in body
    assert reverse("toolkit:strategy_save_from_journey") in body
    assert 'name="step_key" value="hverdags-mindfulness"' in body


def test_try_it_strategy_selector_returns_both_languages(content: dict[str, Journey]) -> None:
    found = selectors.try_it_strategy(SLUG, "hverdags-mindfulness")
    assert found is not None
    assert found["title"] == {"da": "5-4-3-2-1 jordforbindelse", "en": "5-4-3-2-1 grounding"}
    assert len(found["steps"]) == 6 and set(found["steps"][0]) == {"da", "en"}
    assert found["journey_version"] == 1
    assert selectors.try_it_strategy(SLUG, "velkommen") is None  # not a try_it step
    assert selectors.try_it_strategy("no-such-journey", "x") is None


# --- Reflections -------------------------------------------------------------------------------
def _reflection_step(content: dict[str, Journey]) -> Step:
    return Step.objects.get(journey=content[SLUG], key="hvad-lagde-du-maerke-til")


def test_reflection_saved_pending_and_screening_requested(
    content: dict[str, Journey],
    youth: User,
    youth_client: Any,
    reflection_screening_requests: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    step = _reflection_step(content)
    with django_capture_on_commit_callbacks(execute=True):
        response = youth_client.post(_step_url(step), {"body": "Jeg mærkede ro i maven."})
    assert response.status_code == 302
    reflection = Reflection.objects.get(youth=youth, step=step)
    assert reflection.screening_status == ScreeningStatus.PENDING
    assert reflection_screening_requests == [reflection.pk]
    page = youth_client.get(_step_url(step)).content.decode()
    assert "risikoscreening" in page.lower()  # the form's help text says it is screened


def test_editing_a_reflection_bumps_revision_and_rescreens(
    content: dict[str, Journey],
    youth: User,
    reflection_screening_requests: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    step = _reflection_step(content)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reflection_save(youth=youth, step=step, body="Første")
    services.reflection_mark_screened(reflection=first, crisis=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.reflection_save(youth=youth, step=step, body="Første")  # unchanged: no request
        second = services.reflection_save(youth=youth, step=step, body="Anden")
    assert second.pk == first.pk
    assert second.revision == 2
    assert second.screening_status == ScreeningStatus.PENDING
    assert reflection_screening_requests == [first.pk, first.pk]


def test_reflection_of_50_kb_is_refused_with_the_text_kept(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    step = _reflection_step(content)
    long_text = "Jeg tænker på mange ting. " * 2000  # 52,000 characters
    response = youth_client.post(_step_url(step), {"body": long_text})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Der er plads til 5000 tegn" in body
    assert "Din tekst er ikke væk" in body
    assert long_text.strip()[:200] in body  # the whole text is back in the form
    assert body.count("Jeg tænker på mange ting.") >= 2000
    assert not Reflection.objects.filter(youth=youth).exists()


def test_reflection_markup_is_stored_as_text_and_escaped(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    step = _reflection_step(content)
    markup = '<script>alert("x")</script><b>fed</b> <img src=x onerror=alert(1)>'
    youth_client.post(_step_url(step), {"body": markup})
    reflection = Reflection.objects.get(youth=youth, step=step)
    assert reflection.body == markup  # nothing lost
    detail = youth_client.get(reverse("journeys:reflection", args=[reflection.pk]))
    html = detail.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_empty_reflection_is_refused(content: dict[str, Journey], youth_client: Any) -> None:
    response = youth_client.post(_step_url(_reflection_step(content)), {"body": "   "})
    assert response.status_code == 400
    assert not Reflection.objects.exists()


# --- Access ------------------------------------------------------------------------------------
def test_another_youth_cannot_see_a_reflection(
    content: dict[str, Journey], youth: User, other_youth: User, client: Any
) -> None:
    reflection = services.reflection_save(
        youth=youth, step=_reflection_step(content), body="Min hemmelighed"
    )
    client.force_login(other_youth)
    response = client.get(reverse("journeys:reflection", args=[reflection.pk]))
    assert response.status_code == 404
    listing = client.get(reverse("journeys:reflections")).content.decode()
    assert "Min hemmelighed" not in listing
    step_page = client.get(_step_url(_reflection_step(content))).content.decode()
    assert "Min hemmelighed" not in step_page


def test_another_youths_progress_is_not_shown(
    content: dict[str, Journey], youth: User, other_youth: User, client: Any
) -> None:
    journey = content[SLUG]
    for step in _steps(journey)[:3]:
        services.step_complete(youth=youth, step=step)
    client.force_login(other_youth)
    page = client.get(reverse("journeys:detail", args=[SLUG])).content.decode()
    assert "Start rejsen" in page and "Fortsæt hvor du slap" not in page
    assert selectors.progress_get(youth=other_youth, journey=journey) is None


def test_unknown_journey_and_step_are_404(content: dict[str, Journey], youth_client: Any) -> None:
    assert youth_client.get(reverse("journeys:detail", args=["findes-ikke"])).status_code == 404
    url = reverse("journeys:step", args=[SLUG, "findes-ikke"])
    assert youth_client.get(url).status_code == 404
    assert youth_client.get(reverse("journeys:reflection", args=[999999])).status_code == 404


def test_unpublished_journey_is_404(content: dict[str, Journey], youth_client: Any) -> None:
    Journey.objects.filter(slug=SLUG).update(is_published=False)
    assert youth_client.get(reverse("journeys:detail", args=[SLUG])).status_code == 404


def test_demo_content_is_idempotent(db: Any) -> None:
    from accounts.demo import demo_accounts_create
    from journeys.demo import demo_content_create

    demo_accounts_create()
    demo_content_create()
    demo_content_create()
    ravn = User.objects.get(username="ung_ravn")
    progress = {p.journey.slug: p for p in JourneyProgress.objects.filter(youth=ravn)}
    assert set(progress) == {"her-og-nu", "venlig-mod-dig-selv"}
    assert progress["her-og-nu"].completed_at is None
    assert progress["venlig-mod-dig-selv"].completed_at is not None
    assert Journey.objects.count() == 10


def test_admin_edits_journeys_with_step_inlines(
    content: dict[str, Journey], admin_client: Any
) -> None:
    journey = content[SLUG]
    assert admin_client.get(reverse("admin:journeys_journey_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:journeys_journey_change", args=[journey.pk]))
    assert page.status_code == 200
    assert "hvad-lagde-du-maerke-til" in page.content.decode()  # a step inline
    reflection_admin = admin_client.get(reverse("admin:journeys_reflection_changelist"))
    assert reflection_admin.status_code == 200
