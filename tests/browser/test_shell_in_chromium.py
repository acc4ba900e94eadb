"""The web shell in a real browser: sign-up on a phone-sized screen, the crisis button, axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from tests.accounts.conftest import STRONG_PASSWORD, birth_for_age

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def test_youth_signs_up_on_a_phone_and_finds_the_crisis_lines(
    daphne_live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    page.goto(daphne_live_server.url + "/konto/tilmeld/")
    assert _serious_violations(page) == []
    year, month = birth_for_age(16)
    page.fill("#id_handle", "stille_sol")
    page.fill("#id_password", STRONG_PASSWORD)
    page.fill("#id_birth_year", str(year))
    page.select_option("#id_birth_month", str(month))
    page.check("input[name=avatar][value=owl]")
    page.check("#id_self_consent")
    page.check("#id_acknowledges_duty_to_notify")
    page.check("#id_accepts_terms")
    page.click("button[type=submit] >> text=Opret min profil")
    page.wait_for_url(daphne_live_server.url + "/")
    assert "Hej stille_sol" in page.content()
    assert User.objects.filter(username="stille_sol").exists()

    page.click("summary.crisis-button")
    panel = page.locator(".crisis-panel")
    assert panel.is_visible()
    for number in ("70 201 201", "116 111", "112"):
        assert number in panel.inner_text()
    assert page.locator("a[href='tel:+4570201201']").count() >= 1
    assert _serious_violations(page) == []


def test_login_page_and_help_page_have_no_serious_accessibility_violations(
    daphne_live_server: Any, browser_page: Any
) -> None:
    for path in ("/konto/log-ind/", "/hjaelp/", "/privatliv/"):
        browser_page.goto(daphne_live_server.url + path)
        assert _serious_violations(browser_page) == [], path


def test_heartbeat_socket_connects_from_the_page_when_logged_in(
    daphne_live_server: Any, browser_page: Any
) -> None:
    User.objects.create_user(username="stille_sol", password=STRONG_PASSWORD)
    page = browser_page
    page.goto(daphne_live_server.url + "/konto/log-ind/")
    page.fill("#id_username", "stille_sol")
    page.fill("#id_password", STRONG_PASSWORD)
    page.click("button[type=submit] >> text=Log ind")
    page.wait_for_url(daphne_live_server.url + "/")
    message = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws/heartbeat/');
            ws.onmessage = (e) => { resolve(JSON.parse(e.data)); ws.close(); };
            ws.onclose = (e) => reject('closed ' + e.code);
            setTimeout(() => reject('timeout'), 5000);
        })"""
    )
    assert message == {"type": "hello", "user": "stille_sol"}
