"""Issue 6's browser journey on a phone-sized screen in Debian's Chromium, with axe-core checks.

A youth completes a journey step by step, saves its "prøv det" strategy to the toolkit, uses it
in "brug nu", and opens the safety plan from the crisis button.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import User
from toolkit.models import Strategy, StrategyUse

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a-long-browser-password-42"
JOURNEY = "her-og-nu"
MAX_STEPS = 20


def _serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def _finish_step(page: Any) -> None:
    """Answer whatever the current step asks, the way a youth would, and move on."""
    main = page.locator("main")
    if main.locator("input[type=radio]").count():  # a quiz: pick an answer per question
        for name in sorted(
            set(main.locator("input[type=radio]").evaluate_all("els => els.map(e => e.name)"))
        ):
            main.locator(f"input[type=radio][name='{name}']").first.check()
        main.locator("button[type=submit] >> text=Se svar").first.click()
        page.wait_for_load_state()
    if main.locator("button >> text=Spring over for nu").count():  # a reflection: later
        main.locator("button >> text=Spring over for nu").click()
        return
    if main.locator("button >> text=Gem i min værktøjskasse").count():  # try it: save it
        main.locator("button >> text=Gem i min værktøjskasse").click()
        page.wait_for_load_state()
        assert "Gemt i din værktøjskasse" in page.locator(".messages").inner_text()
    buttons = main.locator(
        "button[type=submit]:text-matches('Næste|Afslut rejsen|Jeg har prøvet det', 'i')"
    )
    buttons.last.click()


def test_youth_completes_a_journey_saves_a_strategy_and_opens_the_safety_plan(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any
) -> None:
    call_command("load_journeys")
    User.objects.create_user(
        username="stille_sol", password=PASSWORD, birth_year=2009, birth_month=1
    )
    base = daphne_live_server.url
    page = browser_page
    # The journey's last page ranks recommendations with the encoder; its first load in the
    # server process can take most of a minute on a busy 2-core machine.
    page.set_default_timeout(120_000)
    browser_log_in(page, base, "stille_sol", PASSWORD)

    # the journey, step by step
    page.goto(f"{base}/rejser/{JOURNEY}/")
    assert _serious_violations(page) == []
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"/rejser/{JOURNEY}/trin/"))
    assert _serious_violations(page) == []
    checked_try_it = False
    for _ in range(MAX_STEPS):
        if "/faerdig/" in page.url:
            break
        if not checked_try_it and page.locator("text=Gem i min værktøjskasse").count():
            assert _serious_violations(page) == []
            checked_try_it = True
        _finish_step(page)
        page.wait_for_load_state()
    assert "/faerdig/" in page.url, page.url
    assert checked_try_it

    strategy = Strategy.objects.get(owner__username="stille_sol")
    assert strategy.journey_slug == JOURNEY

    # the toolkit shows it; "brug nu" walks through it with the slider
    page.goto(base + "/vaerktoej/")
    assert "5-4-3-2-1" in page.locator("main").inner_text()
    assert _serious_violations(page) == []
    page.locator("a.button >> text=Brug nu").first.click()
    slider = page.locator("input[name=mood_before]")
    # toolkit.js upgrades the number field to a slider once it has run; the page can be read
    # before that, so wait for the upgrade (up to 5 s) rather than read the attribute at once.
    from playwright.sync_api import expect

    expect(slider).to_have_attribute("type", "range")
    slider.fill("3")
    expect(page.locator("output.mood-value").first).to_have_text("3")
    assert _serious_violations(page) == []
    page.click("button >> text=Start")
    while page.locator(".use-nav a.button").count():
        page.locator(".use-nav a.button").last.click()
        page.wait_for_load_state()
    page.locator("input[name=mood_after]").fill("6")
    page.click("button >> text=Gem og afslut")
    page.wait_for_url(base + "/vaerktoej/")
    use = StrategyUse.objects.get(strategy=strategy)
    assert (use.mood_before, use.mood_after) == (3, 6)
    assert "+3" in page.locator(".helped-chart").inner_text()

    # the safety plan, one tap from the crisis button
    page.click("summary.crisis-button")
    page.locator(".crisis-panel a >> text=Min sikkerhedsplan").click()
    page.wait_for_url(base + "/vaerktoej/sikkerhedsplan/")
    assert page.locator(".safety-section").count() == 6
    assert "70 201 201" in page.locator("#professionals").inner_text()
    assert _serious_violations(page) == []


def test_checkin_who5_and_trend_pages_work_and_pass_axe(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any
) -> None:
    User.objects.create_user(
        username="rolig_maane", password=PASSWORD, birth_year=2008, birth_month=1
    )
    base = daphne_live_server.url
    page = browser_page
    page.set_default_timeout(30_000)
    browser_log_in(page, base, "rolig_maane", PASSWORD)

    page.goto(base + "/vaerktoej/")
    assert page.locator(".toolkit-prompt a >> text=Svar nu").count() == 1  # WHO-5 at sign-up
    page.click(".toolkit-prompt a >> text=Svar nu")
    assert _serious_violations(page) == []
    for item in range(1, 6):
        page.check(f"input[name=item_{item}][value='1']")
    page.click("button >> text=Send")
    assert "20 ud af 100" in page.locator("main").inner_text()
    assert page.locator("main a[href='tel:+4570201201']").count() == 1  # very low: lines shown
    assert _serious_violations(page) == []

    page.goto(base + "/vaerktoej/check-in/")
    page.locator("input[name=mood]").fill("7")
    page.fill("input[name=word]", "rolig")
    assert _serious_violations(page) == []
    page.click("main button >> text=Gem")
    page.wait_for_url(base + "/vaerktoej/udvikling/")
    assert page.locator("main svg").count() == 2
    page.click("summary >> text=Vis som tabel")
    assert "rolig" in page.locator("main table").first.inner_text()
    assert _serious_violations(page) == []
