"""A youth completes a journey step by step in Chromium on a phone-sized screen (issue 6).

The file name sorts after the async socket tests: Playwright's session-wide sync loop would
stop pytest-asyncio from running them in the same session.

Covers the journey half of the browser test: intro, every step kind, the timer's progressive
enhancement, the reflection with its screening notice, the toolkit save from a try-it step,
the completion page, and an axe-core check on each journey page.
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from journeys import services
from journeys.models import Journey, Reflection, ScreeningStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "x-pass-123456"  # the make_user fixture's password


def _serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


@pytest.fixture
def encoder_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recommendations fall back to topic order, so the page does not wait for the encoder.

    Requested before `daphne_live_server`, whose forked process inherits the patch.
    """
    import ml

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ml.ModelUnavailable("not needed for this walkthrough")

    monkeypatch.setattr(ml, "embed_texts", unavailable)


def test_youth_completes_a_journey_on_a_phone(
    encoder_missing: None, daphne_live_server: Any, browser_page: Any, make_user: Any
) -> None:
    # given the content and a 16-year-old
    services.journeys_load()
    youth: User = make_user(age=16, username="rolig_raev")
    page = browser_page
    base = daphne_live_server.url
    page.goto(base + "/konto/log-ind/?next=/rejser/")
    page.fill("input[name=username]", "rolig_raev")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/rejser/")
    assert _serious_violations(page) == []

    # the intro: time, about note and the screening notice
    page.goto(base + "/rejser/her-og-nu/")
    assert "risikoscreening" in page.inner_text("main")
    assert _serious_violations(page) == []
    page.click("text=Start rejsen")

    seen_kinds = set()
    for _ in range(10):
        url = page.url
        if "/faerdig/" in url:
            break
        article = page.locator("article.journey-step")
        assert article.is_visible()
        if page.locator(".journey-timer").count():
            # JavaScript turned the timer text into a working timer
            page.wait_for_selector(".journey-timer.is-enhanced")
            page.click(".journey-timer-controls button >> nth=0")
            page.wait_for_timeout(1100)
            assert page.inner_text(".journey-timer-display") != "3:00"
            seen_kinds.add("timer")
        if page.locator("textarea[name=body]").count():
            assert "risikoscreening" in page.inner_text(".journey-reflection-form")
            page.fill("textarea[name=body]", "Jeg blev roligere af at trække vejret langsomt.")
            page.click("text=Gem min refleksion")
            page.wait_for_selector("text=Din refleksion er gemt")
            assert _serious_violations(page) == []
            page.click("main form[action$='/videre/'] button")
            seen_kinds.add("reflection")
            continue
        if page.locator("input[type=radio]").count():
            page.check("input[name=q0][value='1']")
            page.click("text=Se svar")
            page.wait_for_selector(".journey-quiz-results")
            assert "Rigtigt!" in page.inner_text(".journey-quiz-results")
            assert _serious_violations(page) == []
            page.click("main form[action$='/videre/'] button")
            seen_kinds.add("quiz")
            continue
        if page.locator("text=Gem i min værktøjskasse").count():
            page.click("text=Gem i min værktøjskasse")
            page.wait_for_selector("text=Gemt i din værktøjskasse")
            assert page.url == url  # back on the step, via `next`
            seen_kinds.add("try_it")
        assert _serious_violations(page) == []
        page.click("article.journey-step > form button[type=submit]")
    # then the journey is complete, with recommendations
    page.wait_for_url(base + "/rejser/her-og-nu/faerdig/")
    assert "Godt gået" in page.inner_text("main")
    assert "Du kan også lide" in page.inner_text("main")
    assert _serious_violations(page) == []
    assert seen_kinds == {"timer", "reflection", "quiz", "try_it"}
    reflection = Reflection.objects.get(youth=youth)
    assert reflection.screening_status == ScreeningStatus.PENDING
    journey = Journey.objects.get(slug="her-og-nu")
    assert journey.progress.get(youth=youth).completed_at is not None
    from toolkit.models import Strategy

    assert Strategy.objects.filter(owner=youth, journey_slug="her-og-nu").count() == 1
