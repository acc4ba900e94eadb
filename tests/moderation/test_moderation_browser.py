"""End to end in Chromium against daphne: a crisis post reaches a clinician's open dashboard.

The youth posts over HTTP; screening runs on commit (the test settings' immediate task backend)
with the rule layer as the scorer; the clinician's socket is in the same daphne process, so the
in-memory channel layer carries the push.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from ml import Evidence
from ml.backends.lexicon import LexiconScorer
from moderation.models import Flag, FlagEvent

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
CRISIS_TEXT = "Jeg vil tage mit eget liv i nat. Jeg har skrevet et afskedsbrev."
EXPLAIN_SECONDS = 1.5


class SlowlyExplainingLexicon(LexiconScorer):
    """The rule layer routes; its explain step takes a while and adds a span the rules lack.

    Stands in for the model's occlusion, so the dashboard visibly goes from the rule spans
    and "highlights are coming" to the explained spans, live.
    """

    def explain_batch(self, texts: Sequence[str]) -> list[tuple[Evidence, ...]]:
        time.sleep(EXPLAIN_SECONDS)
        return [(Evidence(0, 7, 0.5), *spans) for spans in super().explain_batch(texts)]


@pytest.fixture
def rule_layer_scorer(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set before daphne forks, so the server process scores with the lexicon."""
    from moderation import risk

    settings.RISK_SCORER = "lexicon"
    risk.reset_for_tests()
    scorer = SlowlyExplainingLexicon()
    monkeypatch.setattr("moderation.risk._scorer", lambda: scorer)
    yield
    risk.reset_for_tests()


def test_crisis_post_reaches_the_clinician_live_and_the_audit_shows_each_step(
    rule_layer_scorer: Any,
    space: Any,
    youth: Any,
    clinician: Any,
    daphne_live_server: Any,
    browser: Any,
    browser_page: Any,
    browser_log_in: Any,
) -> None:
    from community.permissions import space_membership_sync

    space_membership_sync(user=youth)
    server = daphne_live_server
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    dashboard = staff_context.new_page()
    try:
        # given: the clinician has the dashboard open and live
        browser_log_in(dashboard, server.url, clinician.username, PASSWORD)
        dashboard.goto(server.url + "/moderation/")
        dashboard.wait_for_selector("#mod-live >> text=Live", timeout=10_000)

        # when: a youth posts a crisis text
        page = browser_page
        browser_log_in(page, server.url, youth.username, PASSWORD)
        page.goto(f"{server.url}/faellesskab/rum/{space.pk}/")
        page.fill("#id_body", CRISIS_TEXT)
        page.click("form.post-form button[type=submit]")

        # then the clinician's open dashboard shows the flag live, evidence highlighted: the
        # rule spans at once, while the model's highlights are still being computed
        card = dashboard.wait_for_selector(".mod-card.tier-crisis", timeout=10_000)
        assert card.query_selector("mark") is not None
        dashboard.wait_for_selector(
            ".mod-card.tier-crisis .mod-evidence-pending >> text=Fremhævninger beregnes",
            timeout=5_000,
        )
        marks = dashboard.locator(".mod-card.tier-crisis .mod-text mark").all_inner_texts()
        assert marks == ["tage mit eget liv", "afskedsbrev"]
        # then the explained spans replace them live, without a reload
        dashboard.wait_for_selector(".mod-evidence-pending", state="detached", timeout=10_000)
        marks = dashboard.locator(".mod-card.tier-crisis .mod-text mark").all_inner_texts()
        assert marks == ["Jeg vil", "tage mit eget liv", "afskedsbrev"]

        # and: the author sees at once, without reloading, that a person will read it, and
        # the crisis lines (the live "post.held" frame, even if it beat the API response)
        page.wait_for_selector(".status-line.held >> text=Livslinien", timeout=10_000)
        held_notice = page.inner_text(".status-line.held").lower()
        assert not any(word in held_notice for word in ("risiko", "score", "krise", "niveau"))
        # and a reload shows the same server-rendered notice
        page.reload()
        page.wait_for_selector(".status-line.held >> text=Livslinien", timeout=10_000)

        flag = Flag.objects.get()

        # the clinician claims and resolves it
        dashboard.goto(f"{server.url}/moderation/sager/{flag.pk}/")
        dashboard.click("button[value=claim]")
        dashboard.fill("#mod-reason", "Ringet op; den unge er i sikkerhed. Fjerner metodedetaljer.")
        dashboard.click("button[value=remove]")
        dashboard.wait_for_selector(".messages >> text=Gemt", timeout=10_000)

        # and the audit page shows each step
        dashboard.goto(f"{server.url}/moderation/sager/{flag.pk}/historik/")
        history = dashboard.inner_text(".mod-history")
        for label in ("Åbnet", "Vagt tilkaldt", "Taget", "Fjernet"):
            assert label in history
        flag.refresh_from_db()
        assert (flag.status, flag.resolution) == ("resolved", "removed")
        kinds = list(flag.events.values_list("kind", flat=True))
        assert kinds[:1] == [FlagEvent.Kind.OPENED] and kinds[-1] == FlagEvent.Kind.REMOVED
    finally:
        staff_context.close()
